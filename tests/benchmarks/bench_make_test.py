"""Benchmark: how long `make test` takes, on this machine, with the venv current (goal <= 240 s on 2 CPUs).

    .venv/bin/python tests/benchmarks/bench_make_test.py [--rehearsal]

Runs `make test` as a developer would (CI=true, so nothing waits on a terminal) and prints its wall time,
the pytest summary line and the goal. With --rehearsal it also times `make test-rehearsal`, which `.ci/run`
runs after `make test` and which has no budget of its own. Takes as long as the suite: run it on demand.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
GOAL_SECONDS = 240.0


def timed_make(target: str) -> tuple[float, str]:
    env = {**os.environ, "CI": "true"}
    env.pop("GITHUB_STEP_SUMMARY", None)
    started = time.perf_counter()
    result = subprocess.run(
        ["make", target], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"`make {target}` failed after {elapsed:.0f}s:\n{result.stdout[-4000:]}\n{result.stderr}")
    lines = [line.strip("= ") for line in result.stdout.splitlines() if " passed" in line and " in " in line]
    return elapsed, lines[-1] if lines else "(no pytest summary line)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rehearsal", action="store_true", help="time `make test-rehearsal` as well")
    args = parser.parse_args()
    subprocess.run(["make", "venv"], cwd=REPO_ROOT, capture_output=True, check=True)
    elapsed, summary = timed_make("test")
    met = elapsed <= GOAL_SECONDS
    print(f"make test: {elapsed:.1f}s on {os.cpu_count()} CPUs ({summary})")
    print(f"goal <= {GOAL_SECONDS:.0f}s -> {'met' if met else 'NOT met'}")
    if args.rehearsal:
        rehearsal, rehearsal_summary = timed_make("test-rehearsal")
        print(f"make test-rehearsal: {rehearsal:.1f}s ({rehearsal_summary}; no budget, CI runs it next)")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
