"""Table definitions from `data/schemas/*_table.json`, as DynamoDB CreateTable arguments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import CreateTableInputTypeDef

SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"
ITEMS_TABLE_SCHEMA = SCHEMAS_DIR / "items_table.json"
IDEMPOTENCY_TABLE_SCHEMA = SCHEMAS_DIR / "idempotency_table.json"


def load_table_schema(path: Path) -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(path.read_text(encoding="utf-8")))


def _key_schema(partition_key: str, sort_key: str | None) -> list[dict[str, str]]:
    keys = [{"AttributeName": partition_key, "KeyType": "HASH"}]
    if sort_key:
        keys.append({"AttributeName": sort_key, "KeyType": "RANGE"})
    return keys


def create_table_request(schema: dict[str, Any], table_name: str) -> CreateTableInputTypeDef:
    """CreateTable arguments for `schema` (an `*_table.json` document) under the name `table_name`."""
    request: dict[str, Any] = {
        "TableName": table_name,
        "BillingMode": schema["billingMode"],
        "AttributeDefinitions": [
            {"AttributeName": attribute["name"], "AttributeType": attribute["type"]}
            for attribute in schema["attributes"]
        ],
        "KeySchema": _key_schema(schema["partitionKey"], schema.get("sortKey")),
    }
    indexes = [
        {
            "IndexName": index["name"],
            "KeySchema": _key_schema(index["partitionKey"], index.get("sortKey")),
            "Projection": {"ProjectionType": index["projection"]},
        }
        for index in schema.get("globalSecondaryIndexes", [])
    ]
    if indexes:
        request["GlobalSecondaryIndexes"] = indexes
    return cast("CreateTableInputTypeDef", request)


def table_exists(client: DynamoDBClient, table_name: str) -> bool:
    try:
        client.describe_table(TableName=table_name)
    except client.exceptions.ResourceNotFoundException:
        return False
    return True


def wait_until_active(client: DynamoDBClient, table_name: str) -> None:
    client.get_waiter("table_exists").wait(
        TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )


def create_table_if_absent(client: DynamoDBClient, schema_path: Path, table_name: str) -> bool:
    """Create `table_name` from its schema file (with TTL when the schema names one); False if it existed."""
    if table_exists(client, table_name):
        return False
    schema = load_table_schema(schema_path)
    client.create_table(**create_table_request(schema, table_name))
    wait_until_active(client, table_name)
    if schema.get("ttlAttribute"):
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": schema["ttlAttribute"]},
        )
    return True
