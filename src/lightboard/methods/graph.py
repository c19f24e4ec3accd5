"""``SummaryWriter`` methods for model graphs (see :mod:`lightboard.methods`)."""

from __future__ import annotations

from typing import Any


class GraphMethods:
    """graph methods of :class:`lightboard.SummaryWriter`."""

    def add_graph(
        self,
        model: Any,
        input_to_model: Any = None,
        verbose: bool = False,
        use_strict_trace: bool = True,
    ) -> None:
        """Log the graph of a PyTorch module, drawn by TensorBoard's graph dashboard.

        The module is traced with ``torch.jit.trace`` (in eval mode, as ``torch.utils.tensorboard`` does;
        every submodule's train/eval mode is restored afterwards) and written as a ``GraphDef`` whose nodes
        (names by module scope, op kinds, edges, ``_output_shapes``) equal ``torch.utils.tensorboard``'s,
        followed by the run metadata (step statistics on ``/device:CPU:0``) under the tag ``"step1"``.
        Needs torch (``pip install 'lightboard[torch]'``), not the ``tensorboard`` package.

        Args:
            model: the ``torch.nn.Module`` to draw.
            input_to_model: what ``forward`` is called with: a tensor, or a dict of tensors (one argument),
                a tuple or list (one item per positional argument; items may nest tuples, lists and dicts of
                tensors), or None for a ``forward()`` without arguments.
            verbose: print the traced TorchScript graph.
            use_strict_trace: ``strict`` of ``torch.jit.trace``; pass False when ``forward`` returns a list
                or a dict.

        Raises:
            ImportError: torch is not installed.
            TypeError: ``model`` is not a ``torch.nn.Module``; ``input_to_model`` holds something other
                than tensors, tuples, lists and str-keyed dicts.
            RuntimeError: the model cannot be traced; the message says why (torch's words) and what to try.

        Example::

            writer.add_graph(model, torch.randn(1, 3, 224, 224))
        """
        from lightboard.summaries import graph, pytorch_graph

        graph_def = pytorch_graph.model_graph(model, input_to_model, verbose, use_strict_trace)
        step, wall = self._defaults.step_and_time(None, None)
        writer = self._get_file_writer()
        self._queue(writer, graph.graph_event(graph_def, wall, step))
        metadata = graph.cpu_run_metadata()
        self._queue(writer, graph.run_metadata_event(graph.RUN_METADATA_TAG, metadata, wall, step))

    def add_onnx_graph(self, onnx_model_file: Any) -> None:
        """Log the graph of an ONNX model, drawn by TensorBoard's graph dashboard.

        Inputs, initializers (weights), operators and outputs become nodes; nothing is printed (unlike
        tensorboardX). Needs the ``onnx`` package (``pip install 'lightboard[onnx]'``).

        Args:
            onnx_model_file: path of a ``.onnx`` file (str or ``os.PathLike``) or a loaded ``onnx.ModelProto``.
                External tensor data is not loaded: only the graph is drawn.

        Raises:
            ImportError: onnx is not installed.
            TypeError: ``onnx_model_file`` is neither a path nor an ``onnx.ModelProto``.
            FileNotFoundError: the file does not exist.
            ValueError: the file is not an ONNX model.

        Example::

            torch.onnx.export(model, (x,), "model.onnx", dynamo=False)
            writer.add_onnx_graph("model.onnx")
        """
        from lightboard.summaries import graph, onnx_graph

        graph_def = onnx_graph.graph_def(onnx_graph.load_model(onnx_model_file))
        step, wall = self._defaults.step_and_time(None, None)
        self._queue(self._get_file_writer(), graph.graph_event(graph_def, wall, step))
