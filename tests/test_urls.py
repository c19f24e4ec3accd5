"""One rule tells object storage URLs from local paths, for writers and readers alike."""

from __future__ import annotations

import pytest

from lightboard.urls import is_url, local_path


@pytest.mark.parametrize(
    ("path", "url"),
    [("s3://b/x", True), ("gs://b", True), ("memory://x", True), ("simplecache::s3://b/x", True),
     ("file:///tmp/x", False), ("FILE:///tmp/x", False), ("runs/x", False), ("C:\\\\runs", False),
     ("c://runs", False), ("/tmp/a://b", False), ("", False)],
)  # fmt: skip
def test_is_url(path: str, url: bool) -> None:
    assert is_url(path) is url


def test_file_urls_are_local_paths() -> None:
    assert local_path("file:///tmp/run") == "/tmp/run" and local_path("runs/x") == "runs/x"


def test_a_file_url_logdir_writes_locally(tmp_path) -> None:
    from lightboard import SummaryWriter, read

    with SummaryWriter(f"file://{tmp_path}/run") as writer:
        writer.add_scalar("x", 1.0, 0)
    assert read(tmp_path / "run").scalars(".", "x").value.tolist() == [1.0]
