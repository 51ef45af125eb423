"""Item logic: what creating, reading, changing, deleting and listing items means. No framework, no boto3.

Storage and telemetry are ports (Protocols) so tests can run this against DynamoDB (moto) or a fake that
fails the rare way (throttling, lost races) on demand.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from api_handler.errors import ItemNotFound, VersionConflict
from api_handler.models import (
    DEFAULT_STATUS,
    Item,
    ItemChanges,
    ItemPage,
    ItemStatus,
    ListQuery,
    NewItem,
    PageKey,
    StoredPage,
)
from api_handler.pagination import decode_cursor, encode_cursor


class ItemRepository(Protocol):
    def put_new(self, item: Item) -> None: ...

    def get(self, item_id: str) -> Item | None: ...

    def update(self, item_id: str, changes: ItemChanges, updated_at: str) -> Item:
        """Apply `changes` if the stored version is `changes.expected_version`.

        Raises ItemNotFound or VersionConflict.
        """
        ...

    def delete(self, item_id: str) -> None:
        """Raises ItemNotFound."""
        ...

    def list_page(self, limit: int, start: PageKey | None, status: ItemStatus | None) -> StoredPage: ...


class ItemEvents(Protocol):
    """What operations want to tell the outside world (metrics)."""

    def item_created(self) -> None: ...

    def item_updated(self) -> None: ...

    def item_deleted(self) -> None: ...

    def version_conflict(self) -> None: ...


def utc_timestamp() -> str:
    """ISO-8601 UTC, fixed millisecond width: string order is time order (the status-index sort key)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_item_id() -> str:
    return str(uuid.uuid4())


class ItemService:
    def __init__(
        self,
        repository: ItemRepository,
        events: ItemEvents,
        clock: Callable[[], str] = utc_timestamp,
        id_factory: Callable[[], str] = new_item_id,
    ) -> None:
        self._repository = repository
        self._events = events
        self._clock = clock
        self._new_id = id_factory

    def create_item(self, new_item: NewItem, principal: str) -> Item:
        now = self._clock()
        item: Item = {
            "id": self._new_id(),
            "name": new_item.fields["name"],
            "status": new_item.fields.get("status", DEFAULT_STATUS),
            "createdAt": now,
            "updatedAt": now,
            "createdBy": principal,
            "version": 1,
        }
        if "description" in new_item.fields:
            item["description"] = new_item.fields["description"]
        self._repository.put_new(item)
        self._events.item_created()
        return item

    def get_item(self, item_id: str) -> Item:
        item = self._repository.get(item_id)
        if item is None:
            raise ItemNotFound(item_id)
        return item

    def update_item(self, item_id: str, changes: ItemChanges) -> Item:
        try:
            item = self._repository.update(item_id, changes, updated_at=self._clock())
        except VersionConflict:
            self._events.version_conflict()
            raise
        self._events.item_updated()
        return item

    def delete_item(self, item_id: str) -> None:
        self._repository.delete(item_id)
        self._events.item_deleted()

    def list_items(self, query: ListQuery) -> ItemPage:
        start = decode_cursor(query.cursor, query.status) if query.cursor is not None else None
        page = self._repository.list_page(query.limit, start, query.status)
        next_cursor = encode_cursor(page.next_key, query.status) if page.next_key is not None else None
        return {"items": page.items, "count": len(page.items), "nextCursor": next_cursor}
