"""``SummaryWriter`` methods for embedding (see :mod:`lightboard.methods`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lightboard.summaries.tags import check_tag

if TYPE_CHECKING:
    from lightboard.file_writer import EventDefaults


class EmbeddingMethods:
    """embedding methods of :class:`lightboard.SummaryWriter`."""

    _defaults: EventDefaults
    _write_to_disk: bool
    logdir: str
    _storage_options: dict[str, Any] | None

    def add_embedding(
        self,
        mat: Any,
        metadata: Any = None,
        label_img: Any = None,
        global_step: int | None = None,
        tag: str = "default",
        metadata_header: Any = None,
    ) -> None:
        """Save an embedding for TensorBoard's projector tab (files beside the event files, no event).

        Writes ``<logdir>/<step:05d>/<tag>/`` (``%``, ``/`` and ``\\`` in the tag percent-escaped) holding
        ``tensors.tsv``, ``metadata.tsv`` and ``sprite.png``, and its entry ``"<tag>:<step:05d>"`` in
        ``<logdir>/projector_config.pbtxt``. Logging the same tag and step again replaces that entry
        (tensorboardX appends a duplicate); entries of other tags and steps are kept. The files are
        complete when the call returns; each is written under a temporary name and renamed, the config
        last, so TensorBoard never reads a partial file. Threads and processes may log embeddings into one
        local logdir at once: the config's updates take turns (a file lock), so no entry is lost (object
        stores have no lock: there, write from one process). With ``write_to_disk=False`` the arguments are
        checked and nothing is written.

        Args:
            mat: ``[N, D]`` numbers (array, tensor or nested lists), one row per point. NaN and ±inf are
                rejected: the projector cannot place such points.
            metadata: one label per point (one column, written without header), or one sequence of
                labels per point (several columns, named by ``metadata_header``). Values are written with
                ``str()``; tabs and line breaks become spaces; an all-blank row is written as ``<blank>``
                (the projector skips blank lines, which would shift every later label).
            label_img: ``[N, C, H, W]`` (C = 1, 3 or 4) or ``[N, H, W]`` thumbnails, one per point. uint8
                is taken as is; floats as [0, 1] (×255, clipped, rounded; NaN → 0); bools as 0/255; other
                integers as 0-255, clipped. The sprite is a square grid of ``ceil(sqrt(N))`` thumbnails a
                side, padded with zeros; if it would exceed the projector's 8192 px, the thumbnails are
                shrunk to fit (box filter, with a warning). Needs Pillow.
            global_step: step of the embedding (default 0, or the ``use_metadata`` step).
            tag: name of the embedding.
            metadata_header: column names when ``metadata`` has several columns. A single name is dropped
                with a warning: TensorBoard reads a one-column file without a header.

        Raises:
            TypeError: ``tag`` is not a str, or an argument is not of the kind described.
            ValueError: wrong rank, empty, non-finite ``mat``, counts that differ from N, a header that
                does not match the columns, or a ``projector_config.pbtxt`` that cannot be parsed.
            OSError: a file could not be written.

        Example::

            writer.add_embedding(features, metadata=labels, label_img=images, global_step=epoch)
        """
        from lightboard.summaries import embedding

        check_tag(tag, "add_embedding")
        step = self._defaults.step_and_time(global_step, None)[0]
        prepared = embedding.prepare(mat, metadata, label_img, tag, metadata_header)
        if self._write_to_disk:
            embedding.write(self.logdir, tag, step, prepared, self._storage_options)
