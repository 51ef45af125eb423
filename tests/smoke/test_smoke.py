"""Smoke tests of one deployed environment: what a user of the API and an operator would check first."""

from __future__ import annotations

import json
import re
import time
import uuid

import pytest

from tests.smoke.conftest import REPO_ROOT, SmokeTarget

ITEMS_TABLE_SCHEMA = json.loads((REPO_ROOT / "data" / "schemas" / "items_table.json").read_text())


def test_api_is_reachable_and_lists_items(target: SmokeTarget) -> None:
    response = target.request("GET", "/items?limit=1")
    assert response.status == 200, response.body
    page = response.json()
    assert isinstance(page["items"], list)
    assert "nextCursor" in page


def test_crud_round_trip(target: SmokeTarget) -> None:
    # Given a new item
    name = f"smoke-{uuid.uuid4()}"
    created = target.request("POST", "/items", {"name": name, "description": "smoke test"})
    assert created.status == 201, created.body
    item = created.json()
    assert (item["name"], item["version"], item["status"]) == (name, 1, "active")
    path = f"/items/{item['id']}"
    # When it is read, updated with its version, updated again with a stale version, and deleted
    assert target.request("GET", path).json() == item
    updated = target.request("PUT", path, {"status": "archived", "version": 1})
    assert updated.status == 200, updated.body
    assert (updated.json()["status"], updated.json()["version"]) == ("archived", 2)
    assert target.request("PUT", path, {"name": "lost update", "version": 1}).status == 409
    assert target.request("DELETE", path).status == 204
    # Then it is gone, with the API's error envelope
    gone = target.request("GET", path)
    assert gone.status == 404
    assert gone.json()["error"]["code"]


@pytest.mark.parametrize(
    "body",
    [{"name": "x", "unknown": 1}, {"name": "x", "id": "mine"}, {"name": 5}, ["not", "an", "object"]],
)
def test_bad_bodies_are_a_400_with_the_apis_error_envelope(target: SmokeTarget, body: object) -> None:
    # The function refuses it (API Gateway has no request validator): one error shape, with the reason
    response = target.request("POST", "/items", body)
    assert response.status == 400, response.body
    assert (response.header("Content-Type") or "").startswith("application/json")
    error = response.json()["error"]
    assert re.fullmatch(r"[A-Z][A-Z0-9_]*", error["code"]), error
    assert isinstance(error["message"], str)
    assert error["message"]


def allowed_origin(target: SmokeTarget) -> str:
    """An origin the environment allows: from the function's configuration, as Terraform set it."""
    if not target.aws_reachable:
        return "http://localhost:3000"  # in env local's allowlist (infrastructure/environments/local/main.tf)
    configuration = target.client("lambda").get_function_configuration(
        FunctionName=target.function_name, Qualifier=target.function_alias
    )
    return str(configuration["Environment"]["Variables"]["CORS_ALLOWED_ORIGINS"].split(",")[0])


def test_cors_preflight_and_responses_allow_the_configured_origin_only(target: SmokeTarget) -> None:
    origin = allowed_origin(target)
    preflight = target.request(
        "OPTIONS",
        "/items",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
    )
    assert 200 <= preflight.status < 300
    assert preflight.header("Access-Control-Allow-Origin") == origin
    assert "POST" in (preflight.header("Access-Control-Allow-Methods") or "")
    listed = target.request("GET", "/items?limit=1", headers={"Origin": origin})
    assert listed.header("Access-Control-Allow-Origin") == origin
    stranger = target.request("GET", "/items?limit=1", headers={"Origin": "https://not-allowed.invalid"})
    assert stranger.header("Access-Control-Allow-Origin") in (None, "")
    assert "Origin" in (listed.header("Vary") or "")


