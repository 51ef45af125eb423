"""Benchmark: GET /items/{id} through the local data plane ÷ raw boto3 ``get_item`` on the same emulator.

Both sides run sequentially from one client over loopback for the same bounded number of requests (or time),
in alternating rounds; the best round of each counts. The data plane's path is the whole local API: HTTP
parsing, route matching, proxy event, pipe to a warm worker, the deployed handler (Powertools, validation,
its own boto3 get_item on the emulator) and back. Goal: ratio ≥ 0.5.

    python tests/benchmarks/bench_data_plane.py                       # starts `ci local up` itself
    python tests/benchmarks/bench_data_plane.py --api-url URL --endpoint-url URL [--table NAME]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import boto3

REPO_ROOT = Path(__file__).resolve().parents[2]
GOAL = 0.5


def requests_per_second(call: Callable[[], None], max_requests: int, max_seconds: float) -> float:
    count = 0
    started = time.perf_counter()
    deadline = started + max_seconds
    while count < max_requests and time.perf_counter() < deadline:
        call()
        count += 1
    return count / (time.perf_counter() - started)


@contextmanager
def local_cloud() -> Iterator[dict[str, str]]:
    """`python -m ci local up` in the background, until its URLs are printed; stopped afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ci", "local", "up"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or []], daemon=True).start()
    printed: dict[str, str] = {}
    started = time.monotonic()
    try:
        while {"API_URL", "DYNAMODB_ENDPOINT", "TABLE_NAME"} - printed.keys():
            if process.poll() is not None or time.monotonic() - started > 900:
                raise SystemExit("local cloud did not come up")
            try:
                name, _, value = lines.get(timeout=1).strip().partition("=")
            except queue.Empty:
                continue
            printed[name] = value
        print(f"local cloud up in {time.monotonic() - started:.1f}s")
        yield printed
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def create_item(connection: http.client.HTTPConnection) -> str:
    """POST one item through the data plane; its path, for the GETs the benchmarks time."""
    body = json.dumps({"name": "benchmark item"})
    connection.request("POST", "/items", body=body, headers={"Content-Type": "application/json"})
    created = connection.getresponse()
    item = json.loads(created.read())
    if created.status != 201:
        raise SystemExit(f"could not create the benchmark item: {created.status} {item}")
    return f"/items/{item['id']}"


def run(
    api_url: str, endpoint_url: str, table: str, max_requests: int, max_seconds: float, rounds: int
) -> float:
    parts = urlsplit(api_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    path = create_item(connection)

    def through_data_plane() -> None:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"GET {path} answered {response.status}")

    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )

    def raw_get_item() -> None:
        if "Item" not in dynamodb.get_item(TableName=table, Key={"id": {"S": path.rsplit("/", 1)[-1]}}):
            raise SystemExit("get_item found no item")

    for _ in range(20):  # warm both paths: worker, connections, botocore's loaders
        through_data_plane()
        raw_get_item()
    plane_rates, raw_rates = [], []
    for _ in range(rounds):
        plane_rates.append(requests_per_second(through_data_plane, max_requests, max_seconds))
        raw_rates.append(requests_per_second(raw_get_item, max_requests, max_seconds))
    plane, raw = max(plane_rates), max(raw_rates)
    ratio = plane / raw

    def rounds_text(rates: list[float]) -> str:
        return ", ".join(f"{rate:.0f}" for rate in rates)

    print(f"data plane GET /items/{{id}}: {plane:8.1f} req/s  (rounds: {rounds_text(plane_rates)})")
    print(f"boto3 get_item (raw):        {raw:8.1f} req/s  (rounds: {rounds_text(raw_rates)})")
    print(f"ratio data plane / raw: {ratio:.2f} (goal >= {GOAL})")
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--api-url", help="data plane base URL (default: start `ci local up`)")
    parser.add_argument("--endpoint-url", help="emulator URL (with --api-url)")
    parser.add_argument("--table", default="items-service-local-items")
    parser.add_argument("--requests", type=int, default=300, help="requests per round and side")
    parser.add_argument("--seconds", type=float, default=5.0, help="time cap per round and side")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--check", action="store_true", help=f"exit 1 when the ratio is below {GOAL}")
    args = parser.parse_args()
    if args.api_url:
        if not args.endpoint_url:
            parser.error("--endpoint-url is needed with --api-url")
        ratio = run(args.api_url, args.endpoint_url, args.table, args.requests, args.seconds, args.rounds)
    else:
        with local_cloud() as printed:
            ratio = run(
                printed["API_URL"],
                printed["DYNAMODB_ENDPOINT"],
                printed["TABLE_NAME"],
                args.requests,
                args.seconds,
                args.rounds,
            )
    return 1 if args.check and ratio < GOAL else 0


if __name__ == "__main__":
    sys.exit(main())
