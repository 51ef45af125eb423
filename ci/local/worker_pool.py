"""Warm Lambda execution environments for one deployed function version: a pool of worker processes.

Each worker runs ``lambda_worker.py`` (init once, then one invocation at a time over a pipe), like a Lambda
execution environment. The pool grows on demand up to ``max_workers`` so concurrent requests run in
parallel, reuses idle workers (warm starts), and throws a worker away when it crashed, ran out of memory or
timed out, so the next request gets a fresh one, as Lambda does.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ci.local.lambda_worker import HEADER

WORKER_SCRIPT = Path(__file__).with_name("lambda_worker.py")
# Lambda gives the init phase 10 s on top of nothing else; our cold start also pays for process start-up.
INIT_TIMEOUT_SECONDS = 10.0

LogSink = Callable[[str, str], None]
"""Receives (log stream name, one log line) from a worker."""


@dataclass(frozen=True)
class FunctionRuntimeSpec:
    """Everything needed to start an execution environment for one published function version."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    handler: str
    runtime: str
    timeout_seconds: float
    memory_mb: int
    task_root: Path
    runtime_paths: tuple[Path, ...]
    environment: Mapping[str, str] = field(default_factory=dict)

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"


@dataclass(frozen=True)
class Succeeded:
    payload: Any


@dataclass(frozen=True)
class FunctionFailed:
    """The function failed: unhandled error, import error, crash or out of memory (API Gateway: 502)."""

    error_type: str
    message: str


@dataclass(frozen=True)
class TimedOut:
    """No answer within the configured timeout (the worker was killed; API Gateway: 504)."""

    timeout_seconds: float


@dataclass(frozen=True)
class PoolRetired:
    """The function version was replaced while the request waited; the caller retries on the new one."""


InvocationOutcome = Succeeded | FunctionFailed | TimedOut | PoolRetired


class WorkerDied(RuntimeError):
    """The worker process ended or closed its pipe before answering."""


class _Deadline(RuntimeError):
    """The worker did not answer in time."""


def new_log_stream_name(version: str) -> str:
    # Lambda's own format: date, [version], then an id unique to the execution environment.
    return f"{datetime.now(UTC):%Y/%m/%d}/[{version}]{uuid.uuid4().hex}"


class LambdaWorker:
    """One execution environment: a child process, its two message pipes and its log stream."""

    def __init__(self, spec: FunctionRuntimeSpec, base_environment: Mapping[str, str], log_sink: LogSink):
        self.spec = spec
        self.log_stream_name = new_log_stream_name(spec.function_version)
        self._log_sink = log_sink
        request_read, self._request_write = os.pipe()
        self._response_read, response_write = os.pipe()
        environment = {
            **spec.environment,
            **base_environment,
            **self._runtime_environment(),
        }
        self.process = subprocess.Popen(  # noqa: S603 - our interpreter, our script, fixed flags
            [
                sys.executable,
                "-I",
                "-S",
                "-u",
                str(WORKER_SCRIPT),
                "--request-fd",
                str(request_read),
                "--response-fd",
                str(response_write),
                *(arg for path in spec.runtime_paths for arg in ("--runtime-path", str(path))),
            ],
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(request_read, response_write),
            cwd=spec.task_root,
        )
        os.close(request_read)
        os.close(response_write)
        self._log_thread = threading.Thread(target=self._forward_logs, daemon=True, name="lambda-worker-logs")
        self._log_thread.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def _runtime_environment(self) -> dict[str, str]:
        """The variables the Lambda runtime sets; they win over the function's own, as on AWS."""
        spec = self.spec
        return {
            "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": spec.function_version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group_name,
            "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream_name,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "LAMBDA_TASK_ROOT": str(spec.task_root),
            "LAMBDA_RUNTIME_DIR": str(WORKER_SCRIPT.parent),
            "_HANDLER": spec.handler,
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        }

    def _forward_logs(self) -> None:
        stdout = self.process.stdout
        if stdout is None:
            return
        for raw_line in stdout:
            line = raw_line.decode("utf-8", errors="replace").rstrip("\n")
            self._log_sink(self.log_stream_name, line.replace("\r", "\n"))

    def wait_ready(self, timeout_seconds: float = INIT_TIMEOUT_SECONDS) -> FunctionFailed | None:
        """None once the handler module is imported; the init error otherwise (the worker is then stopped)."""
        try:
            message = self._receive(time.monotonic() + timeout_seconds)
        except (WorkerDied, _Deadline, OSError) as exc:
            self.stop()
            return FunctionFailed("Runtime.InitError", f"execution environment did not start: {exc}")
        if message.get("type") != "ready":
            self.stop()
            return FunctionFailed(str(message.get("errorType")), str(message.get("errorMessage")))
        return None

    def invoke(self, event: Mapping[str, Any], request_id: str) -> InvocationOutcome:
        timeout = self.spec.timeout_seconds
        deadline_epoch_ms = int((time.time() + timeout) * 1000)
        deadline = time.monotonic() + timeout
        try:
            self._send(
                {
                    "requestId": request_id,
                    "invokedFunctionArn": self.spec.invoked_function_arn,
                    "deadlineEpochMs": deadline_epoch_ms,
                    "event": event,
                }
            )
            message = self._receive(deadline)
        except _Deadline:
            self.stop()
            now = f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%S.%fZ}"
            self._log_sink(
                self.log_stream_name, f"{now} {request_id} Task timed out after {timeout:.2f} seconds"
            )
            return TimedOut(timeout)
        except (WorkerDied, OSError) as exc:
            self.stop()
            reason = f"Runtime exited with error: exit status {self.process.returncode}"
            self._log_sink(
                self.log_stream_name, f"RequestId: {request_id} Error: {reason}\nRuntime.ExitError"
            )
            return FunctionFailed("Runtime.ExitError", f"{reason} ({exc})")
        if message.get("type") == "result":
            return Succeeded(message.get("payload"))
        return FunctionFailed(str(message.get("errorType")), str(message.get("errorMessage")))

    def _send(self, message: Mapping[str, Any]) -> None:
        body = json.dumps(message, separators=(",", ":")).encode()
        data = HEADER.pack(len(body)) + body
        try:
            while data:
                data = data[os.write(self._request_write, data) :]
        except BrokenPipeError as exc:
            raise WorkerDied("request pipe closed") from exc

    def _receive(self, deadline: float) -> dict[str, Any]:
        header = self._read_exactly(HEADER.size, deadline)
        body = self._read_exactly(HEADER.unpack(header)[0], deadline)
        message: dict[str, Any] = json.loads(body)
        return message

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        data = bytearray()
        while len(data) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Deadline("no answer before the deadline")
            readable, _, _ = select.select([self._response_read], [], [], remaining)
            if not readable:
                continue
            chunk = os.read(self._response_read, size - len(data))
            if not chunk:
                raise WorkerDied(f"worker {self.pid} exited with code {self.process.poll()}")
            data.extend(chunk)
        return bytes(data)

    def stop(self) -> None:
        if self.alive:
            self.process.kill()
        self.process.wait()
        for fd in (self._request_write, self._response_read):
            with contextlib.suppress(OSError):  # already closed by an earlier stop()
                os.close(fd)
        self._log_thread.join(timeout=2)