def test_a_refused_body_is_readable_by_an_allowed_origin_and_says_why(target: SmokeTarget) -> None:
    origin = allowed_origin(target)
    refused = target.request("POST", "/items", {"name": "x" * 300}, headers={"Origin": origin})
    assert refused.status == 400, refused.body
    assert refused.header("Access-Control-Allow-Origin") == origin
    assert "Origin" in (refused.header("Vary") or "")
    error = refused.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"], error
    stranger = target.request(
        "POST",
        "/items",
        {"name": "x" * 300},
        headers={"Origin": "https://not-allowed.invalid"},
    )
    assert stranger.status == 400
    assert stranger.header("Access-Control-Allow-Origin") in (None, "")


def test_items_table_and_status_index_exist_as_the_schema_says(aws: SmokeTarget) -> None:
    table = aws.client("dynamodb").describe_table(TableName=aws.table_name)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {
        ITEMS_TABLE_SCHEMA["partitionKey"]: "HASH"
    }
    indexes = {index["IndexName"]: index for index in table.get("GlobalSecondaryIndexes", [])}
    for expected in ITEMS_TABLE_SCHEMA["globalSecondaryIndexes"]:
        keys = {k["AttributeName"]: k["KeyType"] for k in indexes[expected["name"]]["KeySchema"]}
        assert keys == {expected["partitionKey"]: "HASH", expected["sortKey"]: "RANGE"}


def test_lambda_configuration_is_what_terraform_set(aws: SmokeTarget) -> None:
    lambda_client = aws.client("lambda")
    alias = lambda_client.get_alias(FunctionName=aws.function_name, Name=aws.function_alias)
    assert alias["FunctionVersion"] != "$LATEST"  # traffic goes to a published version (rollback target)
    configuration = lambda_client.get_function_configuration(
        FunctionName=aws.function_name, Qualifier=aws.function_alias
    )
    assert configuration["Handler"] == "api_handler.handler.lambda_handler"
    assert configuration["Runtime"].startswith("python3.")
    variables = configuration["Environment"]["Variables"]
    assert variables["ITEMS_TABLE_NAME"] == aws.table_name
    assert variables["IDEMPOTENCY_TABLE_NAME"] == aws.idempotency_table_name
    assert variables["ENVIRONMENT"] == aws.env
    assert variables["POWERTOOLS_SERVICE_NAME"] == "items-api"
    assert variables["CORS_ALLOWED_ORIGINS"]


def test_lambda_configuration_matches_the_terraform_plan(aws: SmokeTarget) -> None:
    planned = aws.planned_function()
    if planned is None:
        pytest.skip("no Terraform plan JSON of this env here (the plan stage writes it)")
    deployed = aws.client("lambda").get_function_configuration(
        FunctionName=aws.function_name, Qualifier=aws.function_alias
    )
    assert deployed["MemorySize"] == planned["memory_size"]
    assert deployed["Timeout"] == planned["timeout"]
    assert deployed["Runtime"] == planned["runtime"]
    assert deployed["Handler"] == planned["handler"]
    assert deployed.get("Architectures", ["x86_64"]) == planned["architectures"]
    assert deployed["Environment"]["Variables"] == planned["environment"][0]["variables"]


def test_requests_leave_log_events_in_the_function_log_group(aws: SmokeTarget) -> None:
    # Given a request the function logs (a miss is logged as a refused request, with the correlation id)
    started_ms = int(time.time() * 1000) - 1000
    response = aws.request("GET", f"/items/{uuid.uuid4()}")
    assert response.status == 404
    request_id = response.header("x-amzn-RequestId")
    assert request_id
    # Then a log event carrying that request id shows up in the function's log group
    logs = aws.client("logs")
    deadline = time.monotonic() + (15 if aws.env == "local" else 120)  # CloudWatch delivery takes a while
    while time.monotonic() < deadline:
        events = logs.filter_log_events(logGroupName=aws.log_group_name, startTime=started_ms)["events"]
        if any(request_id in event["message"] for event in events):
            return
        time.sleep(1)
    raise AssertionError(f"no log event mentions request {request_id} in {aws.log_group_name}")
