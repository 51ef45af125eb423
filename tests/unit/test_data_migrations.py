"""Migrations: ordered, recorded, idempotent, dry-run; 001 builds the items table from its schema."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from data.migrations import MIGRATIONS, Migration, Target, default_idempotency_table, migrate
from data.tables import create_table_if_absent

TARGET = Target("items-service-test-items", "items-service-test-idempotency")


@pytest.fixture
def client(aws: None) -> object:
    return boto3.client("dynamodb")


def test_first_run_creates_tables_as_the_schema_says(client: object, repo_root: Path) -> None:
    dynamodb = boto3.client("dynamodb")
    # Given an empty account / When migrations run
    outcomes = migrate(dynamodb, TARGET)
    # Then every migration is applied in order
    assert [(o.migration_id, o.action) for o in outcomes] == [
        ("001_create_items_table", "applied"),
        ("002_create_idempotency_table", "applied"),
    ]
    # ...and the items table has the schema's key, GSI and TTL
    schema = json.loads((repo_root / "data/schemas/items_table.json").read_text())
    table = dynamodb.describe_table(TableName=TARGET.items_table)["Table"]
    assert table["KeySchema"] == [{"AttributeName": schema["partitionKey"], "KeyType": "HASH"}]
    (index,) = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "status-index"
    assert index["KeySchema"] == [
        {"AttributeName": "status", "KeyType": "HASH"},
        {"AttributeName": "createdAt", "KeyType": "RANGE"},
    ]
    assert index["Projection"] == {"ProjectionType": "ALL"}
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = dynamodb.describe_time_to_live(TableName=TARGET.items_table)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expiresAt")
    idempotency_ttl = dynamodb.describe_time_to_live(TableName=TARGET.idempotency_table)[
        "TimeToLiveDescription"
    ]
    assert idempotency_ttl["AttributeName"] == "expiration"


def test_second_run_changes_nothing(client: object) -> None:
    dynamodb = boto3.client("dynamodb")
    migrate(dynamodb, TARGET)
    outcomes = migrate(dynamodb, TARGET)
    assert {o.action for o in outcomes} == {"already applied"}


def test_dry_run_reports_and_changes_nothing(client: object) -> None:
    dynamodb = boto3.client("dynamodb")
    outcomes = migrate(dynamodb, TARGET, dry_run=True)
    assert [o.action for o in outcomes] == ["would apply", "would apply"]
    assert dynamodb.list_tables()["TableNames"] == []


def test_run_is_recorded_with_time_and_description(client: object) -> None:
    dynamodb = boto3.client("dynamodb")
    migrate(dynamodb, TARGET)
    records = dynamodb.scan(TableName=TARGET.record_table)["Items"]
    assert sorted(r["id"]["S"] for r in records) == [m.id for m in MIGRATIONS]
    assert all(r["appliedAt"]["S"] and r["description"]["S"] for r in records)


def test_existing_table_is_left_alone_and_recorded(client: object) -> None:
    # Given an items table that Terraform already created (here: with an extra tag to recognise it)
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(
        TableName=TARGET.items_table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        Tags=[{"Key": "made-by", "Value": "terraform"}],
    )
    # When migrations run / Then 001 counts as applied without touching it
    outcomes = migrate(dynamodb, TARGET)
    assert outcomes[0].action == "applied"
    arn = dynamodb.describe_table(TableName=TARGET.items_table)["Table"]["TableArn"]
    assert dynamodb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "made-by", "Value": "terraform"}
    ]


def test_pending_migrations_run_in_id_order_and_only_once(client: object) -> None:
    dynamodb = boto3.client("dynamodb")
    migrate(dynamodb, TARGET)
    ran: list[str] = []
    later = [
        Migration("004_second", "second", lambda c, t: ran.append("004")),
        Migration("003_first", "first", lambda c, t: ran.append("003")),
    ]
    migrate(dynamodb, TARGET, migrations=[*MIGRATIONS, *later])
    migrate(dynamodb, TARGET, migrations=[*MIGRATIONS, *later])
    assert ran == ["003", "004"]


def test_a_failing_migration_is_not_recorded_so_it_runs_again(client: object) -> None:
    dynamodb = boto3.client("dynamodb")

    def broken(c: object, t: Target) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        migrate(dynamodb, TARGET, migrations=[*MIGRATIONS, Migration("003_broken", "broken", broken)])
    outcomes = migrate(
        dynamodb, TARGET, dry_run=True, migrations=[*MIGRATIONS, Migration("003_broken", "x", broken)]
    )
    assert [o.action for o in outcomes] == ["already applied", "already applied", "would apply"]


def test_idempotency_table_name_follows_the_team_naming() -> None:
    assert default_idempotency_table("items-service-dev-items") == "items-service-dev-idempotency"
    assert default_idempotency_table("scratch") == "scratch-idempotency"


def test_create_table_if_absent_says_whether_it_created(client: object) -> None:
    from data.tables import ITEMS_TABLE_SCHEMA

    dynamodb = boto3.client("dynamodb")
    assert create_table_if_absent(dynamodb, ITEMS_TABLE_SCHEMA, "t-items") is True
    assert create_table_if_absent(dynamodb, ITEMS_TABLE_SCHEMA, "t-items") is False
