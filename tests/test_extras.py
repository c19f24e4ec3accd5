"""The ``all`` extra installs every optional feature: each requirement of every other extra but ``test`` and
``bench`` (which are for developing lightboard, not using it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
DEVELOPMENT = {"test", "bench"}


def _extras() -> dict[str, list[str]]:
    with PYPROJECT.open("rb") as stream:
        return tomllib.load(stream)["project"]["optional-dependencies"]


def _name(requirement: str) -> str:
    """The normalized project name of a requirement string (``"s3fs>=2023.1"`` → ``"s3fs"``)."""
    return re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_all_covers_every_feature_extra() -> None:
    extras = _extras()
    everything = set(extras["all"])
    for extra, requirements in extras.items():
        if extra in DEVELOPMENT or extra == "all":
            continue
        missing = set(requirements) - everything
        assert not missing, f"extra {extra!r} needs {sorted(missing)}, which 'all' does not install"


def test_all_holds_no_development_tool() -> None:
    extras = _extras()
    features = {
        _name(requirement)
        for name, group in extras.items()
        if name not in DEVELOPMENT | {"all"}
        for requirement in group
    }
    assert {_name(requirement) for requirement in extras["all"]} == features
