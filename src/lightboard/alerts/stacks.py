"""Every thread's Python stack as text, from :mod:`faulthandler`, with thread names added."""

from __future__ import annotations

import faulthandler
import re
import tempfile
import threading

_THREAD = re.compile(r"\b([Tt]hread) (0x[0-9a-fA-F]+)")


def all_stacks() -> str:
    """``faulthandler.dump_traceback(all_threads=True)`` as text, each thread line naming its ``threading`` name."""
    with tempfile.TemporaryFile() as out:
        faulthandler.dump_traceback(out, all_threads=True)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    names = {thread.ident: thread.name for thread in threading.enumerate()}

    def named(found: re.Match[str]) -> str:
        name = names.get(int(found.group(2), 16))
        return found.group(0) + (f" ({name!r})" if name else "")

    return _THREAD.sub(named, text)
