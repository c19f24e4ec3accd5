"""Optional dependencies fail with an error that names the extra."""

from __future__ import annotations

import pytest

from lightboard.optional import require


def test_require_imports_an_installed_module() -> None:
    assert require("json", "none", "test").dumps([1]) == "[1]"


def test_require_names_the_extra() -> None:
    with pytest.raises(ImportError, match=r"add_thing needs no_such_module.*pip install 'lightboard\[things\]'"):
        require("no_such_module.sub", "things", "add_thing")
