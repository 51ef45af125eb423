"""GET /items: pages, cursors, the status filter (newest first) and full pages under DynamoDB's Limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from api_handler.models import ItemStatus, PageKey, StoredPage
from api_handler.pagination import decode_cursor
from api_handler.repository import DynamoItemRepository

from tests.unit.conftest import ITEMS_TABLE, CallApi, CreateItem


def walk(call_api: CallApi, query: dict[str, str]) -> list[dict[str, Any]]:
    """Every page of a listing, following nextCursor until it is null."""
    pages = []
    cursor = None
    while True:
        page_query = dict(query, **({"cursor": cursor} if cursor else {}))
        result = call_api("GET", "/items", query=page_query)
        assert result.status == 200, result.body
        page = result.json()
        pages.append(page)
        cursor = page["nextCursor"]
        if cursor is None:
            return pages


def test_empty_table_lists_nothing(call_api: CallApi) -> None:
    assert call_api("GET", "/items").json() == {"items": [], "count": 0, "nextCursor": None}


def test_default_page_is_20_items(call_api: CallApi, create_item: CreateItem) -> None:
    for n in range(21):
        create_item(name=f"item {n}")
    page = call_api("GET", "/items").json()
    assert page["count"] == 20
    assert len(page["items"]) == 20
    assert page["nextCursor"] is not None


def test_cursor_walk_visits_every_item_once_and_last_page_has_null_cursor(
    call_api: CallApi, create_item: CreateItem
) -> None:
    # Given 7 items
    created = {create_item(name=f"item {n}")["id"] for n in range(7)}
    # When they are listed 3 at a time
    pages = walk(call_api, {"limit": "3"})
    # Then pages hold 3, 3, 1 items, each item appears exactly once, and only the last cursor is null
    assert [page["count"] for page in pages] == [3, 3, 1]
    seen = [item["id"] for page in pages for item in page["items"]]
    assert sorted(seen) == sorted(created)
    assert [page["nextCursor"] is None for page in pages] == [False, False, True]


def test_exact_multiple_of_limit_has_no_empty_trailing_page(
    call_api: CallApi, create_item: CreateItem
) -> None:
    for n in range(4):
        create_item(name=f"item {n}")
    pages = walk(call_api, {"limit": "2"})
    assert [page["count"] for page in pages] == [2, 2]


def test_status_filter_lists_only_that_status_newest_first(
    call_api: CallApi, create_item: CreateItem
) -> None:
    # Given active and archived items created one after the other
    active = [create_item(name=f"active {n}", status="active")["id"] for n in range(5)]
    create_item(name="archived", status="archived")
    # When listing active items two per page
    pages = walk(call_api, {"status": "active", "limit": "2"})
    items = [item for page in pages for item in page["items"]]
    # Then only active items come back, newest first
    assert {item["status"] for item in items} == {"active"}
    assert sorted(item["id"] for item in items) == sorted(active)
    created_at = [item["createdAt"] for item in items]
    assert created_at == sorted(created_at, reverse=True)


def test_cursor_of_one_status_is_refused_for_another(call_api: CallApi, create_item: CreateItem) -> None:
    for n in range(3):
        create_item(name=f"item {n}", status="inactive")
    cursor = call_api("GET", "/items", query={"status": "inactive", "limit": "1"}).json()["nextCursor"]
    for other_query in ({"status": "active"}, {}):
        result = call_api("GET", "/items", query={**other_query, "cursor": cursor})
        assert (result.status, result.error_code) == (400, "INVALID_CURSOR")


def test_cursor_does_not_expose_more_than_the_position(call_api: CallApi, create_item: CreateItem) -> None:
    for n in range(2):
        create_item(name=f"item {n}", status="active")
    page = call_api("GET", "/items", query={"status": "active", "limit": "1"}).json()
    position = decode_cursor(page["nextCursor"], "active")
    last = page["items"][-1]
    assert position == {"id": last["id"], "status": "active", "createdAt": last["createdAt"]}


class ShortPagesClient:
    """A DynamoDB client that returns at most 2 items per call, as DynamoDB does when it hits its 1 MB page
    limit; everything else is moto's real answer."""

    def __init__(self) -> None:
        self._client = boto3.client("dynamodb")
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def _capped(self, operation: Callable[..., Any], **request: Any) -> Any:
        self.calls += 1
        request["Limit"] = min(request["Limit"], 2)
        return operation(**request)

    def scan(self, **request: Any) -> Any:
        return self._capped(self._client.scan, **request)

    def query(self, **request: Any) -> Any:
        return self._capped(self._client.query, **request)


@pytest.mark.parametrize("status", [None, "active"])
def test_pages_are_filled_to_limit_when_dynamodb_returns_short_pages(
    call_api: CallApi, create_item: CreateItem, status: ItemStatus | None
) -> None:
    # Given 9 items and a DynamoDB that hands back 2 items per call
    for n in range(9):
        create_item(name=f"item {n}")
    client = ShortPagesClient()
    repository = DynamoItemRepository(ITEMS_TABLE, client=client)  # type: ignore[arg-type]
    # When pages of 4 are read
    first = repository.list_page(4, None, status)
    second = repository.list_page(4, first.next_key, status)
    third = repository.list_page(4, second.next_key, status)
    # Then every page is full until the items run out, and the last one says there is no more
    assert [len(p.items) for p in (first, second, third)] == [4, 4, 1]
    assert third.next_key is None
    assert len({item["id"] for p in (first, second, third) for item in p.items}) == 9
    assert client.calls > 3


def test_repository_page_key_is_the_last_items_key(tables: object) -> None:
    repository = DynamoItemRepository(ITEMS_TABLE)
    empty: StoredPage = repository.list_page(5, None, None)
    start: PageKey | None = empty.next_key
    assert (empty.items, start) == ([], None)
