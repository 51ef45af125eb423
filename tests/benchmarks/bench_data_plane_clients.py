"""Benchmark: local data plane GET throughput and latency with 1 client, then with 16, in the same run.

Goals (issue: safe, fast delivery): 16-client throughput ≥ 1-client throughput, and with 16 clients
p99 ≤ 4 x p50. Each client keeps one HTTP connection and sends GET /items/{id} back to back for a fixed time.

    .venv/bin/python -m tests.benchmarks.bench_data_plane_clients [--seconds 10] [--clients 16]
    .venv/bin/python -m tests.benchmarks.bench_data_plane_clients --api-url URL   # else it starts ci local up
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import threading
import time
from urllib.parse import urlsplit

from tests.benchmarks.bench_data_plane import create_item, local_cloud


def load(api_url: str, path: str, clients: int, seconds: float) -> tuple[float, list[float], int]:
    """Requests per second, every latency (s), and the count of non-200 answers."""
    parts = urlsplit(api_url)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def client() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        mine: list[float] = []
        failed = 0
        start.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - sent)
            failed += response.status != 200
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return len(latencies) / (time.perf_counter() - began), latencies, errors[0]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(api_url: str, clients: int, seconds: float) -> bool:
    parts = urlsplit(api_url)
    path = create_item(http.client.HTTPConnection(parts.hostname, parts.port, timeout=30))
    load(api_url, path, clients, 2.0)  # warm every worker the pool will start
    single, single_latencies, single_errors = load(api_url, path, 1, seconds)
    many, latencies, errors = load(api_url, path, clients, seconds)
    p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
    print(
        f"1 client:   {single:7.1f} GET/s  p50 {statistics.median(single_latencies) * 1000:6.1f} ms  "
        f"errors {single_errors}"
    )
    print(f"{clients} clients: {many:7.1f} GET/s  p50 {p50 * 1000:6.1f} ms  p99 {p99 * 1000:6.1f} ms", end="")
    print(f"  errors {errors}")
    throughput_ok, tail_ok = many >= single, p99 <= 4 * p50
    verdict = {True: "ok", False: "MISSED"}
    print(
        f"{clients}-client / 1-client throughput: {many / single:.2f} (goal >= 1) {verdict[throughput_ok]}; "
        f"p99/p50: {p99 / p50:.2f} (goal <= 4.00) {verdict[tail_ok]}"
    )
    return throughput_ok and tail_ok and not errors and not single_errors


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--api-url", help="a running data plane (default: start `ci local up`)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    if args.api_url:
        return 0 if report(args.api_url, args.clients, args.seconds) else 1
    with local_cloud() as printed:
        return 0 if report(printed["API_URL"], args.clients, args.seconds) else 1


if __name__ == "__main__":
    raise SystemExit(main())
