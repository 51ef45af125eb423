"""Ship function log lines to the emulator's CloudWatch Logs, one log stream per execution environment.

Lines are queued by the workers' log readers and sent in batches from one background thread, so a request
never waits for CloudWatch Logs (on Lambda, too, log delivery is asynchronous to the invocation).
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_logs.type_defs import InputLogEventTypeDef

FLUSH_INTERVAL_SECONDS = 0.2
# PutLogEvents accepts at most 10,000 events per call; stay far below.
MAX_BATCH_EVENTS = 1000


@dataclass(frozen=True)
class LogLine:
    group: str
    stream: str
    timestamp_ms: int
    message: str


class CloudWatchLogShipper:
    def __init__(self, logs_client: CloudWatchLogsClient, flush_interval: float = FLUSH_INTERVAL_SECONDS):
        self._logs = logs_client
        self._flush_interval = flush_interval
        self._queue: queue.Queue[LogLine | None] = queue.Queue()
        self._known_groups: set[str] = set()
        self._known_streams: set[tuple[str, str]] = set()
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.Thread(target=self._run, daemon=True, name="cloudwatch-log-shipper")
        self._thread.start()

    def sink_for(self, group: str) -> _GroupSink:
        return _GroupSink(self, group)

    def emit(self, group: str, stream: str, message: str) -> None:
        self._idle.clear()
        self._queue.put(LogLine(group, stream, int(time.time() * 1000), message))

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued line was sent (tests and shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._queue.empty() and self._idle.is_set():
                return True
            time.sleep(0.02)
        return False

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch: list[LogLine] = []
            try:
                first = self._queue.get(timeout=self._flush_interval)
            except queue.Empty:
                self._idle.set()
                continue
            if first is None:
                break
            batch.append(first)
            time.sleep(self._flush_interval)  # let lines of the same invocation gather into one call
            while len(batch) < MAX_BATCH_EVENTS:
                try:
                    line = self._queue.get_nowait()
                except queue.Empty:
                    break
                if line is None:
                    stopping = True
                    break
                batch.append(line)
            self._send(batch)
            if self._queue.empty():
                self._idle.set()
        self._idle.set()

    def _send(self, batch: list[LogLine]) -> None:
        by_stream: dict[tuple[str, str], list[InputLogEventTypeDef]] = defaultdict(list)
        for line in batch:
            by_stream[(line.group, line.stream)].append(
                {"timestamp": line.timestamp_ms, "message": line.message or " "}
            )
        for (group, stream), events in by_stream.items():
            try:
                self._ensure_stream(group, stream)
                self._logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
            except Exception as exc:  # a log outage must never take the data plane down
                print(
                    f"local cloud: could not ship {len(events)} log lines to {group}: {exc}", file=sys.stderr
                )

    def _ensure_stream(self, group: str, stream: str) -> None:
        if group not in self._known_groups:
            # Terraform normally created it already, with its retention and key.
            with contextlib.suppress(self._logs.exceptions.ResourceAlreadyExistsException):
                self._logs.create_log_group(logGroupName=group)
            self._known_groups.add(group)
        if (group, stream) not in self._known_streams:
            with contextlib.suppress(self._logs.exceptions.ResourceAlreadyExistsException):
                self._logs.create_log_stream(logGroupName=group, logStreamName=stream)
            self._known_streams.add((group, stream))


class _GroupSink:
    """A ``LogSink`` bound to one log group."""

    def __init__(self, shipper: CloudWatchLogShipper, group: str) -> None:
        self._shipper = shipper
        self._group = group

    def __call__(self, stream: str, message: str) -> None:
        self._shipper.emit(self._group, stream, message)
