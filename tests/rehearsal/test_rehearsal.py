"""The deployment rehearsal, run for real: the full path, and two what-if runs that lack one action each.

The three runs start together (they spend most of their time waiting on the emulator) in one module fixture;
every test then reads what they printed and the reports they wrote.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ci.common.paths import REPO_ROOT
from ci.rehearsal.policies import (
    POLICY_DIR,
    ROLE_POLICY_FILES,
    allowed_resources,
    as_list,
    render,
    resource_matches,
    statements,
)
from ci.rehearsal.report import policy_variables

# Three rehearsals of about four minutes each (most of it the AWS provider's fixed S3 lifecycle waits):
# `make test-rehearsal` runs them and `.ci/run` runs that after `make test`, whose 4-minute budget they
# alone would exceed.
pytestmark = [pytest.mark.slow, pytest.mark.terraform, pytest.mark.rehearsal]

READ_ONLY = re.compile(r"^[a-z0-9-]+:(Get|List|Describe|Head)[A-Za-z]*$|^apigateway:GET$")
SUMMARY = re.compile(r"^rehearsal: (\d+) phases passed, denied (\d+), unused grants (\d+)$")
WHAT_IFS = {
    "infrastructure-without-CreateTable": ("infrastructure", "dynamodb:CreateTable"),
    "lambda-deploy-without-PublishVersion": ("lambda-deploy", "lambda:PublishVersion"),
}


@dataclass(frozen=True)
class Run:
    exit_code: int
    output: str
    work_dir: Path
    report: dict[str, Any]


def _start(tmp: Path, name: str, *extra: str) -> tuple[subprocess.Popen[str], Path, Path]:
    work, reports = tmp / name / "work", tmp / name / "reports"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ci",
            "rehearse",
            "--work-dir",
            str(work),
            "--reports-dir",
            str(reports),
            *extra,
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, work, reports


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    tmp = tmp_path_factory.mktemp("rehearsal")
    started = {"full": _start(tmp, "full")}
    for name, (role, action) in WHAT_IFS.items():
        started[name] = _start(tmp, name, "--without", f"{role}={action}")
    finished = {}
    for name, (process, work, reports) in started.items():
        output, _ = process.communicate(timeout=1500)
        report_path = reports / "rehearsal.json"
        report = json.loads(report_path.read_text()) if report_path.is_file() else {}
        finished[name] = Run(process.returncode, output, work, report)
    return finished


@pytest.fixture(scope="module")
def full(runs: dict[str, Run]) -> Run:
    run = runs["full"]
    assert run.exit_code == 0, run.output
    return run


def test_the_full_rehearsal_passes_every_phase_with_nothing_denied(full: Run) -> None:
    summary = SUMMARY.match(full.output.strip().splitlines()[-1])
    assert summary, full.output
    assert summary.group(1) == "5"
    assert summary.group(2) == "0"
    assert [phase["passed"] for phase in full.report["phases"]] == [True] * 5


def test_it_leaves_no_state_and_no_emulator_behind(full: Run) -> None:
    assert not full.work_dir.exists()
    endpoints = re.findall(r"http://127\.0\.0\.1:\d+", json.dumps(full.report))
    assert endpoints  # the report names the emulator it used
    for endpoint in set(endpoints):
        with pytest.raises(urllib.error.URLError, match="refused"):
            urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=2)  # noqa: S310 - loopback


def test_every_role_was_used_and_refused_what_it_must_not_do(full: Run) -> None:
    for name, role in full.report["roles"].items():
        assert role["used"], f"{name} made no request"
        assert role["refusals"], f"{name} was never shown a refusal"
        assert all(refusal["refused"] for refusal in role["refusals"]), role["refusals"]


def test_the_environment_was_planned_applied_and_deployed_by_the_roles_meant_for_it(full: Run) -> None:
    roles = full.report["roles"]
    assert "dynamodb:CreateTable" in roles["infrastructure"]["used"]
    assert "lambda:PublishVersion" in roles["lambda-deploy"]["used"]
    # plan-readonly writes nothing but the state lock item (its table is the one its policy names)
    writes = {a for a in roles["plan-readonly"]["used"] if not READ_ONLY.match(a)}
    assert writes <= {"dynamodb:PutItem", "dynamodb:DeleteItem"}, writes
    # The state lives in S3: plan read it, apply wrote it.
    assert any(a == "s3:GetObject" and "tfstate" in r for a, r in roles["plan-readonly"]["touched"])
    assert any(a == "s3:PutObject" and "tfstate" in r for a, r in roles["infrastructure"]["touched"])


def _policy(role: str, report: dict[str, Any]) -> dict[str, Any]:
    account = re.search(r"arn:aws:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):", json.dumps(report["resources_created"]))
    assert account
    return render(POLICY_DIR / ROLE_POLICY_FILES[role], policy_variables(account.group(1), "us-east-1"))


def test_every_arn_the_roles_touched_is_inside_their_policies_resource_patterns(full: Run) -> None:
    # The emulator authorises actions only; this is the resource check it cannot do, with IAM's wildcards.
    for role, used in full.report["roles"].items():
        policy = _policy(role, full.report)
        for action, resource in used["touched"]:
            patterns = allowed_resources(policy, action)
            assert any(resource_matches(p, resource) for p in patterns), (role, action, resource, patterns)


def _statements_covering(policy: dict[str, Any], arn: str, *, writes_only: bool = False) -> list[str]:
    """Allow statements granting an action of the ARN's service on it (unconditional writes only, if asked:
    a statement scoped by a condition instead of a name, such as tagged KMS keys, is checked elsewhere)."""
    service = arn.split(":")[2]
    return [
        statement.get("Sid", "?")
        for statement in statements(policy)
        if statement["Effect"] == "Allow"
        and any(
            action.split(":")[0] == service and not (writes_only and READ_ONLY.match(action))
            for action in as_list(statement["Action"])
        )
        and not (writes_only and "Condition" in statement)
        and any(resource_matches(pattern, arn) for pattern in as_list(statement.get("Resource", "*")))
    ]


def test_everything_dev_creates_is_within_the_infrastructure_role_and_nothing_of_another_service(
    full: Run,
) -> None:
    policy = _policy("infrastructure", full.report)
    created = full.report["resources_created"]
    assert len(created) > 20, created
    for arn in created:
        assert _statements_covering(policy, arn), f"no statement of the infrastructure policy covers {arn}"
        if "items-service-dev" in arn:
            foreign = arn.replace("items-service-dev", "billing-service-dev")
            assert not _statements_covering(policy, foreign, writes_only=True), (
                f"the policy also reaches {foreign}"
            )


def test_every_unused_grant_is_explained_in_the_policies_readme(full: Run) -> None:
    readme = (POLICY_DIR / "README.md").read_text()
    for role, used in full.report["roles"].items():
        for grant in used["unused"]:
            assert f"`{grant}`" in readme, f"{role}: unused grant {grant} is neither removed nor explained"


@pytest.mark.parametrize("name", WHAT_IFS)
def test_a_policy_lacking_an_action_the_path_needs_fails_and_names_it(
    runs: dict[str, Run], name: str
) -> None:
    role, action = WHAT_IFS[name]
    run = runs[name]
    assert run.exit_code == 1, run.output
    failure = run.output.strip().splitlines()[-1]
    assert failure.startswith("rehearsal FAILED in phase 3"), run.output
    assert f"{role}: {action}" in failure, failure
