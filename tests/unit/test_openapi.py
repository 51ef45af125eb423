"""The committed OpenAPI document is exactly what the schema generates, and matches the resolver's routes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from api_handler.app import build_app
from api_handler.settings import load_settings

from data import openapi
from data.__main__ import main


def test_committed_document_is_the_generated_one(repo_root: Path) -> None:
    committed = (repo_root / "data" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi.render_openapi(), "run `python -m data openapi` and commit data/openapi.json"


def test_document_paths_are_the_resolvers_routes() -> None:
    # Given the app as the Lambda builds it
    settings = load_settings(
        {"ITEMS_TABLE_NAME": "t-items", "IDEMPOTENCY_TABLE_NAME": "t-idem", "ENVIRONMENT": "dev"}
    )
    app = build_app(settings, service=None, creation=None)  # type: ignore[arg-type]  # routes only, never called
    routes = {
        (re.sub(r"<(\w+)>", r"{\1}", route.path), route.method.lower())
        for route in [*app._static_routes, *app._dynamic_routes]
    }
    # Then the OpenAPI document describes exactly those operations
    document = openapi.build_openapi()
    described = {
        (path, method)
        for path, operations in document["paths"].items()
        for method in operations
        if method != "parameters"
    }
    assert described == routes


def test_components_are_the_item_schema_definitions(repo_root: Path) -> None:
    definitions = json.loads((repo_root / "data/schemas/item.schema.json").read_text())["definitions"]
    components = openapi.build_openapi()["components"]["schemas"]
    assert set(components) == set(definitions)
    assert components["ItemCreate"]["properties"]["name"] == {"$ref": "#/components/schemas/ItemName"}
    assert components["ItemList"]["properties"]["nextCursor"] == {"type": "string", "nullable": True}
    assert components["ItemName"] == definitions["ItemName"]


def test_check_fails_when_the_committed_file_is_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "openapi.json"
    stale.write_text("{}\n")
    monkeypatch.setattr("data.__main__.OPENAPI_PATH", stale)
    assert main(["openapi", "--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    assert main(["openapi"]) == 0
    assert main(["openapi", "--check"]) == 0
    assert stale.read_text() == openapi.render_openapi()
