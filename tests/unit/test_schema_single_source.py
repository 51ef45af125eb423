"""The Lambda validates with data/schemas/item.schema.json itself, not a copy that could drift."""

from __future__ import annotations

import json
from pathlib import Path

from api_handler import schema


def test_packaged_schema_is_the_data_schema(repo_root: Path) -> None:
    packaged = Path(schema.SCHEMA_PATH)
    source = repo_root / "data" / "schemas" / "item.schema.json"
    # The package holds a symlink (the packager dereferences it), so there is one file to edit.
    assert packaged.is_symlink()
    assert packaged.resolve() == source.resolve()
    assert schema.item_schema() == json.loads(source.read_text(encoding="utf-8"))


def test_writable_fields_are_the_schemas(repo_root: Path) -> None:
    definitions = json.loads((repo_root / "data/schemas/item.schema.json").read_text())["definitions"]
    assert schema.property_names("ItemCreate") == set(definitions["ItemCreate"]["properties"])
    assert schema.property_names("ItemUpdate") == set(definitions["ItemUpdate"]["properties"])


def test_every_item_the_api_returns_matches_the_item_schema(call_api: object) -> None:
    from tests.unit.conftest import CallApi

    api: CallApi = call_api  # type: ignore[assignment]
    created = api("POST", "/items", body={"name": "x", "description": "y", "status": "archived"}).json()
    schema.validate("Item", created)
    updated = api("PUT", f"/items/{created['id']}", body={"name": "z", "version": 1}).json()
    schema.validate("Item", updated)
    schema.validate("ItemList", api("GET", "/items").json())
    schema.validate("Error", api("GET", "/items/nope").json())
