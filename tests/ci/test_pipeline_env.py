"""Which run-time environment the cloud stages get: nothing, a running local cloud, or an ephemeral one."""

from __future__ import annotations

import io
import os
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ci.cloud_replay import CloudBlock
from ci.common.local_cloud_discovery import RunningCloud, announced, find_running
from ci.dag import select
from ci.pipeline import RunOutcome, local_cloud_env
from ci.runner import Selection
from ci.selection import ExecutorChoice
from ci.spec import StageResult, StageStatus
from ci.stages import build_stages


def _selection(env: str, *names: str) -> Selection:
    return select(build_stages(env, environ={}), names)


def test_no_cloud_for_aws_envs_or_when_no_stage_needs_one() -> None:
    with local_cloud_env(_selection("dev", "plan"), "dev", {}, io.StringIO()) as env:
        assert env == {}
    with local_cloud_env(_selection("local", "lint", "package"), "local", {}, io.StringIO()) as env:
        assert env == {}


def test_a_running_local_cloud_is_reused() -> None:
    running = {"LOCAL_CLOUD_ENDPOINT": "http://127.0.0.1:4566", "API_URL": "http://127.0.0.1:8080"}
    stream = io.StringIO()
    with local_cloud_env(_selection("local", "plan"), "local", running, stream) as env:
        assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
        assert env["API_URL"] == "http://127.0.0.1:8080"
        assert env["AWS_ACCESS_KEY_ID"] == "testing"
    assert "using the running one" in stream.getvalue()


def test_a_guarded_local_cloud_is_planned_guarded_and_called_with_a_token_it_accepts() -> None:
    from authorizer.settings import load_authorizer_settings
    from authorizer.tokens import verify_token

    from ci.local import identity

    # Given a running `ci local up --auth`
    running = {"LOCAL_CLOUD_ENDPOINT": "http://127.0.0.1:4566", "LOCAL_CLOUD_AUTH": "true"}
    with local_cloud_env(_selection("local", "plan"), "local", running, io.StringIO()) as env:
        # Then the plan keeps the authorizer, and the API stages get a token env local's authorizer accepts
        assert env["TF_VAR_authorizer_enabled"] == "true"
        assert "LOCAL_CLOUD_AUTH" not in env
        settings = load_authorizer_settings(
            {
                "JWT_ISSUER": identity.ISSUER,
                "JWT_AUDIENCE": identity.AUDIENCE,
                "JWT_JWKS": identity.jwks_document(),
                "JWT_ALGORITHMS": identity.ALGORITHM,
            }
        )
        assert verify_token(env["API_TOKEN"], settings)["sub"] == "pipeline"
    # And a token the caller brings is used as given, not replaced
    with local_cloud_env(
        _selection("local", "plan"), "local", {**running, "API_TOKEN": "callers-token"}, io.StringIO()
    ) as env:
        assert env["API_TOKEN"] == "callers-token"
    # And a public cloud's plan stays public
    with local_cloud_env(
        _selection("local", "plan"), "local", {"LOCAL_CLOUD_ENDPOINT": "http://x"}, io.StringIO()
    ) as env:
        assert "TF_VAR_authorizer_enabled" not in env
        assert "API_TOKEN" not in env


@pytest.mark.integration
@pytest.mark.parametrize(
    "fresh_block",
    [None, CloudBlock({"apply": "0" * 64}, replay=False)],
    ids=["found-none-running", "keyed-as-fresh-but-not-replayable"],
)
def test_an_ephemeral_local_cloud_runs_for_the_block_only(fresh_block: CloudBlock | None) -> None:
    stream = io.StringIO()
    with local_cloud_env(_selection("local", "apply"), "local", {}, stream, fresh_block) as env:
        endpoint = env["AWS_ENDPOINT_URL"]
        with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=5) as response:  # noqa: S310 - loopback
            assert response.status == 200
    assert "starting an ephemeral one" in stream.getvalue()
    with pytest.raises(urllib.error.URLError, match="refused"):
        urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=2)  # noqa: S310 - loopback


@pytest.mark.parametrize(
    ("statuses", "strict", "exit_code"),
    [
        (("passed", "passed"), False, 0),
        (("passed", "incomplete"), False, 0),
        (("passed", "incomplete"), True, 1),
        (("passed", "failed"), False, 1),
        (("passed", "skipped"), True, 1),
    ],
)
def test_an_incomplete_stage_fails_the_run_only_under_strict(
    statuses: tuple[StageStatus, ...], strict: bool, exit_code: int
) -> None:
    results = [StageResult(f"stage{index}", status) for index, status in enumerate(statuses)]
    outcome = RunOutcome(ExecutorChoice("host", "test"), results, Path("summary.md"), strict=strict)
    assert outcome.exit_code == exit_code


def test_a_cloud_announced_by_ci_local_up_is_found_and_used(private_local_cloud_discovery: Path) -> None:
    running = RunningCloud(os.getpid(), "http://127.0.0.1:4599", "http://127.0.0.1:8099", "items")
    stream = io.StringIO()
    with (
        announced(running, private_local_cloud_discovery),
        local_cloud_env(_selection("local", "deploy"), "local", {}, stream) as env,
    ):
        assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4599"
        assert env["API_URL"] == "http://127.0.0.1:8099"
    assert f"using the running `python -m ci local up` (pid {os.getpid()})" in stream.getvalue()
    assert not private_local_cloud_discovery.exists()


def test_a_discovery_file_left_by_a_dead_process_is_ignored(tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    path = tmp_path / "running.json"
    with announced(RunningCloud(dead.pid, "http://127.0.0.1:1", "http://127.0.0.1:2", "t"), path):
        assert find_running(path) is None
    path.write_text("{not json")
    assert find_running(path) is None
