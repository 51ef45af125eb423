"""The item and the shapes the logic layer exchanges with routes and storage (plain Python, no framework)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NotRequired, TypedDict

ItemStatus = Literal["active", "inactive", "archived"]
DEFAULT_STATUS: ItemStatus = "active"
ANONYMOUS_PRINCIPAL = "anonymous"


class Item(TypedDict):
    """An item as stored and as returned by the API (data/schemas/item.schema.json#/definitions/Item)."""

    id: str
    name: str
    description: NotRequired[str]
    status: ItemStatus
    createdAt: str
    updatedAt: str
    createdBy: str
    version: int


class ItemFields(TypedDict, total=False):
    """The client-writable fields; on update only the ones present change."""

    name: str
    description: str
    status: ItemStatus


@dataclass(frozen=True)
class NewItem:
    fields: ItemFields


@dataclass(frozen=True)
class ItemChanges:
    fields: ItemFields
    expected_version: int


PageKey = dict[str, str]
"""DynamoDB's position in a listing (the key attributes of the last item returned), as plain strings."""


@dataclass(frozen=True)
class ListQuery:
    limit: int
    status: ItemStatus | None
    cursor: str | None


@dataclass(frozen=True)
class StoredPage:
    items: list[Item]
    next_key: PageKey | None


class ItemPage(TypedDict):
    """Body of GET /items."""

    items: list[Item]
    count: int
    nextCursor: str | None
