"""`python -m ci local` argument handling and failure paths that need no deployment."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from authorizer.settings import load_authorizer_settings
from authorizer.tokens import verify_token

from ci.local import identity
from ci.local.cli import source_fingerprint, wait_until_api_answers
from ci.local.pipeline_deploy import DeployError
from tests.local.working_tree import copy_of_working_tree
from tests.stub_api import stub_api


def test_up_on_a_busy_port_fails_with_a_clear_message_and_no_traceback(
    repo_root: Path, tmp_path: Path
) -> None:
    tree = copy_of_working_tree(repo_root, tmp_path / "tree")
    # Given a port somebody else listens on
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        # When the local cloud is asked to serve there
        result = subprocess.run(
            [sys.executable, "-m", "ci", "local", "up", "--port", str(port)],
            cwd=tree,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    # Then it exits non-zero, says why, and prints no API_URL
    assert result.returncode == 1
    assert "cannot serve the API" in result.stderr
    assert "Traceback" not in result.stderr
    assert "API_URL=" not in result.stdout


def test_reload_fingerprint_changes_with_sources_but_not_with_bytecode(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "module.py").write_text("x = 1\n")
    before = source_fingerprint(tmp_path)
    (tmp_path / "pkg" / "__pycache__").mkdir()
    (tmp_path / "pkg" / "__pycache__" / "module.cpython-311.pyc").write_bytes(b"compiled")
    assert source_fingerprint(tmp_path) == before
    (tmp_path / "pkg" / "module.py").write_text("x = 2\n")
    assert source_fingerprint(tmp_path) != before


def test_token_prints_a_bearer_token_env_locals_authorizer_accepts(repo_root: Path) -> None:
    # Given env local's authorizer settings as Terraform gives them (the committed test JWKS)
    settings = load_authorizer_settings(
        {
            "JWT_ISSUER": identity.ISSUER,
            "JWT_AUDIENCE": identity.AUDIENCE,
            "JWT_JWKS": identity.JWKS_PATH.read_text(),
            "JWT_ALGORITHMS": identity.ALGORITHM,
        }
    )
    # When a token is minted on the command line
    result = subprocess.run(
        [sys.executable, "-m", "ci", "local", "token", "--subject", "alice", "--ttl", "60"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        check=False,
    )
    # Then the authorizer's own verification accepts it for alice, for about a minute
    assert result.returncode == 0, result.stderr
    claims = verify_token(result.stdout.strip(), settings)
    assert claims["sub"] == "alice"
    assert 0 < claims["exp"] - claims["iat"] <= 60


def test_token_refuses_a_bad_lifetime_or_subject_in_one_line(repo_root: Path) -> None:
    for arguments in (["--ttl", "0"], ["--ttl", "999999"], ["--subject", " "]):
        result = subprocess.run(
            [sys.executable, "-m", "ci", "local", "token", *arguments],
            cwd=repo_root,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 2, arguments
        assert result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr


def test_up_with_auth_is_not_ready_while_the_authorizer_refuses_its_token() -> None:
    # Given an API whose authorizer refuses the token `up --auth` minted
    with stub_api(lambda headers: 403) as url:
        cloud: Any = SimpleNamespace(api_url=url)
        # Then waiting for it fails, naming the refusal, instead of announcing a cloud nobody can call
        with pytest.raises(DeployError, match=r"refused the local test token \(403\)"):
            wait_until_api_answers(cloud, token="a-token", timeout=10)
        # And without --auth the same 403 is an answer (an unknown route is 403 in API Gateway too)
        wait_until_api_answers(cloud, token=None, timeout=10)
