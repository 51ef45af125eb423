"""Deterministic development data: the same items (ids, names, timestamps) on every run and machine.

Seeding is idempotent and never overwrites: each item is written only if its id is absent, so re-running
after editing an item through the API keeps the edit.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DEFAULT_COUNT = 24
SEED_PRINCIPAL = "seed"
STATUSES = ("active", "inactive", "archived")
_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SeedResult:
    inserted: int
    already_present: int


def seed_item_id(index: int) -> str:
    """A UUID (version 4 layout, so it looks like any API-made id) derived from the item's index."""
    digest = hashlib.sha256(f"items-service/seed/{index}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def seed_items(count: int = DEFAULT_COUNT) -> list[dict[str, Any]]:
    """`count` items in the API's item shape, one hour apart, statuses taking turns."""
    items = []
    for index in range(count):
        timestamp = (
            (_EPOCH + timedelta(hours=index)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        )
        items.append(
            {
                "id": seed_item_id(index),
                "name": f"Sample item {index + 1:03d}",
                "description": f"Seeded development item number {index + 1}.",
                "status": STATUSES[index % len(STATUSES)],
                "createdAt": timestamp,
                "updatedAt": timestamp,
                "createdBy": SEED_PRINCIPAL,
                "version": 1,
            }
        )
    return items


def _attributes(item: dict[str, Any]) -> dict[str, Any]:
    return {name: {"N": str(value)} if name == "version" else {"S": value} for name, value in item.items()}


def seed(client: DynamoDBClient, table_name: str, count: int = DEFAULT_COUNT) -> SeedResult:
    inserted = already_present = 0
    for item in seed_items(count):
        try:
            client.put_item(
                TableName=table_name, Item=_attributes(item), ConditionExpression="attribute_not_exists(id)"
            )
            inserted += 1
        except client.exceptions.ConditionalCheckFailedException:
            already_present += 1
    return SeedResult(inserted=inserted, already_present=already_present)
