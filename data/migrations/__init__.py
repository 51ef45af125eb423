"""Ordered, recorded, idempotent migrations of the items service's DynamoDB tables.

Each migration has an id that sorts in the order it must run (`001_...`, `002_...`). Applied ids are
recorded in a small record table (`<items table>-migrations`, created on first use), so a second run applies
nothing. Each migration is also safe on its own when the record is missing: it checks before it changes (a
table Terraform already created is left as it is and recorded as applied).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from data.migrations import m001_create_items_table, m002_create_idempotency_table
from data.tables import table_exists, wait_until_active

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

RECORD_TABLE_SUFFIX = "-migrations"


@dataclass(frozen=True)
class Target:
    """The tables a migration run works on."""

    items_table: str
    idempotency_table: str

    @property
    def record_table(self) -> str:
        return self.items_table + RECORD_TABLE_SUFFIX


@dataclass(frozen=True)
class Migration:
    id: str
    description: str
    apply: Callable[[DynamoDBClient, Target], None]


@dataclass(frozen=True)
class Outcome:
    migration_id: str
    description: str
    action: str  # "applied", "would apply" (dry run) or "already applied"


MIGRATIONS: tuple[Migration, ...] = (
    Migration("001_create_items_table", m001_create_items_table.DESCRIPTION, m001_create_items_table.apply),
    Migration(
        "002_create_idempotency_table",
        m002_create_idempotency_table.DESCRIPTION,
        m002_create_idempotency_table.apply,
    ),
)


def default_idempotency_table(items_table: str) -> str:
    """`items-service-<env>-items` -> `items-service-<env>-idempotency` (the team's naming); else a suffix."""
    if items_table.endswith("-items"):
        return items_table.removesuffix("-items") + "-idempotency"
    return items_table + "-idempotency"


def applied_ids(client: DynamoDBClient, target: Target) -> set[str]:
    if not table_exists(client, target.record_table):
        return set()
    ids: set[str] = set()
    for page in client.get_paginator("scan").paginate(TableName=target.record_table, ConsistentRead=True):
        ids.update(item["id"]["S"] for item in page["Items"])
    return ids


def _ensure_record_table(client: DynamoDBClient, target: Target) -> None:
    if table_exists(client, target.record_table):
        return
    client.create_table(
        TableName=target.record_table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    wait_until_active(client, target.record_table)


def migrate(
    client: DynamoDBClient,
    target: Target,
    *,
    dry_run: bool = False,
    migrations: Sequence[Migration] = MIGRATIONS,
) -> list[Outcome]:
    """Apply, in id order, every migration not yet recorded; with dry_run only say what would run."""
    done = applied_ids(client, target)
    outcomes = []
    if not dry_run:
        _ensure_record_table(client, target)
    for migration in sorted(migrations, key=lambda m: m.id):
        if migration.id in done:
            outcomes.append(Outcome(migration.id, migration.description, "already applied"))
            continue
        if dry_run:
            outcomes.append(Outcome(migration.id, migration.description, "would apply"))
            continue
        migration.apply(client, target)
        client.put_item(
            TableName=target.record_table,
            Item={
                "id": {"S": migration.id},
                "description": {"S": migration.description},
                "appliedAt": {"S": datetime.now(UTC).isoformat(timespec="seconds")},
            },
        )
        outcomes.append(Outcome(migration.id, migration.description, "applied"))
    return outcomes
