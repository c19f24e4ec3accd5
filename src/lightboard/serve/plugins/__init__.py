"""The viewer's dashboards: one plugin per dashboard, in the order of the page's tabs.

:data:`PLUGINS` is the one table the server reads: each plugin's routes, tag listing and OpenAPI entries come
from it (see :class:`lightboard.serve.plugin.Plugin`). Dashboards the page cannot show yet are in it too, not
``viewable``: ``/api/dashboards`` lists them with their tag counts (the page says it cannot show them); those
with points (images, audio) have their routes already.
"""

from __future__ import annotations

from lightboard.serve.plugin import Plugin
from lightboard.serve.plugins import custom_scalars, distributions, histograms, media, pr_curves, scalars, text

PLUGINS: tuple[Plugin, ...] = (
    scalars.PLUGIN,
    histograms.PLUGIN,
    distributions.PLUGIN,
    media.IMAGES,
    media.AUDIO,
    text.PLUGIN,
    pr_curves.PLUGIN,
    Plugin(name="hparams", title="HParams", kind="hparams", viewable=False),
    Plugin(name="graphs", title="Graphs", kind="graphs", viewable=False),
    Plugin(name="mesh", title="Mesh", kind="mesh", viewable=False),
    Plugin(name="projector", title="Projector", kind="projector", viewable=False),
    custom_scalars.PLUGIN,
)
"""Every dashboard, in the order of the page's tabs (TensorBoard's names)."""

BY_NAME = {plugin.name: plugin for plugin in PLUGINS}
