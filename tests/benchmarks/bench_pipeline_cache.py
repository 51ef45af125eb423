"""Benchmark: a warm, no-change re-run of `lint sast iac-scan package` against a cold run (goal <= 0.10).

    .venv/bin/python tests/benchmarks/bench_pipeline_cache.py [--rounds N]

Cold = the stage cache is cleared first (`python -m ci cache clear`); the tools' own caches (.mypy_cache,
the uv wheel cache) stay as a developer has them. Warm = the same command again with nothing changed, so
every stage is a content-hash hit and its outputs are restored.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
STAGES = ("lint", "sast", "iac-scan", "package")
GOAL = 0.10


def timed_run(*args: str) -> float:
    env = {**os.environ, "CI": "true"}
    env.pop("GITHUB_STEP_SUMMARY", None)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "ci", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"`python -m ci {' '.join(args)}` failed:\n{result.stdout}\n{result.stderr}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=1, help="cold/warm pairs to measure")
    args = parser.parse_args()
    run_args = ("run", *STAGES, "--executor", "host")
    colds, warms = [], []
    for _ in range(args.rounds):
        timed_run("cache", "clear")
        colds.append(timed_run(*run_args))
        warms.append(timed_run(*run_args))
    cold, warm = statistics.median(colds), statistics.median(warms)
    ratio = warm / cold
    print(f"stages: {' '.join(STAGES)} (host executor, {os.cpu_count()} CPUs, {args.rounds} round(s))")
    print(f"cold run (stage cache cleared): {cold:.2f}s")
    print(f"warm no-change re-run:          {warm:.2f}s")
    print(f"warm / cold = {ratio:.3f} (goal <= {GOAL:.2f}) -> {'met' if ratio <= GOAL else 'NOT met'}")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
