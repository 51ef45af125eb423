"""The API against DynamoDB served by a moto server over HTTP, tables made by the migrations CLI."""

from __future__ import annotations

from typing import Any

import pytest

from data.__main__ import main as data_cli
from data.seeds import seed_items
from tests.integration.conftest import CallApi

pytestmark = pytest.mark.integration


def test_item_lifecycle(call_api: CallApi) -> None:
    # Given a created item
    created = call_api("POST", "/items", body={"name": "Over HTTP", "status": "inactive"}, principal="dev-1")
    assert created.status == 201
    item = created.json()
    assert item["createdBy"] == "dev-1"
    # When it is read, listed by status, changed, raced, and deleted
    assert call_api("GET", f"/items/{item['id']}").json() == item
    listed = call_api("GET", "/items", query={"status": "inactive"}).json()
    assert [i["id"] for i in listed["items"]] == [item["id"]]
    changed = call_api("PUT", f"/items/{item['id']}", body={"status": "active", "version": 1})
    assert (changed.status, changed.json()["version"]) == (200, 2)
    stale = call_api("PUT", f"/items/{item['id']}", body={"status": "archived", "version": 1})
    assert (stale.status, stale.error_code) == (409, "VERSION_CONFLICT")
    # Then the status index follows the change
    assert call_api("GET", "/items", query={"status": "inactive"}).json()["count"] == 0
    assert call_api("GET", "/items", query={"status": "active"}).json()["count"] == 1
    assert call_api("DELETE", f"/items/{item['id']}").status == 204
    assert call_api("GET", f"/items/{item['id']}").status == 404


def test_migrations_cli_is_idempotent_and_previews(
    endpoint: str, table_names: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert (
        data_cli(["migrate", "--endpoint-url", endpoint, "--table", table_names["items"], "--dry-run"]) == 0
    )
    assert data_cli(["migrate", "--endpoint-url", endpoint, "--table", table_names["items"]]) == 0
    out = capsys.readouterr().out
    assert "would apply" not in out
    assert out.count("already applied") == 4


def test_seeded_items_are_listed_newest_first(
    endpoint: str, table_names: dict[str, str], call_api: CallApi
) -> None:
    assert (
        data_cli(["seed", "--endpoint-url", endpoint, "--table", table_names["items"], "--count", "9"]) == 0
    )
    page = call_api("GET", "/items", query={"status": "active", "limit": "100"}).json()
    active = [item for item in seed_items(9) if item["status"] == "active"]
    assert [i["id"] for i in page["items"]] == [
        i["id"] for i in sorted(active, key=lambda i: i["createdAt"], reverse=True)
    ]
    assert page["nextCursor"] is None


def test_idempotent_create_over_http(call_api: CallApi) -> None:
    headers = {"Idempotency-Key": "http-key-1"}
    first = call_api("POST", "/items", body={"name": "once"}, headers=headers)
    again = call_api("POST", "/items", body={"name": "once"}, headers=headers)
    other = call_api("POST", "/items", body={"name": "twice"}, headers=headers)
    assert (first.status, again.status, other.status) == (201, 201, 422)
    assert again.json() == first.json()
    listed: list[dict[str, Any]] = call_api("GET", "/items").json()["items"]
    assert [i["id"] for i in listed] == [first.json()["id"]]
