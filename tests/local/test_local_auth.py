"""`python -m ci local up --auth`: the JWT authorizer deployed by Terraform in env local, proven end to end.

The smoke suite runs against it with the token the command printed, and its authorizer tests (valid token ->
createdBy, none -> 401, forged -> 403) must run, not skip. A pipeline run into that cloud plans the
authorizer too (found through the discovery file), so it cannot remove it.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from tests.local.doc_examples import fenced_blocks, run
from tests.local_up import run_pipeline_stages, run_smoke_suite, started_local_up
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

        # And docs/API.md's token example, run as written, creates an item that names its subject
        [example] = [
            body
            for language, body, _, _ in fenced_blocks((repo_root / "docs" / "API.md").read_text())
            if language == "sh" and "ci local token --subject alice" in body
        ]
        venv_bin = cloud.tree / ".venv" / "bin"
        created = json.loads(
            run(
                f"cd {cloud.tree}\n{example}",
                {"API_URL": api_url, "PATH": f"{venv_bin}:{os.environ['PATH']}"},
            )
        )
        assert created["createdBy"] == "alice", created
        assert '"createdBy": "alice"' in example  # what the docs show

        # When the smoke suite runs against it, its authorizer tests run and pass
        smoke = run_smoke_suite(cloud, repo_root, "-rA")
        assert smoke.returncode == 0, smoke.stdout[-4000:]
        for name in AUTHORIZER_TESTS:
            assert f"PASSED tests/smoke/test_authorizer.py::{name}" in smoke.stdout, smoke.stdout[-4000:]

        # And a pipeline plan into this running cloud keeps the authorizer: it plans no change at all
        plan = run_pipeline_stages(cloud, "plan")
        assert plan.returncode == 0, plan.stdout[-4000:] + plan.stderr[-2000:]
        summary = (cloud.tree / "build" / "reports" / "plan-local.md").read_text()
        assert "**no changes**" in summary, summary

        # Then Ctrl-C stops it cleanly
        cloud.process.send_signal(signal.SIGINT)
        assert cloud.process.wait(timeout=60) == 0
