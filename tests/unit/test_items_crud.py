"""Create, read, change and delete items through the Lambda entry point (moto in-process)."""

from __future__ import annotations

import re

from tests.unit.conftest import CallApi, CreateItem

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_created_item_has_server_fields_and_defaults(call_api: CallApi) -> None:
    # Given a valid body with only a name
    # When it is posted
    result = call_api("POST", "/items", body={"name": "Notebook"})
    # Then the item comes back 201 as JSON, with id, timestamps, creator, version 1 and status active
    assert result.status == 201
    assert result.headers["content-type"] == "application/json"
    item = result.json()
    assert UUID4.match(item["id"])
    assert item["name"] == "Notebook"
    assert item["status"] == "active"
    assert item["version"] == 1
    assert item["createdBy"] == "anonymous"
    assert ISO_UTC.match(item["createdAt"])
    assert item["createdAt"] == item["updatedAt"]
    assert "description" not in item


def test_created_by_is_the_authorizer_principal(call_api: CallApi) -> None:
    # Given a request that passed the JWT authorizer as user-42
    # When it creates an item
    result = call_api("POST", "/items", body={"name": "Mine"}, principal="user-42")
    # Then the item records who created it
    assert result.json()["createdBy"] == "user-42"


def test_read_returns_what_was_created(call_api: CallApi, create_item: CreateItem) -> None:
    # Given an item with every writable field
    created = create_item(name="Lamp", description="desk lamp", status="inactive")
    # When it is read back
    result = call_api("GET", f"/items/{created['id']}")
    # Then it is the same item
    assert result.status == 200
    assert result.json() == created


def test_reading_an_absent_item_is_404(call_api: CallApi) -> None:
    result = call_api("GET", "/items/1d7c0b7e-7d5f-4c55-9f0e-0e1f0a0b0c0d")
    assert result.status == 404
    assert result.error_code == "ITEM_NOT_FOUND"


def test_update_with_current_version_changes_fields_and_bumps_version(
    call_api: CallApi, create_item: CreateItem
) -> None:
    # Given an item at version 1
    created = create_item(name="Old name", description="kept")
    # When the client changes its name, sending the version it read
    result = call_api("PUT", f"/items/{created['id']}", body={"name": "New name", "version": 1})
    # Then the change is applied, other fields kept, version 2, updatedAt moved, createdAt kept
    assert result.status == 200
    updated = result.json()
    assert updated["name"] == "New name"
    assert updated["description"] == "kept"
    assert updated["version"] == 2
    assert updated["createdAt"] == created["createdAt"]
    assert updated["updatedAt"] >= created["updatedAt"]
    assert call_api("GET", f"/items/{created['id']}").json() == updated


def test_update_with_stale_version_is_409_and_changes_nothing(
    call_api: CallApi, create_item: CreateItem
) -> None:
    # Given an item someone already changed to version 2
    created = create_item(name="v1")
    assert call_api("PUT", f"/items/{created['id']}", body={"status": "archived", "version": 1}).status == 200
    # When another client writes with the version 1 it read earlier
    result = call_api("PUT", f"/items/{created['id']}", body={"name": "lost update", "version": 1})
    # Then it gets a conflict that names the current version, and the item keeps the first change only
    assert result.status == 409
    assert result.error_code == "VERSION_CONFLICT"
    assert result.json()["error"]["details"] == {"expectedVersion": 1, "currentVersion": 2}
    current = call_api("GET", f"/items/{created['id']}").json()
    assert (current["name"], current["status"], current["version"]) == ("v1", "archived", 2)


def test_update_of_absent_item_is_404(call_api: CallApi) -> None:
    result = call_api("PUT", "/items/1d7c0b7e-7d5f-4c55-9f0e-0e1f0a0b0c0d", body={"name": "x", "version": 1})
    assert result.status == 404
    assert result.error_code == "ITEM_NOT_FOUND"


def test_delete_removes_the_item_once(call_api: CallApi, create_item: CreateItem) -> None:
    # Given an item
    created = create_item()
    # When it is deleted
    first = call_api("DELETE", f"/items/{created['id']}")
    # Then the answer is 204 with no body, it is gone, and deleting again is 404
    assert (first.status, first.body) == (204, "")
    assert call_api("GET", f"/items/{created['id']}").status == 404
    again = call_api("DELETE", f"/items/{created['id']}")
    assert (again.status, again.error_code) == (404, "ITEM_NOT_FOUND")


def test_uppercase_id_names_the_same_item(call_api: CallApi, create_item: CreateItem) -> None:
    created = create_item()
    assert call_api("GET", f"/items/{created['id'].upper()}").json() == created


def test_unknown_route_is_a_json_404(call_api: CallApi) -> None:
    result = call_api("GET", "/widgets")
    assert result.status == 404
    assert result.headers["content-type"] == "application/json"
    assert result.error_code == "NOT_FOUND"
