"""The command line every benchmark section script shares: ``--quick`` and ``--json PATH``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from typing import Any


def main(doc: str | None, section: Callable[..., dict[str, Any]], argv: Sequence[str] | None = None) -> int:
    """Parse ``--quick`` / ``--json``, run ``section(quick=...)`` (it prints its table), dump its numbers."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small run, one repeat (smoke test)")
    parser.add_argument("--json", metavar="PATH", help="also write the raw numbers to PATH")
    args = parser.parse_args(argv)
    payload = section(quick=args.quick)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(payload, out, indent=2)
    return 0
