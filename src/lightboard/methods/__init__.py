"""``SummaryWriter`` methods by summary kind, one mixin class per module.

Each mixin holds only argument handling and dispatch to its kind module in :mod:`lightboard.summaries`.
They rely on what :class:`lightboard.writer.SummaryWriter` provides:

* ``self._defaults.step_and_time(global_step, walltime) -> (step, wall_time)``;
* ``self._get_file_writer()`` and ``self._queue(writer, event)``, where ``event`` is a serialized Event
  (``bytes``) or a deferred event ``(encode, ...)`` that ``encode(tuple)`` serializes on the writer thread
  (heavy encoding such as PNG, GIF and WAV goes there);
* ``self._add_summary(summary, global_step, walltime)`` for a protobuf ``Summary``;
* ``self._sub_writer(logdir)`` / ``self._release_sub_writer(logdir)``: the writer of another run directory
  (created on first use; a ``DummyFileWriter`` with ``write_to_disk=False``), and closing it for good;
* ``self.logdir``, ``self._write_to_disk``.
"""
