"""environments/local applies cleanly into a real moto server, is stable on re-plan, and destroys cleanly."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from .conftest import AppliedStack

pytestmark = [pytest.mark.integration, pytest.mark.terraform, pytest.mark.slow]


@pytest.fixture
def applied(applied_local: AppliedStack) -> AppliedStack:
    return applied_local


def test_apply_exposes_every_contract_output(applied: AppliedStack, record_property: Any) -> None:
    record_property("apply_seconds", round(applied.apply_seconds, 1))
    assert set(applied.outputs) >= {
        "api_url",
        "rest_api_id",
        "stage_name",
        "function_name",
        "function_alias_name",
        "items_table_name",
        "idempotency_table_name",
        "artifact_bucket",
        "artifact_key",
        "alarm_topic_arn",
        "lambda_log_group_name",
    }
    assert applied.outputs["function_name"] == "items-service-local-api"
    assert applied.outputs["artifact_bucket"] == "items-service-local-artifacts-123456789012"


def test_items_table_has_the_status_index_encryption_and_pitr(applied: AppliedStack) -> None:
    dynamodb = applied.client("dynamodb")
    table = dynamodb.describe_table(TableName=applied.outputs["items_table_name"])["Table"]
    index = {gsi["IndexName"]: gsi for gsi in table["GlobalSecondaryIndexes"]}["status-index"]
    assert [key["AttributeName"] for key in index["KeySchema"]] == ["status", "createdAt"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["SSEDescription"]["SSEType"] == "KMS"
    backups = dynamodb.describe_continuous_backups(TableName=applied.outputs["items_table_name"])
    assert (
        backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
        == "ENABLED"
    )
    ttl = dynamodb.describe_time_to_live(TableName=applied.outputs["idempotency_table_name"])
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expiration"


def test_function_runs_the_uploaded_artifact_with_the_contract_environment(applied: AppliedStack) -> None:
    lambda_client = applied.client("lambda")
    function = lambda_client.get_function(FunctionName=applied.outputs["function_name"])
    configuration = function["Configuration"]
    variables = configuration["Environment"]["Variables"]
    assert variables["ITEMS_TABLE_NAME"] == "items-service-local-items"
    assert variables["IDEMPOTENCY_TABLE_NAME"] == "items-service-local-idempotency"
    assert variables["ENVIRONMENT"] == "local"
    assert variables["POWERTOOLS_TRACE_DISABLED"] == "true"
    assert configuration["Runtime"] == "python3.11"
    assert configuration["Architectures"] == ["x86_64"]
    alias = lambda_client.get_alias(FunctionName=applied.outputs["function_name"], Name="live")
    assert alias["FunctionVersion"] != "$LATEST"
    # The artifact key is the zip's sha256 in hex: the same digest Lambda reports (base64) for the code.
    digest_hex = Path(applied.outputs["artifact_key"]).stem
    assert applied.outputs["artifact_key"] == f"functions/api_handler/{digest_hex}.zip"
    assert bytes.fromhex(digest_hex) == base64.b64decode(configuration["CodeSha256"])
    applied.client("s3").head_object(
        Bucket=applied.outputs["artifact_bucket"], Key=applied.outputs["artifact_key"]
    )


def test_rest_api_serves_items_routes_with_validation_models(applied: AppliedStack) -> None:
    apigateway = applied.client("apigateway")
    api_id = applied.outputs["rest_api_id"]
    resources = {item["path"]: item for item in apigateway.get_resources(restApiId=api_id)["items"]}
    assert set(resources["/items"]["resourceMethods"]) == {"GET", "POST", "OPTIONS"}
    assert set(resources["/items/{id}"]["resourceMethods"]) == {"GET", "PUT", "DELETE", "OPTIONS"}
    models = {model["name"] for model in apigateway.get_models(restApiId=api_id)["items"]}
    assert models >= {"ItemCreate", "ItemUpdate"}
    stage = apigateway.get_stage(restApiId=api_id, stageName="local")
    assert stage["methodSettings"]["*/*"]["throttlingRateLimit"] == 50.0
    assert stage["accessLogSettings"]["destinationArn"].endswith(
        ":log-group:/aws/apigateway/items-service-local-api"
    )


def test_log_groups_keep_30_days(applied: AppliedStack) -> None:
    logs = applied.client("logs")
    groups = {
        group["logGroupName"]: group
        for prefix in ("/aws/lambda/items-service-local", "/aws/apigateway/items-service-local")
        for group in logs.describe_log_groups(logGroupNamePrefix=prefix)["logGroups"]
    }
    for name in (applied.outputs["lambda_log_group_name"], "/aws/apigateway/items-service-local-api"):
        assert groups[name]["retentionInDays"] == 30
        assert groups[name]["kmsKeyId"].startswith("arn:aws:kms:")


def test_replan_with_the_same_zip_changes_nothing(applied: AppliedStack) -> None:
    # No redeploy (and no new API deployment) when neither the zip nor the API definition changed.
    assert applied.replan_exit_code == 0, applied.replan_output
