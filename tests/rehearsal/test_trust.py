"""The OIDC roles' trust policies, as bootstrap really renders them, accept only the intended workflows.

bootstrap is applied by real Terraform into a moto server; the trust documents are read back from IAM and
evaluated against GitHub-shaped claims (moto itself does not evaluate trust conditions: docs/REHEARSAL.md).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import boto3
import pytest

from ci.common import contract
from ci.common.terraform_cli import terraform_env
from ci.local.emulator import FAKE_AWS_ENV, MotoServer
from ci.rehearsal.oidc import Workflow
from ci.rehearsal.trust import accepts
from ci.rehearsal.workspace import prepare

pytestmark = pytest.mark.terraform

REPOSITORY = "example-org/items-service"
ROLES = ("infrastructure", "plan-readonly", "lambda-deploy")

WORKFLOWS = {
    "main push": Workflow(REPOSITORY, ref="refs/heads/main"),
    "feature push": Workflow(REPOSITORY, ref="refs/heads/feature/x"),
    "pull request": Workflow(REPOSITORY, event_name="pull_request", ref="refs/pull/7/merge"),
    "env dev job": Workflow(REPOSITORY, environment="dev"),
    "env prod job": Workflow(REPOSITORY, environment="prod"),
    "unknown env job": Workflow(REPOSITORY, environment="sandbox"),
    "another repo, main": Workflow("example-org/other-service", ref="refs/heads/main"),
    "fork's pull request": Workflow("someone/items-service", event_name="pull_request"),
    "fork's env dev job": Workflow("someone/items-service", environment="dev"),
}
# Which workflow may assume which role: everything not listed must be refused.
INTENDED = {
    "infrastructure": {"main push", "env dev job", "env prod job"},
    "plan-readonly": {"pull request", "main push"},
    "lambda-deploy": {"env dev job", "env prod job"},
}


@pytest.fixture(scope="module")
def trust_policies(tmp_path_factory: pytest.TempPathFactory, moto_server: MotoServer) -> dict[str, Any]:
    workspace = prepare(tmp_path_factory.mktemp("bootstrap"))
    env = terraform_env(
        {
            **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
            **FAKE_AWS_ENV,
            "AWS_ENDPOINT_URL": moto_server.endpoint_url,
        }
    )
    owner, repository = REPOSITORY.split("/")
    for args in (
        ("init", "-input=false", "-no-color"),
        ("apply", "-auto-approve", "-input=false", "-no-color", f"-var=github_owner={owner}",
         f"-var=github_repository={repository}"),
    ):  # fmt: skip
        completed = subprocess.run(
            ["terraform", f"-chdir={workspace.bootstrap}", *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr
    iam = boto3.client(
        "iam",
        endpoint_url=moto_server.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
    )
    prefix = contract.name("github_role_prefix")
    return {
        role: iam.get_role(RoleName=f"{prefix}{role}")["Role"]["AssumeRolePolicyDocument"] for role in ROLES
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("workflow", WORKFLOWS, ids=str)
def test_only_intended_workflows_may_assume_the_role(
    trust_policies: dict[str, Any], role: str, workflow: str
) -> None:
    claims = WORKFLOWS[workflow].claims()
    assert accepts(trust_policies[role], claims) is (workflow in INTENDED[role]), (role, claims["sub"])


def test_a_token_for_another_audience_is_refused(trust_policies: dict[str, Any]) -> None:
    claims = {**WORKFLOWS["env dev job"].claims(), "aud": "https://github.com/example-org"}
    assert not accepts(trust_policies["lambda-deploy"], claims)


def test_claims_are_shaped_like_githubs() -> None:
    claims = WORKFLOWS["env dev job"].claims()
    assert claims["iss"] == "https://token.actions.githubusercontent.com"
    assert claims["aud"] == "sts.amazonaws.com"
    assert claims["sub"] == f"repo:{REPOSITORY}:environment:dev"
    assert WORKFLOWS["pull request"].claims()["sub"] == f"repo:{REPOSITORY}:pull_request"
    assert WORKFLOWS["main push"].claims()["sub"] == f"repo:{REPOSITORY}:ref:refs/heads/main"


def test_unsupported_condition_operators_are_not_silently_accepted() -> None:
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"ForAnyValue:StringLike": {"token.actions.githubusercontent.com:sub": "*"}},
            }
        ]
    }
    with pytest.raises(ValueError, match="not evaluated"):
        accepts(policy, WORKFLOWS["main push"].claims())


def test_workspace_copy_holds_no_symlinks(tmp_path: Path) -> None:
    workspace = prepare(tmp_path / "copy")
    assert not [path for path in workspace.root.rglob("*") if path.is_symlink()]
    assert (workspace.env_root("dev") / "main.tf").is_file()
