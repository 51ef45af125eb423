"""One warm Lambda execution environment: the child side of ``ci.local.worker_pool``.

Run as a script by the data plane with ``python -I -S -u lambda_worker.py ...``: isolated mode and no
site-packages, so the handler sees only the unpacked artifact (``LAMBDA_TASK_ROOT``) and the runtime's own
libraries (boto3 and its dependencies, linked into one directory), as on AWS Lambda. Missing packaging
therefore fails here as it would there.

Like the Python runtime: the handler module is imported once (init), then invocations arrive one at a time.
Framed JSON messages travel over two pipes; stdout/stderr are left to the handler and become the function's
log stream (the parent ships every line to CloudWatch Logs). Only the standard library is used here on
purpose.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import resource
import struct
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

HEADER = struct.Struct(">I")


class LambdaContext:
    """The attributes and methods of the Python runtime's context (awslambdaric's ``LambdaContext``)."""

    def __init__(self, request_id: str, invoked_function_arn: str, deadline_epoch_ms: int) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        # The real runtime reads this from the environment too, hence a string.
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None
        self._deadline_epoch_ms = deadline_epoch_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_epoch_ms - int(time.time() * 1000), 0)

    def log(self, message: str) -> None:
        sys.stdout.write(message)


class _RequestIdFilter(logging.Filter):
    """Stamps each record with the invocation's request id, as the runtime's log handler does."""

    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


REQUEST_ID_FILTER = _RequestIdFilter()


def install_runtime_log_handler() -> None:
    """The Python runtime's root handler: ``logging`` records reach the log stream in Lambda's format."""
    handler = logging.StreamHandler(sys.stdout)
    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S"
    )
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(REQUEST_ID_FILTER)
    logging.getLogger().addHandler(handler)


def read_message(fd: int) -> dict[str, Any] | None:
    header = _read_exactly(fd, HEADER.size)
    if header is None:
        return None
    body = _read_exactly(fd, HEADER.unpack(header)[0])
    if body is None:
        return None
    message: dict[str, Any] = json.loads(body)
    return message


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = os.read(fd, size - len(chunks))
        if not chunk:
            return None
        chunks.extend(chunk)
    return bytes(chunks)


def write_message(fd: int, message: dict[str, Any]) -> None:
    body = json.dumps(message, separators=(",", ":")).encode()
    data = HEADER.pack(len(body)) + body
    while data:
        data = data[os.write(fd, data) :]


def log_error_record(error: dict[str, Any]) -> None:
    # The runtime logs an unhandled error as one event; a carriage return keeps a traceback on one line.
    text = f"[ERROR] {error['errorType']}: {error['errorMessage']}\r" + "".join(error["stackTrace"])
    sys.stdout.write(text.rstrip().replace("\n", "\r") + "\n")


def describe_error(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorType": error_type or type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def max_memory_used_mb() -> int:
    """Peak resident memory of this execution environment, as Lambda's "Max Memory Used".

    Linux: VmHWM, this process's own peak since it started. Not ru_maxrss, which Linux carries over fork and
    exec from the parent: a worker started by a large process (a long test session, 257 MB) looked out of
    memory before running a line."""
    try:
        with Path("/proc/self/status").open() as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024  # kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak / (1024 * 1024 if sys.platform == "darwin" else 1024))  # bytes on macOS, KiB elsewhere


def load_handler() -> Callable[[Any, LambdaContext], Any]:
    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    module = importlib.import_module(module_name)
    handler = getattr(module, function_name)
    if not callable(handler):
        raise TypeError(f"Handler '{function_name}' in module '{module_name}' is not callable")
    return handler  # type: ignore[no-any-return]


def invoke(handler: Callable[[Any, LambdaContext], Any], request: dict[str, Any]) -> dict[str, Any]:
    context = LambdaContext(request["requestId"], request["invokedFunctionArn"], request["deadlineEpochMs"])
    REQUEST_ID_FILTER.request_id = request["requestId"]
    try:
        payload = handler(request["event"], context)
    except Exception as exc:  # the runtime reports any handler failure to the caller
        # Drop this frame from the trace: the caller sees the handler's frames only, as with the real runtime.
        error = describe_error(exc.with_traceback(exc.__traceback__.tb_next if exc.__traceback__ else None))
        log_error_record(error)
        return {"type": "error", **error}
    try:
        json.dumps(payload)
    except (TypeError, ValueError) as exc:
        error = describe_error(exc, "Runtime.MarshalError")
        log_error_record(error)
        return {"type": "error", **error}
    return {"type": "result", "payload": payload}


def serve(request_fd: int, response_fd: int) -> int:
    version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
    memory_limit_mb = int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
    init_started = time.perf_counter()
    install_runtime_log_handler()
    try:
        handler = load_handler()
    except Exception as exc:  # an import error is reported like the runtime's Runtime.ImportModuleError
        error = describe_error(exc, "Runtime.ImportModuleError")
        error["errorMessage"] = f"Unable to import module '{os.environ['_HANDLER']}': {exc}"
        log_error_record(error)
        write_message(response_fd, {"type": "init_error", **error})
        return 1
    init_duration_ms: float | None = (time.perf_counter() - init_started) * 1000
    write_message(response_fd, {"type": "ready"})
    while (request := read_message(request_fd)) is not None:
        request_id = request["requestId"]
        print(f"START RequestId: {request_id} Version: {version}", flush=True)
        started = time.perf_counter()
        response = invoke(handler, request)
        duration_ms = (time.perf_counter() - started) * 1000
        sys.stderr.flush()
        memory_used_mb = max_memory_used_mb()
        report = (
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {int(duration_ms) + 1} ms\tMemory Size: {memory_limit_mb} MB\t"
            f"Max Memory Used: {memory_used_mb} MB"
        )
        if init_duration_ms is not None:
            report += f"\tInit Duration: {init_duration_ms:.2f} ms"
            init_duration_ms = None
        out_of_memory = memory_used_mb > memory_limit_mb
        if out_of_memory:
            # Lambda kills an environment that outgrows its memory size; the parent replaces this process.
            response = {
                "type": "error",
                "errorType": "Runtime.OutOfMemory",
                "errorMessage": f"Runtime exited: memory {memory_used_mb} MB > {memory_limit_mb} MB",
                "stackTrace": [],
            }
            report += "\tStatus: error\tError Type: Runtime.OutOfMemory"
        print(f"END RequestId: {request_id}", flush=True)
        print(report, flush=True)
        write_message(response_fd, response)
        if out_of_memory:
            return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--request-fd", type=int, required=True)
    parser.add_argument("--response-fd", type=int, required=True)
    parser.add_argument("--runtime-path", action="append", default=[], help="runtime-provided libraries")
    args = parser.parse_args()
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    sys.path[:0] = [task_root, *args.runtime_path]
    os.chdir(task_root)
    return serve(args.request_fd, args.response_fd)


if __name__ == "__main__":
    sys.exit(main())