class WorkerPool:
    """Execution environments of one function version: reuse warm ones, start more under concurrency."""

    def __init__(
        self,
        spec: FunctionRuntimeSpec,
        base_environment: Mapping[str, str],
        log_sink: LogSink,
        max_workers: int = 4,
    ) -> None:
        self.spec = spec
        self._base_environment = dict(base_environment)
        self._log_sink = log_sink
        self._max_workers = max_workers
        self._idle: list[LambdaWorker] = []
        self._busy: set[LambdaWorker] = set()
        self._starting = 0
        self._closed = False
        self._condition = threading.Condition()

    def invoke(self, event: Mapping[str, Any], request_id: str) -> InvocationOutcome:
        worker_or_error = self._acquire()
        if isinstance(worker_or_error, FunctionFailed | PoolRetired):
            return worker_or_error
        worker = worker_or_error
        try:
            return worker.invoke(event, request_id)
        finally:
            self._release(worker)

    def _acquire(self) -> LambdaWorker | FunctionFailed | PoolRetired:
        dead: list[LambdaWorker] = []
        try:
            with self._condition:
                while True:
                    if self._closed:
                        return PoolRetired()
                    # An idle worker can die while it waits (killed, out of memory): never hand one out.
                    while self._idle and not self._idle[-1].alive:
                        dead.append(self._idle.pop())
                    if self._idle:
                        worker = self._idle.pop()  # the most recently used one: warmest caches
                        self._busy.add(worker)
                        return worker
                    if len(self._busy) + self._starting < self._max_workers:
                        self._starting += 1
                        break
                    self._condition.wait()
        finally:
            for worker in dead:
                worker.stop()
        return self._start_worker()

    def _start_worker(self) -> LambdaWorker | FunctionFailed:
        try:
            worker = LambdaWorker(self.spec, self._base_environment, self._log_sink)
            init_error = worker.wait_ready()
        except OSError as exc:
            init_error = FunctionFailed("Runtime.InitError", str(exc))
        with self._condition:
            self._starting -= 1
            if init_error is not None:
                self._condition.notify()
                return init_error
            self._busy.add(worker)
            return worker

    def _release(self, worker: LambdaWorker) -> None:
        with self._condition:
            self._busy.discard(worker)
            keep = worker.alive and not self._closed
            if keep:
                self._idle.append(worker)
            self._condition.notify()
        if not keep:
            worker.stop()

    def worker_pids(self) -> list[int]:
        with self._condition:
            return [worker.pid for worker in [*self._idle, *self._busy]]

    def close(self) -> None:
        """Stop idle workers now; busy ones are stopped when their invocation returns."""
        with self._condition:
            self._closed = True
            idle, self._idle = self._idle, []
            self._condition.notify_all()
        for worker in idle:
            worker.stop()

    def kill_all(self) -> None:
        """Stop every worker, busy ones included (shutdown)."""
        self.close()
        with self._condition:
            busy = list(self._busy)
        for worker in busy:
            worker.stop()
