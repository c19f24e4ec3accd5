"""``python -m lightboard``: the ``lightboard`` command (see :mod:`lightboard.cli`)."""

from lightboard.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
