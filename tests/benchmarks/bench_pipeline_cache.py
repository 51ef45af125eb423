"""Benchmark: a warm, no-change re-run against a cold run, of `lint sast iac-scan package` (goal <= 0.10)
or, with --pipeline, of every stage against env local as `make pipeline` runs them (goals: cold <= 120 s,
warm <= 0.25 of cold).

    .venv/bin/python tests/benchmarks/bench_pipeline_cache.py [--pipeline] [--rounds N]

Cold = the stage cache is cleared first (`python -m ci cache clear`); the tools' own caches (.mypy_cache,
the uv wheel cache) stay as a developer has them. Warm = the same command again with nothing changed, so
every cacheable stage is a content-hash hit and its outputs are restored, and the cloud stages, which
passed against a fresh local cloud with the same inputs, are replayed without starting one
(ci/cloud_replay.py); sast's dependency audit runs every time (today's advisories are not an input).
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
PIPELINE_GOAL = 0.25
PIPELINE_COLD_GOAL_SECONDS = 120.0


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
    parser.add_argument("--pipeline", action="store_true", help="every stage, env local (make pipeline)")
    args = parser.parse_args()
    stages, goal = ((), PIPELINE_GOAL) if args.pipeline else (STAGES, GOAL)
    run_args = ("run", *stages, "--env", "local", "--executor", "host")
    colds, warms = [], []
    for _ in range(args.rounds):
        timed_run("cache", "clear")
        colds.append(timed_run(*run_args))
        warms.append(timed_run(*run_args))
    cold, warm = statistics.median(colds), statistics.median(warms)
    ratio = warm / cold
    met = ratio <= goal
    shown = " ".join(stages) or "every stage (make pipeline)"
    print(f"stages: {shown} (host executor, {os.cpu_count()} CPUs, {args.rounds} round(s))")
    print(f"cold run (stage cache cleared): {cold:.2f}s")
    if args.pipeline:
        cold_met = cold <= PIPELINE_COLD_GOAL_SECONDS
        print(f"cold goal <= {PIPELINE_COLD_GOAL_SECONDS:.0f}s -> {'met' if cold_met else 'NOT met'}")
        met = met and cold_met
    print(f"warm no-change re-run:          {warm:.2f}s")
    print(f"warm / cold = {ratio:.3f} (goal <= {goal:.2f}) -> {'met' if ratio <= goal else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
