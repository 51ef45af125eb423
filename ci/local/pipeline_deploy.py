"""Deploy the project into a running local cloud the way the pipeline does it: its own stages, for real.

``package -> plan -> apply -> deploy`` run through ``python -m ci run ... --env local --executor host`` with
``LOCAL_CLOUD_ENDPOINT`` set, so the pipeline uses this cloud instead of starting its own. Then the data
migrations (and optionally the seeds) run against the emulator's DynamoDB.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from ci.common.paths import REPO_ROOT
from ci.common.process_group import STAGE_STOP_GRACE_SECONDS, stop_group
from ci.local.cloud import LocalCloud

DEPLOY_STAGES = ("package", "plan", "apply", "deploy")
REDEPLOY_STAGES = ("package", "deploy")
# How long an interrupted step's processes get to exit on SIGTERM before they are killed: a step is
# `python -m ci run`, which in turn gives its stages their grace first (or they would be left behind).
STOP_GRACE_SECONDS = STAGE_STOP_GRACE_SECONDS + 5.0


class DeployError(RuntimeError):
    """A deployment step failed; its output was already shown."""


def run_step(argv: Sequence[str], env: Mapping[str, str], output: TextIO, cwd: Path = REPO_ROOT) -> None:
    """Run one step in its own process group so an interrupt stops it and everything it started."""
    process = subprocess.Popen(  # noqa: S603 - our interpreter and our own modules
        list(argv),
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None  # noqa: S101 - stdout=PIPE above
        for line in process.stdout:
            output.write(line.decode("utf-8", errors="replace"))
            output.flush()
        code = process.wait()
    except BaseException:
        stop_group(process, STOP_GRACE_SECONDS)
        raise
    if code != 0:
        raise DeployError(f"{' '.join(argv)} failed with exit code {code}")


def deploy_environment(cloud: LocalCloud) -> dict[str, str]:
    return {**os.environ, **cloud.stage_env}


def _pipeline(cloud: LocalCloud, stages: Sequence[str], output: TextIO) -> None:
    argv = [sys.executable, "-m", "ci", "run", *stages, "--env", cloud.env_name, "--executor", "host"]
    run_step(argv, deploy_environment(cloud), output)


def deploy(cloud: LocalCloud, output: TextIO, seed: bool = False) -> None:
    """Everything from source to a served API with its data: pipeline stages, migrations, seeds."""
    _pipeline(cloud, DEPLOY_STAGES, output)
    connection = ["--endpoint-url", cloud.endpoint_url, "--table", cloud.table_name]
    run_step([sys.executable, "-m", "data", "migrate", *connection], deploy_environment(cloud), output)
    if seed:
        run_step([sys.executable, "-m", "data", "seed", *connection], deploy_environment(cloud), output)


def redeploy_code(cloud: LocalCloud, output: TextIO) -> None:
    """New function code only: repackage, then the deploy stage publishes a version and moves the alias."""
    _pipeline(cloud, REDEPLOY_STAGES, output)
