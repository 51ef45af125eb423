"""Logs carry the API Gateway request id, metrics are EMF, tracing costs nothing when it is off."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from api_handler import observability

from tests.unit.api_gateway import LambdaContext, proxy_event
from tests.unit.conftest import CallApi


def emitted_json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_metrics_are_emitted_as_emf(call_api: CallApi, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a create, an update, a conflicting update and a delete
    item = call_api("POST", "/items", body={"name": "x"}).json()
    call_api("PUT", f"/items/{item['id']}", body={"name": "y", "version": 1})
    call_api("PUT", f"/items/{item['id']}", body={"name": "z", "version": 1})
    call_api("DELETE", f"/items/{item['id']}")
    # Then one EMF document per invocation names each metric in the ItemsService namespace
    documents = [d for d in emitted_json_lines(capsys.readouterr().out) if "_aws" in d]
    names = [m["Name"] for d in documents for m in d["_aws"]["CloudWatchMetrics"][0]["Metrics"]]  # type: ignore[index]
    assert names == ["ItemsCreated", "ItemsUpdated", "VersionConflicts", "ItemsDeleted"]
    assert {d["_aws"]["CloudWatchMetrics"][0]["Namespace"] for d in documents} == {"ItemsService"}  # type: ignore[index]


def test_log_lines_carry_the_api_gateway_request_id(
    call_api: CallApi, caplog: pytest.LogCaptureFixture
) -> None:
    from api_handler.handler import lambda_handler

    caplog.set_level("INFO")
    lambda_handler(
        proxy_event("POST", "/items", body={"name": ""}, request_id="req-abc-123"), LambdaContext()
    )
    refused = [r for r in caplog.records if r.getMessage() == "request refused"]
    assert refused
    # As the log line is written: Powertools' JSON formatter adds the invocation's correlation id
    line = json.loads(observability.logger.registered_formatter.format(refused[0]))
    assert line["correlation_id"] == "req-abc-123"
    assert line["message"] == "request refused"


def test_no_tracer_when_tracing_is_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    assert observability.build_tracer() is None


def test_no_tracer_without_the_xray_sdk(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Given tracing is wanted but the zip has no X-Ray SDK
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "false")
    monkeypatch.setattr(observability.importlib.util, "find_spec", lambda name: None)
    # Then the handler runs untraced and says why
    assert observability.build_tracer() is None
    assert "aws_xray_sdk is not installed" in caplog.text


def test_tracer_when_tracing_is_enabled_and_the_sdk_is_there(monkeypatch: pytest.MonkeyPatch) -> None:
    from aws_lambda_powertools import Tracer

    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "false")
    assert isinstance(observability.build_tracer(), Tracer)


def test_traced_handler_still_answers(call_api: CallApi, monkeypatch: pytest.MonkeyPatch) -> None:
    from api_handler import wiring

    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "false")
    wiring.request_handler.cache_clear()
    assert call_api("POST", "/items", body={"name": "traced"}).status == 201


def test_importing_the_handler_loads_no_sdk_and_needs_no_credentials(repo_root: Path) -> None:
    # Given a fresh interpreter with no AWS credentials, region or settings at all
    probe = (
        "import sys, api_handler.handler; "
        "heavy = ('boto3', 'botocore.session', 'botocore.client', 'aws_xray_sdk', 'fastjsonschema'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(repo_root / "functions"),
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    # When it imports the entry point
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    # Then the import succeeds and loaded neither an SDK client stack, the X-Ray SDK nor the validator
    # (Powertools imports the bare `botocore` package for its user agent: that costs under a millisecond)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
