"""The page is one self-contained file (its script and styles inline), answered at ``/``."""

from __future__ import annotations

import pathlib
import re

import pytest
from starlette.testclient import TestClient

from lightboard.serve import app as app_module
from lightboard.serve.source import LiveLogdir


def test_page_is_served_whole(client: TestClient) -> None:
    answer = client.get("/")
    if answer.status_code == 503:
        pytest.fail("the page was not built: run `make assets`")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    page = answer.text
    assert "<style>" in page and page.count("<script>") == 1
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"(?!data:)", page), "nothing is loaded from elsewhere"
    for hook in ('id="smoothing"', 'id="x-axis"', 'id="log-y"', 'id="ignore-outliers"', 'id="run-filter"',
                 'id="runs"', 'id="tag-filter"'):  # fmt: skip
        assert hook in page


def test_an_unbuilt_page_says_how_to_build_it(monkeypatch: pytest.MonkeyPatch, logdir: pathlib.Path) -> None:
    monkeypatch.setattr(app_module, "load_page", lambda: None)
    with TestClient(app_module.create_app(LiveLogdir(str(logdir)), reload_interval=0)) as client:
        answer = client.get("/", headers={"Host": "localhost"})
        assert answer.status_code == 503 and "run `make`" in answer.text
        assert client.get("/api/runs", headers={"Host": "localhost"}).status_code == 200
