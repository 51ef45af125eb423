"""002: the idempotency table of POST /items (Powertools' layout, TTL) from its schema, when absent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from data.tables import IDEMPOTENCY_TABLE_SCHEMA, create_table_if_absent

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from data.migrations import Target

DESCRIPTION = "create the idempotency table with TTL, unless it exists"


def apply(client: DynamoDBClient, target: Target) -> None:
    create_table_if_absent(client, IDEMPOTENCY_TABLE_SCHEMA, target.idempotency_table)
