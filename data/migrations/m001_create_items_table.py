"""001: the items table (keys, status-index GSI, TTL) from data/schemas/items_table.json, when absent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from data.tables import ITEMS_TABLE_SCHEMA, create_table_if_absent

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from data.migrations import Target

DESCRIPTION = "create the items table with the status-index GSI and TTL, unless it exists"


def apply(client: DynamoDBClient, target: Target) -> None:
    create_table_if_absent(client, ITEMS_TABLE_SCHEMA, target.items_table)
