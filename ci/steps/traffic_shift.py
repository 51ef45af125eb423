"""Move alias `live` to a new version: at once, or in weighted steps watched by alarms and a probe.

A gradual deployment uses Lambda's own weighted alias routing (``RoutingConfig.AdditionalVersionWeights``):
the alias keeps pointing at the previous version and sends a share of invocations to the new one. During
each step the env's CloudWatch alarms are polled, and at its end a smoke probe calls the API; an alarm
that goes to ALARM or a probe answered with a 5xx routes 100 % back to the previous version and fails the
deployment with the reason. After the last step the alias points at the new version with no routing left.

Why not CodeDeploy: it needs an application, a deployment group, a service role and AppSpec files per
function, and the emulator cannot run it; weighted routing is the same mechanism CodeDeploy drives, and a
rollback is one ``UpdateAlias`` either way.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_lambda import LambdaClient

# A read every environment serves without side effects (the API requires `limit`).
PROBE_PATH = "/items?limit=1"
ALARM_POLL_SECONDS = 5.0
# A routing change takes a moment to reach every front end (AWS is eventually consistent; the local data
# plane re-reads the alias every second): the probe never judges a step sooner than this.
SETTLE_SECONDS = 2.0


@dataclass(frozen=True)
class GradualDeployment:
    """Shift ``percent_steps`` (e.g. 10, 50) of traffic to the new version, ``step_seconds`` each."""

    percent_steps: tuple[float, ...]
    step_seconds: float
    probe_requests: int = 20

    def __post_init__(self) -> None:
        steps = list(self.percent_steps)
        if not steps or any(not 0 < step < 100 for step in steps) or steps != sorted(set(steps)):
            raise ValueError(f"percent steps must rise strictly between 0 and 100, got {steps}")
        if self.step_seconds < 0 or self.probe_requests < 0:
            raise ValueError("step_seconds and probe_requests must not be negative")

    @classmethod
    def from_settings(cls, settings: dict[str, Any] | None) -> GradualDeployment | None:
        """From the contract's ``gradual_deployment`` of an env (null: move the alias at once)."""
        if settings is None:
            return None
        return cls(
            percent_steps=tuple(float(step) for step in settings["percent_steps"]),
            step_seconds=float(settings["step_seconds"]),
            probe_requests=int(settings.get("probe_requests", 20)),
        )

    def describe(self) -> str:
        steps = " → ".join(f"{step:g} %" for step in self.percent_steps)
        return f"gradual: {steps} → 100 %, {self.step_seconds:g} s per step"


class CanaryFailed(RuntimeError):
    """The new version tripped an alarm or the probe; the alias routes 100 % to the previous one again."""


@dataclass(frozen=True)
class ShiftStep:
    percent: float
    result: str  # "healthy" or the reason it failed


@dataclass
class ShiftReport:
    strategy: str
    steps: list[ShiftStep] = field(default_factory=list)


class HealthWatch:
    """What decides whether a step is healthy: the env's alarms and a smoke probe through the API."""

    def __init__(
        self,
        cloudwatch: CloudWatchClient,
        alarm_prefix: str,
        api_url: str | None,
        probe_requests: int,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        api_token: str | None = None,
    ) -> None:
        self._cloudwatch = cloudwatch
        self._alarm_prefix = alarm_prefix
        self._api_url = api_url.rstrip("/") if api_url else None
        self._probe_requests = probe_requests
        self._headers = {"Authorization": f"Bearer {api_token}"} if api_token else {}
        self._sleep = sleep
        self._clock = clock
        # Alarms already firing before the shift say nothing about the new version: reported, not judged.
        self.already_alarming = frozenset(self._alarming())

    def _alarming(self) -> Iterable[str]:
        paginator = self._cloudwatch.get_paginator("describe_alarms")
        for page in paginator.paginate(AlarmNamePrefix=self._alarm_prefix, StateValue="ALARM"):
            for alarm in page.get("MetricAlarms", []):
                if alarm["StateValue"] == "ALARM":  # checked here too: moto ignores the StateValue filter
                    yield alarm["AlarmName"]

    def new_alarms(self) -> list[str]:
        return sorted(set(self._alarming()) - self.already_alarming)

    def probe(self) -> str | None:
        """None when every probe request got a non-5xx answer; otherwise what went wrong."""
        if self._api_url is None or self._probe_requests == 0:
            return None
        failures: list[str] = []
        for _ in range(self._probe_requests):
            status = _get_status(self._api_url + PROBE_PATH, self._headers)
            # 401/403: the API's authorizer stopped the probe before the function, so it judged nothing.
            if status is None or status >= 500 or status in (401, 403):
                failures.append(str(status or "no answer"))
        if not failures:
            return None
        hint = "; the authorizer refused the probe: set API_TOKEN" if {"401", "403"} & set(failures) else ""
        return (
            f"probe: {len(failures)} of {self._probe_requests} requests to GET {PROBE_PATH} failed "
            f"({', '.join(sorted(set(failures)))}){hint}"
        )

    def watch(self, seconds: float) -> str | None:
        """Poll the alarms for ``seconds``, then probe: the first failure's reason, or None.

        The probe comes last so the routing change has reached every front end before it is judged."""
        deadline = self._clock() + max(seconds, SETTLE_SECONDS)
        while True:
            fired = self.new_alarms()
            if fired:
                return f"alarm {', '.join(fired)} in ALARM"
            remaining = deadline - self._clock()
            if remaining <= 0:
                break
            self._sleep(min(ALARM_POLL_SECONDS, remaining))
        return self.probe()

    @property
    def probing(self) -> bool:
        return self._api_url is not None and self._probe_requests > 0


