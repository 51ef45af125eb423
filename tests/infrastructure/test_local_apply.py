"""environments/local as Terraform applied it into the local cloud: what it made; a re-plan changes nothing.

The stack is the one `python -m ci local up` deploys with the pipeline's own stages (package, plan, apply,
deploy) into the suite's shared public cloud; tests/local/test_local_up.py destroys it at the end.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tests.local_up import LocalUp, run_pipeline_stages

pytestmark = [pytest.mark.integration, pytest.mark.terraform, pytest.mark.slow]


def test_apply_exposes_every_contract_output(deployed_local: LocalUp) -> None:
    outputs = deployed_local.outputs
    assert set(outputs) >= {
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
    assert outputs["function_name"] == "items-service-local-api"
    assert outputs["artifact_bucket"] == "items-service-local-artifacts-123456789012"


def test_items_table_has_the_status_index_encryption_and_pitr(deployed_local: LocalUp) -> None:
    dynamodb = deployed_local.emulator_client("dynamodb")
    outputs = deployed_local.outputs
    table = dynamodb.describe_table(TableName=outputs["items_table_name"])["Table"]
    index = {gsi["IndexName"]: gsi for gsi in table["GlobalSecondaryIndexes"]}["status-index"]
    assert [key["AttributeName"] for key in index["KeySchema"]] == ["status", "createdAt"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["SSEDescription"]["SSEType"] == "KMS"
    backups = dynamodb.describe_continuous_backups(TableName=outputs["items_table_name"])
    assert (
        backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
        == "ENABLED"
    )
    ttl = dynamodb.describe_time_to_live(TableName=outputs["idempotency_table_name"])
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expiration"


def test_function_runs_the_uploaded_artifact_with_the_contract_environment(deployed_local: LocalUp) -> None:
    lambda_client = deployed_local.emulator_client("lambda")
    outputs = deployed_local.outputs
    configuration = lambda_client.get_function(FunctionName=outputs["function_name"])["Configuration"]
    variables = configuration["Environment"]["Variables"]
    assert variables["ITEMS_TABLE_NAME"] == "items-service-local-items"
    assert variables["IDEMPOTENCY_TABLE_NAME"] == "items-service-local-idempotency"
    assert variables["ENVIRONMENT"] == "local"
    assert variables["POWERTOOLS_TRACE_DISABLED"] == "true"
    assert configuration["Runtime"] == "python3.11"
    assert configuration["Architectures"] == ["x86_64"]
    alias = lambda_client.get_alias(FunctionName=outputs["function_name"], Name="live")
    assert alias["FunctionVersion"] != "$LATEST"
    # The artifact key is the zip's sha256 in hex: the same digest Lambda reports (base64) for the code.
    digest_hex = Path(outputs["artifact_key"]).stem
    assert outputs["artifact_key"] == f"functions/api_handler/{digest_hex}.zip"
    assert bytes.fromhex(digest_hex) == base64.b64decode(configuration["CodeSha256"])
    stored = deployed_local.emulator_client("s3").head_object(
        Bucket=outputs["artifact_bucket"], Key=outputs["artifact_key"]
    )
    assert stored["ContentType"] == "application/zip"


def test_rest_api_serves_items_routes_with_validation_models(deployed_local: LocalUp) -> None:
    apigateway = deployed_local.emulator_client("apigateway")
    api_id = deployed_local.outputs["rest_api_id"]
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


def test_log_groups_keep_30_days(deployed_local: LocalUp) -> None:
    logs = deployed_local.emulator_client("logs")
    groups = {
        group["logGroupName"]: group
        for prefix in ("/aws/lambda/items-service-local", "/aws/apigateway/items-service-local")
        for group in logs.describe_log_groups(logGroupNamePrefix=prefix)["logGroups"]
    }
    for name in (deployed_local.outputs["lambda_log_group_name"], "/aws/apigateway/items-service-local-api"):
        assert groups[name]["retentionInDays"] == 30
        assert groups[name]["kmsKeyId"].startswith("arn:aws:kms:")


def test_a_pipeline_plan_after_apply_and_deploy_changes_nothing(deployed_local: LocalUp) -> None:
    # Given env local applied and its code deployed (alias moved, zip uploaded by the deploy step)
    # When the pipeline plans again into the same cloud with the same zip
    plan = run_pipeline_stages(deployed_local, "plan")
    # Then Terraform finds nothing to change: no redeploy, no new API deployment, no object to rewrite
    assert plan.returncode == 0, plan.stdout[-4000:] + plan.stderr[-2000:]
    assert "using the running `python -m ci local up`" in plan.stdout
    summary = (deployed_local.tree / "build" / "reports" / "plan-local.md").read_text()
    assert "**no changes**" in summary, summary
