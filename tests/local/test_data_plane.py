"""The data plane over HTTP against a hand-made deployment in the emulator (see conftest.py)."""

from __future__ import annotations

import base64
import json
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventModel

from ci.local.data_plane import LocalDataPlane
from tests.local.conftest import ACCESS_LOG_GROUP, ALLOWED_ORIGIN, FUNCTION_NAME, ProbeDeployment
from tests.local.http_client import call


def wait_for(condition, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_request_reaches_the_deployed_function_as_a_rest_proxy_event(data_plane: LocalDataPlane) -> None:
    # When a request with a path parameter, repeated query parameters and a JSON body is sent
    reply = call(
        data_plane.url,
        "PUT",
        "/items/item-7?expand=a&expand=b",
        body=b'{"name": "x"}',
        headers=[("Content-Type", "application/json"), ("X-Trace", "1"), ("X-Trace", "2")],
    )
    # Then the deployed function received a valid REST proxy event for the /items/{id} resource
    assert reply.status == 200
    report = reply.json()
    event = APIGatewayProxyEventModel.model_validate(report["event"])
    assert event.resource == "/items/{id}"
    assert event.httpMethod == "PUT"
    assert event.pathParameters == {"id": "item-7"}
    assert event.multiValueQueryStringParameters == {"expand": ["a", "b"]}
    assert event.multiValueHeaders["X-Trace"] == ["1", "2"]
    assert event.stageVariables == {"tier": "local"}
    assert json.loads(event.body) == {"name": "x"}  # type: ignore[arg-type]
    # And the API Gateway request id is echoed back to the client
    assert reply.header("x-amzn-RequestId") == event.requestContext.requestId


def test_function_runs_with_its_deployed_configuration_and_the_emulator_endpoint(
    data_plane: LocalDataPlane, probe_deployment: ProbeDeployment
) -> None:
    report = call(data_plane.url, "GET", "/probe/whoami").json()
    environment = report["environment"]
    # Then the function's env vars, as configured in the emulator, are set
    assert environment["ITEMS_TABLE_NAME"] == "items-service-local-items"
    # And the runtime's variables, with the emulator as the SDK's endpoint and fake credentials
    assert environment["AWS_ENDPOINT_URL"] == probe_deployment.endpoint
    assert environment["AWS_REGION"] == "us-east-1"
    assert environment["AWS_ACCESS_KEY_ID"] == "testing"
    assert environment["AWS_LAMBDA_FUNCTION_NAME"] == FUNCTION_NAME
    assert environment["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert environment["_HANDLER"] == "probe.handler.lambda_handler"
    # And the context honours memory and timeout (10 s configured) and names the alias it was invoked through
    assert report["memoryLimitInMb"] == "256"
    assert 8_000 < report["remainingMs"] <= 10_000
    assert report["invokedFunctionArn"].endswith(f":function:{FUNCTION_NAME}:live")
    assert report["functionVersion"] == "1"
    # And the code runs from the unpacked artifact without this project's dev packages (like Lambda)
    assert report["cwd"] == environment["LAMBDA_TASK_ROOT"]
    assert report["canImportDevOnlyPackage"] is False
    # And boto3 inside the function talks to the emulator
    assert call(data_plane.url, "GET", "/probe/buckets").json() == [
        "items-service-local-artifacts-123456789012"
    ]


def test_response_status_multi_value_headers_and_binary_bodies_are_mapped_back(
    data_plane: LocalDataPlane,
) -> None:
    reply = call(data_plane.url, "GET", "/probe/echo?status=418")
    assert reply.status == 418
    assert reply.header_values("Set-Cookie") == ["a=1", "b=2"]
    assert reply.header("X-Probe") == "single"
    binary = call(data_plane.url, "GET", "/probe/binary")
    assert binary.status == 200
    assert binary.body == bytes(range(256))


def test_binary_request_body_reaches_the_function_base64_encoded(data_plane: LocalDataPlane) -> None:
    raw = b"\x00\xff\xfe not utf-8"
    event = call(data_plane.url, "POST", "/probe/upload", body=raw).json()["event"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw


def test_unknown_route_or_verb_gets_api_gateways_missing_authentication_token(
    data_plane: LocalDataPlane,
) -> None:
    for method, path in (("GET", "/nowhere"), ("PATCH", "/items/1")):
        reply = call(data_plane.url, method, path)
        assert reply.status == 403
        assert reply.json() == {"message": "Missing Authentication Token"}


def test_cors_preflight_is_answered_as_the_deployed_options_method_says(data_plane: LocalDataPlane) -> None:
    reply = call(
        data_plane.url,
        "OPTIONS",
        "/items/abc",
        headers=[("Origin", ALLOWED_ORIGIN), ("Access-Control-Request-Method", "PUT")],
    )
    assert reply.status == 200
    assert reply.header("Access-Control-Allow-Origin") == ALLOWED_ORIGIN
    assert reply.header("Access-Control-Allow-Methods") == "GET,PUT,DELETE,OPTIONS"
    assert reply.header("Access-Control-Allow-Headers") == "Content-Type,Idempotency-Key"


def test_warm_worker_is_reused_across_invocations(data_plane: LocalDataPlane) -> None:
    # When two requests follow each other
    first = call(data_plane.url, "GET", "/probe/warm").json()
    second = call(data_plane.url, "GET", "/probe/warm").json()
    # Then the most recently used environment serves the second one: same process, module state kept
    assert second["pid"] == first["pid"] == second["initPid"]
    assert second["invocations"] == first["invocations"] + 1


def test_handler_error_and_malformed_result_are_502_and_the_worker_stays_warm(
    data_plane: LocalDataPlane,
) -> None:
    before = call(data_plane.url, "GET", "/probe/pid").json()["pid"]
    for path in ("/probe/raise", "/probe/malformed"):
        reply = call(data_plane.url, "GET", path)
        assert reply.status == 502
        assert reply.json() == {"message": "Internal server error"}
    pids = {call(data_plane.url, "GET", "/probe/pid").json()["pid"] for _ in range(3)}
    assert before in pids


def test_crashed_worker_is_a_502_and_is_replaced(data_plane: LocalDataPlane) -> None:
    # Given a warm worker
    call(data_plane.url, "GET", "/probe/pid")
    # When the function kills its own process
    reply = call(data_plane.url, "GET", "/probe/crash")
    # Then API Gateway's 502 is returned and the next request is served by a live worker
    assert reply.status == 502
    assert reply.json() == {"message": "Internal server error"}
    assert call(data_plane.url, "GET", "/probe/pid").status == 200
    binding = next(
        iter(b for r, b in data_plane.watcher.current.functions.items() if r.name == FUNCTION_NAME)
    )  # type: ignore[union-attr]
    assert all(pid > 0 for pid in binding.pool.worker_pids())


def test_timeout_is_a_504_and_the_timed_out_worker_is_killed_and_replaced(data_plane: LocalDataPlane) -> None:
    # Given the slow function (1 s timeout) has a warm worker
    warm = call(data_plane.url, "GET", "/slow/pid").json()["pid"]
    # When an invocation outlives the configured timeout
    started = time.monotonic()
    reply = call(data_plane.url, "GET", "/slow/sleep?seconds=5")
    elapsed = time.monotonic() - started
    # Then the gateway answers 504 after about the timeout, not after the function finished
    assert reply.status == 504
    assert reply.json() == {"message": "Endpoint request timed out"}
    assert elapsed < 3
    # And the next request runs in a new execution environment
    replacement = call(data_plane.url, "GET", "/slow/pid").json()["pid"]
    assert replacement != warm


def test_concurrent_requests_run_in_parallel_workers_up_to_the_reserved_concurrency(
    data_plane: LocalDataPlane,
) -> None:
    # When four requests that each take 2.5 s arrive together, for a function with reserved concurrency 3
    # (long enough that a slow worker start on a loaded machine cannot let one worker serve two of three)
    with ThreadPoolExecutor(max_workers=4) as executor:
        replies = list(
            executor.map(lambda _: call(data_plane.url, "GET", "/probe/sleep?seconds=2.5"), range(4))
        )
    # Then all succeed in three environments, three of them running at the same time but never four
    assert [reply.status for reply in replies] == [200, 200, 200, 200]
    reports = [reply.json() for reply in replies]
    assert len({report["pid"] for report in reports}) == 3
    intervals = [report["slept"] for report in reports]
    most_at_once = max(sum(1 for start, end in intervals if start <= moment < end) for moment, _ in intervals)
    assert most_at_once == 3


def test_function_logs_reach_cloudwatch_logs_in_the_emulator(
    data_plane: LocalDataPlane, probe_deployment: ProbeDeployment
) -> None:
    # When a request is served
    reply = call(data_plane.url, "GET", "/probe/logged")
    api_request_id = reply.header("x-amzn-RequestId")
    lambda_request_id = reply.json()["awsRequestId"]
    stream = reply.json()["logStreamName"]
    logs = probe_deployment.session_client("logs")

    def messages() -> list[str]:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{FUNCTION_NAME}", logStreamNames=[stream])
        return [event["message"] for event in events["events"]]

    # Then the function's own line and the runtime's START/END/REPORT lines are in its log stream
    found = wait_for(lambda: [m for m in messages() if lambda_request_id in m or (api_request_id or "") in m])
    assert any(m.startswith(f"START RequestId: {lambda_request_id}") for m in found)
    assert any(f"request {api_request_id}" in m for m in messages())
    wait_for(lambda: any(m.startswith(f"REPORT RequestId: {lambda_request_id}") for m in messages()))
    # And records of the logging module arrive in the runtime's format, stamped with the request id
    logged = [m for m in messages() if "probe used the logging module" in m]
    assert any(m.startswith("[INFO]\t") and f"\t{lambda_request_id}\t" in m for m in logged)


def test_moving_the_alias_to_a_new_version_is_picked_up(
    data_plane: LocalDataPlane, probe_deployment: ProbeDeployment
) -> None:
    from tests.local.conftest import build_probe_zip

    # Given the function answers from version 1
    assert call(data_plane.url, "GET", "/slow/version").json()["functionVersion"] == "1"
    # When the deploy stage uploads new code, publishes a version and moves the alias
    new_code = build_probe_zip(extra_source="\nMARKER = 'v2'\n")
    version = probe_deployment.redeploy(
        "items-service-local-slow", new_code, environment={"ENVIRONMENT": "local", "RELEASE": "2"}
    )
    # Then the data plane serves the new version with its new environment shortly after
    report = wait_for(
        lambda: (r := call(data_plane.url, "GET", "/slow/version").json())["functionVersion"] == version and r
    )
    assert report["environment"]["RELEASE"] == "2"


def test_requests_are_written_to_the_stage_access_log_in_its_format(
    data_plane: LocalDataPlane, probe_deployment: ProbeDeployment
) -> None:
    # When a routed request and an unknown route are served
    served = call(data_plane.url, "GET", "/items/abc").header("x-amzn-RequestId")
    refused = call(data_plane.url, "GET", "/nowhere").header("x-amzn-RequestId")
    logs = probe_deployment.session_client("logs")

    def records() -> dict[str, dict[str, str]]:
        events = logs.filter_log_events(logGroupName=ACCESS_LOG_GROUP)["events"]
        parsed = [json.loads(event["message"]) for event in events]
        return {record["requestId"]: record for record in parsed}

    # Then each has one record in the stage's access log group, shaped by the stage's format
    found = wait_for(lambda: (r := records()) and served in r and refused in r and r)
    assert found[served] == {
        "requestId": served,
        "httpMethod": "GET",
        "resourcePath": "/items/{id}",
        "status": "200",
        "ip": "127.0.0.1",
        "error": "-",
    }
    assert found[refused]["status"] == "403"
    assert found[refused]["error"] == "Missing Authentication Token"


def test_token_authorizer_guards_the_method_and_hands_its_principal_to_the_function(
    data_plane: LocalDataPlane,
) -> None:
    # When an allowed token calls a method behind the TOKEN authorizer
    reply = call(data_plane.url, "GET", "/secure/whoami", headers=[("Authorization", "allow-alice")])
    # Then the function sees the principal and the authorizer's context (as strings) in requestContext
    assert reply.status == 200
    authorizer = reply.json()["event"]["requestContext"]["authorizer"]
    assert authorizer == {"principalId": "alice", "tier": "gold", "verified": "True"}
    # And a missing token, a refused token and an explicit Deny never reach the function
    assert call(data_plane.url, "GET", "/secure/whoami").status == 401
    refused = call(data_plane.url, "GET", "/secure/whoami", headers=[("Authorization", "garbage")])
    assert (refused.status, refused.json()) == (401, {"message": "Unauthorized"})
    denied = call(data_plane.url, "GET", "/secure/whoami", headers=[("Authorization", "deny")])
    assert denied.status == 403
    # And public methods carry no authorizer
    assert (
        call(data_plane.url, "GET", "/probe/public").json()["event"]["requestContext"]["authorizer"] is None
    )


def test_request_validator_checks_the_body_against_the_model_before_the_function_runs(
    data_plane: LocalDataPlane,
) -> None:
    json_type = [("Content-Type", "application/json")]
    # A body the model accepts reaches the function
    accepted = call(data_plane.url, "POST", "/items", body=b'{"name": "ok"}', headers=json_type)
    assert accepted.status == 200
    assert accepted.json()["event"]["body"] == '{"name": "ok"}'
    # A body the model refuses (unknown field, too long, not JSON, empty) gets API Gateway's 400
    for body in (b'{"name": "ok", "extra": 1}', b'{"name": "too long"}', b"{not json", b""):
        refused = call(data_plane.url, "POST", "/items", body=body, headers=json_type)
        assert (refused.status, refused.json()) == (400, {"message": "Invalid request body"}), body


def test_request_validator_requires_the_declared_parameters(data_plane: LocalDataPlane) -> None:
    missing = call(data_plane.url, "GET", "/items")
    assert (missing.status, missing.json()) == (
        400,
        {"message": "Missing required request parameters: [limit]"},
    )
    assert call(data_plane.url, "GET", "/items?limit=2").status == 200


def test_a_verb_http_server_has_no_handler_for_is_still_json_from_the_gateway(
    data_plane: LocalDataPlane,
) -> None:
    for method in ("TRACE", "PROPFIND", "BREW"):
        reply = call(data_plane.url, method, "/items")
        assert reply.status == 403, method
        assert reply.header("Content-Type") == "application/json"
        assert reply.json() == {"message": "Missing Authentication Token"}


def test_requests_http_server_refuses_while_parsing_are_json_not_html(data_plane: LocalDataPlane) -> None:
    too_long_path = call(data_plane.url, "GET", "/items/" + "x" * 100_000)
    assert too_long_path.status == 414
    assert too_long_path.header("Content-Type") == "application/json"
    assert "message" in too_long_path.json()
    huge_header = call(data_plane.url, "GET", "/items", headers=[("X-Big", "y" * 70_000)])
    assert huge_header.status in (400, 431)
    assert huge_header.header("Content-Type") == "application/json"


def test_a_body_over_api_gateways_10_mb_is_413_and_the_connection_still_serves(
    data_plane: LocalDataPlane,
) -> None:
    json_type = [("Content-Type", "application/json")]
    body = b'{"name": "' + b"n" * (11 * 1024 * 1024) + b'"}'
    reply = call(data_plane.url, "POST", "/items", body=body, headers=json_type)
    assert (reply.status, reply.json()) == (413, {"message": "Request Too Long"})
    assert call(data_plane.url, "GET", "/items?limit=2").status == 200


def test_json_nested_past_any_validators_depth_is_a_400_not_a_500(data_plane: LocalDataPlane) -> None:
    json_type = [("Content-Type", "application/json")]
    body = b'{"name": ' + b"[" * 20_000 + b"]" * 20_000 + b"}"
    refused = call(data_plane.url, "POST", "/items", body=body, headers=json_type)
    assert (refused.status, refused.json()) == (400, {"message": "Invalid request body"})


def test_an_idle_worker_that_died_is_replaced_before_it_is_handed_a_request(
    data_plane: LocalDataPlane,
) -> None:
    # Given a warm worker that is then killed from outside while it waits for work
    victim = call(data_plane.url, "GET", "/probe/pid").json()["pid"]
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: not _alive(victim))
    # Then the next request is served by a new worker, not answered 502
    reply = call(data_plane.url, "GET", "/probe/pid")
    assert reply.status == 200
    assert reply.json()["pid"] != victim


def _alive(pid: int) -> bool:
    """Running (a killed child stays a zombie until the pool reaps it: that counts as dead)."""
    status = Path(f"/proc/{pid}/status")
    if not status.is_file():
        return False
    state = next((line for line in status.read_text().splitlines() if line.startswith("State:")), "")
    return "Z" not in state.split()[1:2]
