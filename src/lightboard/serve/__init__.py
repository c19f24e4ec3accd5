"""``lightboard serve``: a local web viewer of a logdir's scalars, over the reader, followed live.

The server (Starlette on uvicorn, the ``serve`` extra) answers a small JSON API (documented at
``/api/openapi.json``) and serves the TypeScript page built from ``frontend/``. Charts draw each series'
exact min/max envelope (:mod:`lightboard.serve.envelope`) with TensorBoard's smoothing computed on every
point (:mod:`lightboard.serve.smoothing`). Start it with ``lightboard serve LOGDIR`` or, from Python, serve
:func:`lightboard.serve.app.create_app` with any ASGI server.
"""
