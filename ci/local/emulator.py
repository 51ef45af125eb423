"""The AWS control plane of the local cloud: a moto server in its own process on a free loopback port.

A separate process (not moto's in-thread server) keeps its state apart from any in-process ``mock_aws``
used by unit tests, and behaves like a real remote endpoint: boto3 and Terraform talk to it over HTTP.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ci.common.paths import REPO_ROOT

LOOPBACK = "127.0.0.1"
READY_TIMEOUT_SECONDS = 30.0

# Credentials and region the emulator accepts; anything non-empty works, these say what they are.
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


class EmulatorError(RuntimeError):
    """The moto server could not be started or did not become ready."""


def free_loopback_port() -> int:
    """A port that was free a moment ago on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


@dataclass
class MotoServer:
    """A moto server process; ``start()`` returns once it answers HTTP."""

    port: int = 0
    log_path: Path | None = None
    # The server's entry module (argv -H HOST -p PORT) and extra environment: the deployment rehearsal runs
    # its own entry (moto plus an IAM decision log) with IAM enforcement switched on.
    module: str = "ci.local.moto_server"
    extra_env: Mapping[str, str] = field(default_factory=dict)
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def endpoint_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> str:
        if self._process is not None:
            return self.endpoint_url
        self.port = self.port or free_loopback_port()
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115 - lives as long as the process
        # The entry point is ours (ci.local.moto_server), so the repo root must be importable.
        python_path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, **FAKE_AWS_ENV, **self.extra_env, "PYTHONPATH": python_path}
        self._process = subprocess.Popen(  # noqa: S603 - fixed argv, our own interpreter
            [sys.executable, "-m", self.module, "-H", LOOPBACK, "-p", str(self.port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        self._wait_until_ready()
        return self.endpoint_url

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        process = self._process
        if process is None:
            raise EmulatorError("moto server was not started")
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise EmulatorError(
                    f"moto server exited with code {process.returncode} before answering on "
                    f"{self.endpoint_url}" + (f"; see {self.log_path}" if self.log_path else "")
                )
            try:
                with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/data.json", timeout=1):  # noqa: S310 - loopback http
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        self.stop()
        raise EmulatorError(
            f"moto server did not answer on {self.endpoint_url} within {READY_TIMEOUT_SECONDS}s"
        )

    def reset(self) -> None:
        """Forget every resource (moto's own reset endpoint)."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=5):  # noqa: S310 - loopback http
            pass

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running_moto_server(port: int = 0, log_path: Path | None = None) -> Iterator[MotoServer]:
    """A moto server for the duration of the block, stopped however the block ends."""
    server = MotoServer(port=port, log_path=log_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