def _get_status(url: str, headers: Mapping[str, str]) -> int | None:
    request = urllib.request.Request(url, headers={"Accept": "application/json", **headers})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - http(s) API URL
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        return None


def route(
    lambda_client: LambdaClient,
    function: str,
    alias: str,
    version: str,
    weights: dict[str, float],
    served_before: str | None = None,
) -> None:
    """Point ``alias`` at ``version`` with ``weights`` ({other version: share}); {} clears any routing.

    ``served_before`` (the version the alias served until now) is noted in the alias's description, which
    is where `ci rollback` finds the version to go back to."""
    lambda_client.update_alias(
        FunctionName=function,
        Name=alias,
        FunctionVersion=version,
        RoutingConfig={"AdditionalVersionWeights": weights},
        **({"Description": served_before_note(version, served_before)} if served_before else {}),
    )


def served_before_note(version: str, served_before: str) -> str:
    return f"serves version {version}; served before: {served_before} (written by the deploy stage)"


def served_before(description: str | None) -> str | None:
    """The version noted by :func:`served_before_note`, or None."""
    found = re.search(r"served before: (\d+)", description or "")
    return found.group(1) if found else None


def shift(
    lambda_client: LambdaClient,
    function: str,
    alias: str,
    previous: str | None,
    new: str,
    strategy: GradualDeployment | None,
    health: Callable[[], HealthWatch],
    say: Callable[[str], None] = lambda line: print(line, flush=True),
) -> ShiftReport:
    """Move ``alias`` from ``previous`` to ``new``; raises CanaryFailed after routing back on a failure."""
    if strategy is None or previous is None or previous == new:
        route(lambda_client, function, alias, new, {}, served_before=previous)
        how = "at once" if strategy is None else "at once (no earlier version to shift from)"
        return ShiftReport(strategy=how, steps=[ShiftStep(100, "healthy")])
    report = ShiftReport(strategy=strategy.describe())
    watch = health()
    if watch.already_alarming:
        firing = ", ".join(sorted(watch.already_alarming))
        say(f"note: already in ALARM before the shift (not judged): {firing}")
    if not watch.probing:
        say("note: no API URL for the probe: the canary is judged by the alarms only")
    for percent in strategy.percent_steps:
        route(lambda_client, function, alias, previous, {new: percent / 100})
        say(f"canary: {percent:g} % of {alias} -> version {new}, the rest -> {previous}")
        reason = watch.watch(strategy.step_seconds)
        if reason is not None:
            route(lambda_client, function, alias, previous, {})
            report.steps.append(ShiftStep(percent, reason))
            raise CanaryFailed(
                f"canary of version {new} failed at {percent:g} %: {reason}; "
                f"{alias} routes 100 % to version {previous} again"
            )
        report.steps.append(ShiftStep(percent, "healthy"))
    route(lambda_client, function, alias, new, {}, served_before=previous)
    report.steps.append(ShiftStep(100, "healthy"))
    say(f"canary: promoted, {alias} -> version {new} (100 %)")
    return report
