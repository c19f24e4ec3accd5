"""The OpenAPI document is valid, covers every API route, and the API's answers fit its schemas."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from starlette.routing import Route
from starlette.testclient import TestClient

from lightboard.serve.openapi import document


def test_document_is_valid_openapi() -> None:
    validate(document())


def test_every_api_route_is_documented(client: TestClient) -> None:
    routes = {route.path for route in client.app.app.routes if isinstance(route, Route)}
    catch_all = "/api/{rest:path}"  # answers 404 naming the dashboards: not an operation
    assert {path for path in routes if path.startswith("/api/")} - {catch_all} == set(document()["paths"])
    assert client.get("/api/openapi.json").json() == document()


def response_validator(path: str, status: str) -> Draft202012Validator:
    spec = document()
    schema = spec["paths"][path]["get"]["responses"][status]["content"]["application/json"]["schema"]
    return Draft202012Validator({**schema, "components": spec["components"]})


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/runs", {}, "200"),
        ("/api/scalars/tags", {}, "200"),
        ("/api/scalars", {"tag": "train/loss", "points": 50}, "200"),
        ("/api/scalars", {"tag": "train/loss", "x": "wall", "xmin": 1_000, "xmax": 1_010}, "200"),
        ("/api/scalars", {"tag": "train/loss", "x": "sideways"}, "400"),
        ("/api/scalars", {"tag": "missing"}, "404"),
        ("/api/scalars/download", {"tag": "eval/acc", "format": "json"}, "200"),
        ("/api/scalars/download", {"tag": "missing"}, "404"),
    ],
)
def test_answers_fit_the_schemas(client: TestClient, path: str, params: dict, status: str) -> None:
    answer = client.get(path, params=params)
    assert str(answer.status_code) == status
    errors = list(response_validator(path, status).iter_errors(answer.json()))
    assert not errors, errors[0].message
    if path == "/api/scalars" and status == "200":
        series = answer.json()["series"]
        bad = dict(series[0], value="not a list")
        assert list(response_validator(path, status).iter_errors({**answer.json(), "series": [bad]}))
