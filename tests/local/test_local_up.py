"""`python -m ci local up` end to end: deploy for real into a fresh local cloud, smoke it, reload, stop it.

It runs in a copy of the working tree (sharing .venv) so its Terraform state and build outputs cannot collide
with a pipeline or another test running in this tree at the same time.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ci.common.local_cloud_discovery import DISCOVERY_FILE_ENV_VAR
from ci.local.deployment_watcher import emulator_client_session
from ci.local.emulator import free_loopback_port
from tests.local.doc_examples import check_api_examples, check_readme_script, curl_examples
from tests.local.http_client import call
from tests.local.working_tree import copy_of_working_tree

UP_TIMEOUT_SECONDS = 600
API_DOC_ITEM_ID = "0366d13e-28a9-4591-a318-3592b6a0c400"  # the example item of docs/API.md


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc), to prove none outlives the local cloud."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: set[int] = set()
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.add(child)
            pending.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


@dataclass
class LocalUp:
    process: subprocess.Popen[str]
    printed: dict[str, str]
    stderr_path: Path
    tree: Path

    def emulator_client(self, service: str) -> Any:
        return emulator_client_session().client(service, endpoint_url=self.printed["DYNAMODB_ENDPOINT"])


@contextmanager
def started_local_up(repo_root: Path, tmp_path: Path, *options: str) -> Iterator[LocalUp]:
    """`python -m ci local up OPTIONS` in a copy of the tree, until it printed its lines (killed after)."""
    tree = copy_of_working_tree(repo_root, tmp_path / "tree")
    port = free_loopback_port()
    stderr_path = tmp_path / "local-up.stderr"
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
            yield LocalUp(process, printed, stderr_path, tree)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def local_up(repo_root: Path, tmp_path: Path) -> Iterator[LocalUp]:
    """`python -m ci local up --reload` in a copy of the tree."""
    with started_local_up(repo_root, tmp_path, "--reload") as cloud:
        yield cloud


def run_smoke_suite(cloud: LocalUp, repo_root: Path, report: str = "-rs") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/smoke", "-q", "-p", "no:cacheprovider", report],
        cwd=repo_root,
        env={
            **os.environ,
            "API_URL": cloud.printed["API_URL"],
            "AWS_ENDPOINT_URL": cloud.printed["DYNAMODB_ENDPOINT"],
            "SMOKE_ENV": "local",
            "SMOKE_OUTPUTS": str(cloud.tree / "build" / "terraform" / "local" / "outputs.json"),
            "SMOKE_PLAN": str(cloud.tree / "build" / "reports" / "plan-local.json"),
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def run_pipeline_stages(cloud: LocalUp, *stages: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(cloud.tree / ".venv" / "bin" / "python"),
            "-m",
            "ci",
            "run",
            *stages,
            "--env",
            "local",
            "--executor",
            "host",
        ],
        cwd=cloud.tree,
        # The contract stage's 30 s bound is `make pipeline`'s; here it proves the stage passes against a
        # running cloud, for which a few hundred cases do.
        env={**os.environ, "CI": "true", "CONTRACT_MAX_TIME": "8"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def wait_for_new_live_version(cloud: LocalUp, before: str, timeout: float = 180) -> str:
    lambda_client = cloud.emulator_client("lambda")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        version = lambda_client.get_alias(FunctionName="items-service-local-api", Name="live")[
            "FunctionVersion"
        ]
        if version != before:
            return str(version)
        time.sleep(1)
    pytest.fail(f"--reload did not redeploy; stderr:\n{cloud.stderr_path.read_text()[-4000:]}")


@pytest.mark.slow
def test_local_up_deploys_serves_passes_smoke_reloads_and_stops_cleanly(
    local_up: LocalUp, repo_root: Path
) -> None:
    api_url = local_up.printed["API_URL"]
    # Then the printed values describe the running cloud
    assert api_url.startswith("http://127.0.0.1:")
    assert local_up.printed["TABLE_NAME"] == "items-service-local-items"
    assert call(api_url, "GET", "/openapi.json").json()["openapi"].startswith("3.")
    # And the smoke suite passes against it, every check included: only the authorizer's checks skip,
    # because this cloud's API is public (tests/local/test_local_auth.py runs them with --auth)
    smoke = run_smoke_suite(local_up, repo_root)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    skipped = [line for line in smoke.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skipped, smoke.stdout
    assert all("test_authorizer.py" in line and "is public" in line for line in skipped), skipped
    # And the docs' curl examples (README, docs/API.md) answer what the docs show
    for index in range(3):  # the list example pages through a few active items (as `--seed` makes)
        body = json.dumps({"name": f"doc example {index}"}).encode()
        created = call(api_url, "POST", "/items", body, [("Content-Type", "application/json")])
        assert created.status == 201, created.body
    [readme_example] = curl_examples((repo_root / "README.md").read_text())
    check_readme_script(readme_example, api_url)
    api_examples = curl_examples((repo_root / "docs" / "API.md").read_text())
    assert check_api_examples(api_examples, api_url, API_DOC_ITEM_ID) >= 6
    # And it announced itself, so a pipeline run deploys into it and its contract stage passes against it
    discovery = Path(os.environ[DISCOVERY_FILE_ENV_VAR])
    assert json.loads(discovery.read_text())["api_url"] == api_url
    contract = run_pipeline_stages(local_up, "deploy", "contract")
    assert contract.returncode == 0, contract.stdout + contract.stderr
    assert "using the running `python -m ci local up`" in contract.stdout
    assert re.search(
        r"note: contract: \d+ generated cases over \d+ operations and scenarios, 0 failed", contract.stdout
    )
    # And every apply and deploy into it left its deployment event in the env's log group
    logs = local_up.emulator_client("logs")
    group = "/items-service/local/deployments"
    events = [json.loads(e["message"]) for e in logs.filter_log_events(logGroupName=group)["events"]]
    recorded = [(event["stage"], event["result"]) for event in events]
    assert ("apply", "success") in recorded, recorded
    assert recorded.count(("deploy", "success")) >= 2, recorded  # local up's own deploy, then the pipeline's
    # When the function's source changes (--reload)
    lambda_client = local_up.emulator_client("lambda")
    before = lambda_client.get_alias(FunctionName="items-service-local-api", Name="live")["FunctionVersion"]
    package_init = local_up.tree / "functions" / "api_handler" / "__init__.py"
    package_init.write_text(package_init.read_text() + "\n# changed by the local-up test\n")
    # Then it is repackaged and deployed as a new version, and the API keeps answering
    wait_for_new_live_version(local_up, before)
    assert call(api_url, "GET", "/items?limit=1").status == 200
    # When it is stopped with SIGTERM
    started_processes = descendants(local_up.process.pid)
    assert started_processes  # the emulator and the Lambda workers at least
    local_up.process.send_signal(signal.SIGTERM)
    # Then it exits cleanly and leaves no process behind
    assert local_up.process.wait(timeout=60) == 0, local_up.stderr_path.read_text()[-4000:]
    time.sleep(0.5)
    assert [pid for pid in started_processes if alive(pid)] == []
    # and it withdrew its announcement
    assert not discovery.exists()
