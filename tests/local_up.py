"""`python -m ci local up` as the tests run it: in a copy of the working tree, with its own discovery file.

The copy (sharing .venv) keeps its Terraform state and build outputs apart from a pipeline or a developer's
cloud in the real tree; the discovery file keeps two clouds of one test worker (the public one and
`--auth`'s) from announcing themselves in the same place.

``SharedLocalUp`` is the public cloud the suite deploys once: the infrastructure tests read what Terraform
made in it, the ops tools run against it, and the local-up test ends its life (destroy, then SIGTERM). Its
tests form one work unit of the scheduler (tests/scheduling.py), in that order; a test that finds it
stopped starts a new one, so another order or a test run on its own still works, only slower.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ci.common.local_cloud_discovery import DISCOVERY_FILE_ENV_VAR
from ci.common.process_group import stop_group
from ci.common.stack_outputs import stack_outputs
from ci.local.deployment_watcher import emulator_client_session
from ci.local.emulator import free_loopback_port
from tests.local.working_tree import copy_of_working_tree

UP_TIMEOUT_SECONDS = 600


@dataclass
class LocalUp:
    process: subprocess.Popen[str]
    printed: dict[str, str]
    stderr_path: Path
    tree: Path
    discovery_file: Path

    @property
    def endpoint_url(self) -> str:
        return self.printed["DYNAMODB_ENDPOINT"]

    @property
    def outputs_file(self) -> Path:
        """Terraform's outputs, as the pipeline's apply stage wrote them."""
        return self.tree / "build" / "terraform" / "local" / "outputs.json"

    @property
    def outputs(self) -> dict[str, Any]:
        return stack_outputs(json.loads(self.outputs_file.read_text()))

    @property
    def state_file(self) -> Path:
        return self.tree / "infrastructure" / "environments" / "local" / "terraform.tfstate"

    def emulator_client(self, service: str) -> Any:
        return emulator_client_session().client(service, endpoint_url=self.endpoint_url)

    def environ(self) -> dict[str, str]:
        """The caller's environment, with this cloud's discovery file: what a command run beside it sees."""
        return {**os.environ, DISCOVERY_FILE_ENV_VAR: str(self.discovery_file)}


@contextmanager
def started_local_up(repo_root: Path, workdir: Path, *options: str) -> Iterator[LocalUp]:
    """`python -m ci local up OPTIONS` in a copy of the tree, until it printed its lines (killed after)."""
    tree = copy_of_working_tree(repo_root, workdir / "tree")
    port = free_loopback_port()
    stderr_path = workdir / "local-up.stderr"
    discovery_file = workdir / "local-cloud" / "running.json"
    expected = {"API_URL", "DYNAMODB_ENDPOINT", "TABLE_NAME", *(["API_TOKEN"] if "--auth" in options else [])}
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [
                str(tree / ".venv" / "bin" / "python"),
                "-m",
                "ci",
                "local",
                "up",
                "--port",
                str(port),
                *options,
            ],
            cwd=tree,
            env={**os.environ, DISCOVERY_FILE_ENV_VAR: str(discovery_file)},
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            start_new_session=True,
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(
            target=lambda: [lines.put(line) for line in process.stdout or []], daemon=True
        ).start()
        printed: dict[str, str] = {}
        deadline = time.monotonic() + UP_TIMEOUT_SECONDS
        try:
            while expected - printed.keys():
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"local up did not print its lines; stderr:\n{stderr_path.read_text()[-4000:]}"
                    )
                try:
                    name, _, value = lines.get(timeout=1).strip().partition("=")
                except queue.Empty:
                    continue
                printed[name] = value
            yield LocalUp(process, printed, stderr_path, tree, discovery_file)
        finally:
            # As a user stops it: it stops what it started; killed only if it does not end in time.
            stop_group(process, grace_seconds=60)


class SharedLocalUp:
    """One public `ci local up --reload` for the tests that only read or briefly touch what it deployed."""

    def __init__(self, repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._repo_root = repo_root
        self._tmp_path_factory = tmp_path_factory
        self._stack = ExitStack()
        self._cloud: LocalUp | None = None

    def running(self) -> LocalUp:
        """The cloud, started now if it is not running (never started, or a test stopped it)."""
        if self._cloud is None or self._cloud.process.poll() is not None:
            self._stack.close()
            workdir = self._tmp_path_factory.mktemp("public-local-up")
            self._cloud = self._stack.enter_context(started_local_up(self._repo_root, workdir, "--reload"))
        return self._cloud

    def close(self) -> None:
        self._stack.close()


def run_smoke_suite(cloud: LocalUp, repo_root: Path, report: str = "-rs") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/smoke", "-q", "-p", "no:cacheprovider", report],
        cwd=repo_root,
        env={
            **os.environ,
            "API_URL": cloud.printed["API_URL"],
            "AWS_ENDPOINT_URL": cloud.endpoint_url,
            "SMOKE_ENV": "local",
            "SMOKE_OUTPUTS": str(cloud.outputs_file),
            "SMOKE_PLAN": str(cloud.tree / "build" / "reports" / "plan-local.json"),
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def run_pipeline_stages(cloud: LocalUp, *stages: str) -> subprocess.CompletedProcess[str]:
    """`python -m ci run STAGES --env local` in the cloud's tree: it finds the cloud and deploys into it."""
    return subprocess.run(
        [
            *(str(cloud.tree / ".venv" / "bin" / "python"), "-m", "ci", "run", *stages),
            *("--env", "local", "--executor", "host"),
        ],
        cwd=cloud.tree,
        # The contract stage's 30 s bound is `make pipeline`'s; here it proves the stage passes against a
        # running cloud, for which a few hundred cases do.
        env={**cloud.environ(), "CI": "true", "CONTRACT_MAX_TIME": "8"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
