"""Traffic shifting against a moto server over HTTP: the strategy per env, steps, alarms, the alias's note."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3
import pytest

from ci.common import contract
from ci.local.emulator import MotoServer
from ci.steps.traffic_shift import (
    CanaryFailed,
    GradualDeployment,
    HealthWatch,
    served_before,
    served_before_note,
    shift,
)
from tests.stub_api import stub_api

pytestmark = pytest.mark.integration
FUNCTION = "items-service-dev-api"


@pytest.fixture
def clients(moto_server: MotoServer, fake_aws_env: dict[str, str]) -> dict[str, Any]:
    """Function with versions 1 and 2 published, alias live on 1, and one quiet alarm of env dev."""
    moto_server.reset()
    made = {
        name: boto3.client(name, endpoint_url=moto_server.endpoint_url)
        for name in ("lambda", "iam", "cloudwatch")
    }
    role = made["iam"].create_role(
        RoleName="r", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"})
    )
    for body in (b"v1", b"v2"):
        if body == b"v1":
            made["lambda"].create_function(
                FunctionName=FUNCTION,
                Runtime="python3.13",
                Role=role["Role"]["Arn"],
                Handler="h.h",
                Code={"ZipFile": _zip(body)},
                Publish=True,
            )
        else:
            made["lambda"].update_function_code(FunctionName=FUNCTION, ZipFile=_zip(body))
            made["lambda"].publish_version(FunctionName=FUNCTION)
    made["lambda"].create_alias(FunctionName=FUNCTION, Name="live", FunctionVersion="1")
    made["cloudwatch"].put_metric_alarm(
        AlarmName="items-service-dev-lambda-errors",
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    made["cloudwatch"].set_alarm_state(
        AlarmName="items-service-dev-lambda-errors", StateValue="OK", StateReason="-"
    )
    return made


def _zip(body: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("h.py", body)
    return buffer.getvalue()


def _watch(clients: dict[str, Any], sleeps: list[float], on_sleep: Any = None) -> HealthWatch:
    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if on_sleep:
            on_sleep()

    clock = iter(range(0, 10_000, 5))
    return HealthWatch(
        clients["cloudwatch"], "items-service-dev-", None, 0, sleep=sleep, clock=lambda: next(clock)
    )


def test_each_environment_shifts_as_the_contract_says() -> None:
    assert GradualDeployment.from_settings(contract.gradual_deployment("dev")) is None
    assert GradualDeployment.from_settings(contract.gradual_deployment("local")) is None
    prod = GradualDeployment.from_settings(contract.gradual_deployment("prod"))
    assert prod is not None
    assert prod.percent_steps == (10, 50)
    assert prod.step_seconds >= 300  # at least one alarm period (300 s) per step


@pytest.mark.parametrize("steps", [(), (0,), (100,), (50, 10), (10, 10)])
def test_steps_must_rise_strictly_between_0_and_100(steps: tuple[float, ...]) -> None:
    with pytest.raises(ValueError, match="percent steps"):
        GradualDeployment(percent_steps=steps, step_seconds=1)


def test_a_quiet_canary_is_promoted_and_the_alias_notes_what_it_served_before(
    clients: dict[str, Any],
) -> None:
    seen: list[dict[str, Any]] = []
    sleeps: list[float] = []

    def observe() -> None:
        seen.append(clients["lambda"].get_alias(FunctionName=FUNCTION, Name="live")["RoutingConfig"])

    strategy = GradualDeployment(percent_steps=(10, 50), step_seconds=10)
    report = shift(
        clients["lambda"], FUNCTION, "live", "1", "2", strategy, lambda: _watch(clients, sleeps, observe)
    )

    assert [(step.percent, step.result) for step in report.steps] == [
        (10, "healthy"),
        (50, "healthy"),
        (100, "healthy"),
    ]
    # while each step was watched, the alias sent that share to version 2
    assert {"AdditionalVersionWeights": {"2": 0.1}} in seen
    assert {"AdditionalVersionWeights": {"2": 0.5}} in seen
    alias = clients["lambda"].get_alias(FunctionName=FUNCTION, Name="live")
    assert alias["FunctionVersion"] == "2"
    assert not (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
    assert served_before(alias["Description"]) == "1"


def test_an_alarm_firing_during_a_step_routes_everything_back(clients: dict[str, Any]) -> None:
    def fire() -> None:
        clients["cloudwatch"].set_alarm_state(
            AlarmName="items-service-dev-lambda-errors", StateValue="ALARM", StateReason="canary errors"
        )

    strategy = GradualDeployment(percent_steps=(10,), step_seconds=30)
    with pytest.raises(CanaryFailed, match="at 10 %: alarm items-service-dev-lambda-errors in ALARM"):
        shift(clients["lambda"], FUNCTION, "live", "1", "2", strategy, lambda: _watch(clients, [], fire))
    alias = clients["lambda"].get_alias(FunctionName=FUNCTION, Name="live")
    assert alias["FunctionVersion"] == "1"
    assert not (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights")


def test_an_alarm_already_firing_is_reported_not_judged(clients: dict[str, Any]) -> None:
    clients["cloudwatch"].set_alarm_state(
        AlarmName="items-service-dev-lambda-errors", StateValue="ALARM", StateReason="before the release"
    )
    said: list[str] = []
    strategy = GradualDeployment(percent_steps=(50,), step_seconds=5)
    shift(
        clients["lambda"], FUNCTION, "live", "1", "2", strategy, lambda: _watch(clients, []), say=said.append
    )
    assert "note: already in ALARM before the shift (not judged): items-service-dev-lambda-errors" in said
    assert "note: no API URL for the probe: the canary is judged by the alarms only" in said
    assert clients["lambda"].get_alias(FunctionName=FUNCTION, Name="live")["FunctionVersion"] == "2"


def test_the_served_before_note_is_read_back_and_anything_else_is_not() -> None:
    assert served_before(served_before_note("7", "6")) == "6"
    assert served_before("Version serving traffic; the pipeline's deploy stage moves it") is None
    assert served_before(None) is None


def test_the_probe_sends_the_token_and_an_authorizers_refusal_is_a_failure_with_a_hint(
    clients: dict[str, Any],
) -> None:
    # Given an API guarded by an authorizer that accepts only "Bearer good"
    with stub_api(lambda headers: 200 if headers.get("Authorization") == "Bearer good" else 403) as url:
        # When the canary's probe carries the token, the new version is judged healthy
        with_token = HealthWatch(clients["cloudwatch"], "items-service-dev-", url, 3, api_token="good")
        assert with_token.probe() is None
        # And without one, the refusals fail the step and say what to set (they judged nothing)
        without = HealthWatch(clients["cloudwatch"], "items-service-dev-", url, 3)
        failure = without.probe()
    assert failure is not None
    assert "3 of 3 requests to GET" in failure
    assert "(403)" in failure
    assert failure.endswith("the authorizer refused the probe: set API_TOKEN")
