"""Cold-start benchmark: importing the Lambda handler vs `import boto3; boto3.client('dynamodb')`.

Each figure is the best of 7 fresh interpreter processes (the minimum is the least noisy estimate of the
cost itself), measured inside the child around the statement only, so interpreter start-up is excluded
from both. The goal is handler import <= 1.25 x the baseline; the script exits 1 above it.

    .venv/bin/python tests/benchmarks/bench_cold_start.py [--runs 7] [--goal 1.25]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = REPO_ROOT / "functions"

HANDLER_IMPORT = "import api_handler.handler"
BASELINE = "import boto3; boto3.client('dynamodb')"

# The environment the function runs with (tracing off, as in the local cloud), plus fake credentials so
# the baseline's client creation does not look for real ones.
CHILD_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "PYTHONPATH": str(FUNCTIONS_DIR),
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "POWERTOOLS_SERVICE_NAME": "items-api",
    "POWERTOOLS_METRICS_NAMESPACE": "ItemsService",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "ITEMS_TABLE_NAME": "items-service-local-items",
    "IDEMPOTENCY_TABLE_NAME": "items-service-local-idempotency",
    "ENVIRONMENT": "local",
}

TIMER = "import time; _t = time.perf_counter(); {statement}; print(time.perf_counter() - _t)"


def time_in_fresh_process(statement: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", TIMER.format(statement=statement)],
        env=CHILD_ENV,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return float(done.stdout.strip().splitlines()[-1])


def best_of(statement: str, runs: int) -> float:
    return min(time_in_fresh_process(statement) for _ in range(runs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per measurement (best is kept)")
    parser.add_argument("--goal", type=float, default=1.25, help="highest acceptable ratio")
    args = parser.parse_args(argv)

    baseline = best_of(BASELINE, args.runs)
    handler = best_of(HANDLER_IMPORT, args.runs)
    ratio = handler / baseline
    print(f"baseline  {BASELINE!r}: {baseline * 1000:.1f} ms (best of {args.runs})")
    print(f"handler   {HANDLER_IMPORT!r}: {handler * 1000:.1f} ms (best of {args.runs})")
    print(f"ratio     {ratio:.2f} (goal <= {args.goal})")
    if ratio > args.goal:
        print("FAIL: the handler import costs more than the goal allows", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
