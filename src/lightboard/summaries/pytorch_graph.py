"""PyTorch modules as ``GraphDef``: traced with ``torch.jit.trace``, laid out as ``torch.utils.tensorboard`` does.

The traced (and inlined) TorchScript graph becomes one ``NodeDef`` per value:

* graph inputs (tensors, dicts, lists; never ``self``) are ``IO Node`` nodes named ``input/<name>``, unused
  ones are left out; graph outputs are ``IO Node`` nodes ``output/output.<i>`` fed by the value returned;
* every output of an operator is a node named ``<scope>/<value>``, where the scope is the root module's type
  followed by ``Type[attribute]`` per submodule (``ResNet/Sequential[layer1]/Bottleneck[0]/Conv2d[conv1]``),
  its ``op`` is the operator kind (``aten::_convolution``, ``prim::Constant``, ...), its inputs the nodes of
  its operands; parameters and buffers are ``prim::GetAttr`` nodes under ``<module scope>/<attribute>``;
* attribute ``attr`` holds the operator's attributes as text, ``_output_shapes`` the shape of a tensor output.

Names, op kinds and edges equal those of ``torch.utils.tensorboard``'s ``add_graph`` for the same model,
quirks included (a parameter node's input names its module value, which is not a node).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

from lightboard.optional import require
from lightboard.proto.graph_pb2 import GraphDef, NodeDef, VersionDef
from lightboard.summaries.graph import PRODUCER, attr_string, output_shapes

_GETATTR = "prim::GetAttr"
_CLASS_TYPE = "ClassType"
_MODULE_PREFIX = "__module"


def import_torch(method: str = "add_graph") -> Any:
    """The ``torch`` module, or an ImportError naming the ``torch`` extra."""
    return require("torch", "torch", method)


def example_inputs(input_to_model: Any, torch: Any) -> tuple[Any, ...]:
    """The positional arguments ``torch.jit.trace`` will pass to the model's ``forward``.

    A tensor or a dict is one argument, a tuple or a list holds one argument per item, ``None`` means none.
    Items may nest tuples, lists and dicts (with str keys) of tensors.

    Raises:
        TypeError: something else, naming where it sits in ``input_to_model``.
    """
    if input_to_model is None:
        return ()
    if isinstance(input_to_model, (torch.Tensor, dict)):
        args: tuple[Any, ...] = (input_to_model,)
    elif isinstance(input_to_model, (tuple, list)):
        args = tuple(input_to_model)
    else:
        raise TypeError(
            "add_graph: input_to_model must be a tensor, a tuple or list of tensors (one per argument of "
            f"forward), a dict of tensors or None, got {type(input_to_model).__name__}"
        )
    positional = isinstance(input_to_model, (tuple, list))
    for index, item in enumerate(args):
        _check_traceable(item, f"input_to_model[{index}]" if positional else "input_to_model", torch)
    return args


def _check_traceable(item: Any, where: str, torch: Any) -> None:
    if isinstance(item, torch.Tensor):
        return
    if isinstance(item, (tuple, list)):
        for index, child in enumerate(item):
            _check_traceable(child, f"{where}[{index}]", torch)
        return
    if isinstance(item, Mapping):
        for key, child in item.items():
            if not isinstance(key, str):
                raise TypeError(f"add_graph: {where} has a key {key!r} of type {type(key).__name__}; keys must be str")
            _check_traceable(child, f"{where}[{key!r}]", torch)
        return
    raise TypeError(
        f"add_graph: {where} is a {type(item).__name__}; torch.jit.trace only passes tensors and (nested) "
        "tuples, lists and dicts of tensors to the model (convert arrays with torch.as_tensor)"
    )


@contextlib.contextmanager
def _eval_mode(model: Any) -> Iterator[None]:
    """Trace in eval mode, as torch.utils.tensorboard does, then restore every submodule's own mode."""
    modes = [(module, module.training) for module in model.modules()]
    model.train(False)
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


