"""The ops tools (infrastructure/ops) run as an operator runs them: each in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3
import coverage

from ci.common.local_cloud_discovery import DISCOVERY_FILE_ENV_VAR
from ci.common.paths import REPO_ROOT
from ci.local.emulator import FAKE_AWS_ENV, MotoServer


def aws_client(server: MotoServer, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=server.endpoint_url,
        region_name=FAKE_AWS_ENV["AWS_REGION"],
        aws_access_key_id=FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
    )


def run_script(
    name: str,
    *args: str,
    endpoint_url: str | None = None,
    extra_env: Mapping[str, str] | None = None,
    credentials: bool = True,
    discovery_file: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run one of the ops tools (infrastructure/ops) the way an operator would, against the given endpoint.

    ``credentials=False`` runs it as an operator who has none: no keys, no config files, no instance metadata.
    ``discovery_file`` is where it looks for a running `ci local up` (default: the suite's own file, never a
    developer's running local cloud; tests/conftest.py).
    """
    no_credentials = {
        "AWS_REGION": FAKE_AWS_ENV["AWS_REGION"],
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    aws_env = FAKE_AWS_ENV if credentials else no_credentials
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", **aws_env, **(extra_env or {})}
    env[DISCOVERY_FILE_ENV_VAR] = str(discovery_file or os.environ[DISCOVERY_FILE_ENV_VAR])
    if endpoint_url:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    return subprocess.run(
        [*tool_command(name), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=env,
    )


def tool_command(name: str) -> list[str]:
    """``python -m infrastructure.ops.<name>``, under ``coverage run`` when this session measures coverage.

    The tools are exercised as operators run them, in a process of their own, so their lines only count
    towards the coverage figure (pyproject.toml: ``infrastructure/ops``) when that process records them too;
    ``--parallel-mode`` writes a data file beside the session's, which pytest-cov combines at the end.
    """
    module = ["-m", f"infrastructure.ops.{name}"]
    measuring = coverage.Coverage.current()
    if measuring is None:
        return [sys.executable, *module]
    data_file = Path(measuring.config.data_file).resolve()
    measured = ["-m", "coverage", "run", "--parallel-mode", f"--rcfile={REPO_ROOT / 'pyproject.toml'}"]
    return [sys.executable, *measured, f"--data-file={data_file}", *module]
