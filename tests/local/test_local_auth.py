"""`python -m ci local up --auth`: the JWT authorizer deployed by Terraform in env local, proven end to end.

The smoke suite runs against it with the token the command printed, and its authorizer tests (valid token ->
createdBy, none -> 401, forged -> 403) must run, not skip. A pipeline run into that cloud plans the
authorizer too (found through the discovery file), so it cannot remove it.
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from tests.local.test_local_up import run_pipeline_stages, run_smoke_suite, started_local_up
from tests.smoke.api_client import request

AUTHORIZER_TESTS = (
    "test_a_valid_token_reaches_the_function_and_names_the_caller",
    "test_a_request_without_a_token_is_a_401_in_the_error_envelope",
    "test_a_token_signed_by_another_key_is_a_403_in_the_error_envelope",
)


@pytest.mark.slow
def test_local_up_with_auth_guards_the_api_and_the_smoke_suite_proves_it(
    repo_root: Path, tmp_path: Path
) -> None:
    with started_local_up(repo_root, tmp_path, "--auth") as cloud:
        api_url, token = cloud.printed["API_URL"], cloud.printed["API_TOKEN"]
        # Given the guarded local cloud, an anonymous call is API Gateway's 401, the printed token gets in
        assert request(api_url, "GET", "/items?limit=1").status == 401
        listed = request(api_url, "GET", "/items?limit=1", headers={"Authorization": f"Bearer {token}"})
        assert listed.status == 200, listed.body

        # And a token minted by `ci local token` names its subject as the creator
        minted = subprocess.run(
            [
                str(cloud.tree / ".venv" / "bin" / "python"),
                "-m",
                "ci",
                "local",
                "token",
                "--subject",
                "alice",
            ],
            cwd=cloud.tree,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        created = request(
            api_url, "POST", "/items", {"name": "by alice"}, headers={"Authorization": f"Bearer {minted}"}
        )
        assert created.status == 201, created.body
        assert created.json()["createdBy"] == "alice"

        # When the smoke suite runs against it, its authorizer tests run and pass
        smoke = run_smoke_suite(cloud, repo_root, "-rA")
        assert smoke.returncode == 0, smoke.stdout[-4000:]
        for name in AUTHORIZER_TESTS:
            assert f"PASSED tests/smoke/test_authorizer.py::{name}" in smoke.stdout, smoke.stdout[-4000:]

        # And a pipeline plan into this running cloud keeps the authorizer (nothing to add or destroy)
        plan = run_pipeline_stages(cloud, "plan")
        assert plan.returncode == 0, plan.stdout[-4000:] + plan.stderr[-2000:]
        summary = (cloud.tree / "build" / "reports" / "plan-local.md").read_text()
        assert "authorizer" not in summary, summary

        # Then Ctrl-C stops it cleanly
        cloud.process.send_signal(signal.SIGINT)
        assert cloud.process.wait(timeout=60) == 0