def trace(model: Any, input_to_model: Any, strict: bool, torch: Any) -> tuple[Any, Any]:
    """Trace ``model`` in eval mode; returns ``(traced module, inlined graph)``.

    Raises:
        TypeError: ``model`` is not a ``torch.nn.Module`` or ``input_to_model`` holds something untraceable.
        RuntimeError: tracing failed; the message has torch's reason and what to try.
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"add_graph: model must be a torch.nn.Module, got {type(model).__name__}")
    args = example_inputs(input_to_model, torch)
    with _eval_mode(model):
        try:
            with warnings.catch_warnings():
                # The user asked for a graph, not for torch.jit.trace: its deprecation notice is ours to handle.
                warnings.filterwarnings("ignore", r"`torch\.jit\.trace", DeprecationWarning)
                traced = torch.jit.trace(model, args, strict=strict, check_trace=False)
        except Exception as error:  # anything the model's forward or the tracer raises
            raise RuntimeError(_trace_failure(model, error, strict)) from error
    graph = traced.graph
    torch._C._jit_pass_inline(graph)
    return traced, graph


def _trace_failure(model: Any, error: BaseException, strict: bool) -> str:
    hints = [
        "check that forward(*args) runs with input_to_model (a tensor, a tuple or list with one tensor per "
        "argument, or a dict passed as one argument)",
        "forward must return tensors or (nested) tuples of them",
    ]
    if strict:
        hints.insert(0, "use_strict_trace=False lets forward return lists and dicts")
    reason = f"{type(error).__name__}: {error}".strip()
    return f"add_graph: torch.jit.trace could not trace {type(model).__name__}: {reason}\nTry: " + "; ".join(hints)


class _Value:
    """One node of the GraphDef before naming: a graph input or output, or one output of an operator."""

    __slots__ = ("attributes", "inputs", "key", "op", "scope", "shape")

    def __init__(self, key: str, inputs: list[str], scope: str, shape: Any, op: str, attributes: str) -> None:
        self.key, self.inputs, self.scope, self.shape, self.op, self.attributes = (
            key,
            inputs,
            scope,
            shape,
            op,
            attributes,
        )


def _io_shape(value: Any) -> Any:
    try:
        return value.type().sizes()
    except (RuntimeError, AttributeError):  # a dict, list or tuple: torch records [1]
        return [1]


def _attributes(node: Any) -> str:
    values = {name: getattr(node, node.kindOf(name))(name) for name in node.attributeNames()}
    return str(values).replace("'", " ")


def _module_type(module: Any, torch: Any) -> str:
    if isinstance(module, torch.jit.TracedModule):
        return module._name
    return getattr(module, "original_name", "Module")


def graph_def(traced: Any, graph: Any, torch: Any) -> GraphDef:
    """The ``GraphDef`` of an inlined traced graph (see the module docstring for the layout)."""
    values: dict[str, _Value] = {}
    for value in graph.inputs():
        if value.uses() and value.type().kind() != _CLASS_TYPE:
            name = value.debugName()
            values[name] = _Value(name, [], "input", _io_shape(value), "IO Node", "")
    operators = _operators(graph)
    for index, value in enumerate(graph.outputs(), 1):
        name = f"output.{index}"
        values[name] = _Value(name, [value.debugName()], "output", _io_shape(value), "IO Node", "")

    aliases = {
        name: f"{_module_type(module, torch)}[{name.rsplit('.', 1)[-1]}]"
        for name, module in traced.named_modules(prefix=_MODULE_PREFIX)
    }
    root = _module_type(traced, torch)
    names: dict[str, str] = {}
    for scope_name, inputs, outputs, op, attributes in operators:
        parts = [aliases.get(alias, alias.rsplit(".", 1)[-1]) for alias in scope_name.split("/")]
        scope = root + "/" + "/".join(parts) if any(parts) else root
        for name in inputs:
            names[name] = f"{scope}/{name}"
        for name, shape in outputs:
            values[name] = _Value(name, inputs, scope, shape, op, attributes)
    for key, value in values.items():
        names[key] = f"{value.scope}/{key}"

    nodes = []
    for key, value in values.items():
        attr = {"attr": attr_string(value.attributes)}
        if value.shape is not None:
            attr["_output_shapes"] = output_shapes([value.shape])
        inputs = [names.get(name, name) for name in value.inputs]
        nodes.append(NodeDef(name=names[key], op=value.op, input=inputs, attr=attr))
    return GraphDef(node=nodes, versions=VersionDef(producer=PRODUCER))


def _operators(graph: Any) -> list[tuple[str, list[str], list[tuple[str, Any]], str, str]]:
    """``(raw scope, input names, [(output name, shape or None)], kind, attributes)`` per operator node."""
    operators = []
    attribute_scopes: dict[str, str] = {}
    for node in graph.nodes():
        kind = node.kind()
        scope = node.scopeName()
        if kind == _GETATTR:
            output = node.output()
            parent = node.input().node()
            attribute = node.s("name")
            if parent.kind() == _GETATTR:
                parent_scope = attribute_scopes[parent.output().debugName()]
                scope = f"{parent_scope}/{parent_scope.rsplit('/', 1)[-1]}.{attribute}"
            else:
                scope = f"{_MODULE_PREFIX}.{attribute}"
            attribute_scopes[output.debugName()] = scope
            if output.type().kind() == _CLASS_TYPE:
                continue  # a submodule: its scope names the nodes below it
        inputs = [value.debugName() for value in node.inputs()]
        outputs = [
            (value.debugName(), value.type().sizes() if value.isCompleteTensor() else None) for value in node.outputs()
        ]
        operators.append((scope, inputs, outputs, kind, _attributes(node)))
    return operators


def model_graph(
    model: Any, input_to_model: Any = None, verbose: bool = False, use_strict_trace: bool = True
) -> GraphDef:
    """Trace ``model`` with ``input_to_model`` and return its ``GraphDef``; prints the graph if ``verbose``.

    Raises:
        ImportError: torch is not installed.
        TypeError: ``model`` is not a module, or ``input_to_model`` is not traceable.
        RuntimeError: tracing failed (with torch's reason and what to try).
    """
    torch = import_torch()
    traced, graph = trace(model, input_to_model, bool(use_strict_trace), torch)
    if verbose:
        print(graph)
    return graph_def(traced, graph, torch)
