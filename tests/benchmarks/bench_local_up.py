"""Benchmark: `python -m ci local up` from start to its `API_URL=` line; budget 30 s on 2 cores.

    .venv/bin/python -m tests.benchmarks.bench_local_up [--budget 30]

Starts the local cloud as a user would (emulator, data plane, package → plan → apply → deploy of env local),
times the moment it prints `API_URL=`, then stops it with SIGTERM (as Ctrl-C would) and waits for it to exit.
Run it twice: the first run also builds the package stage's uv cache.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

from ci.common.paths import REPO_ROOT

BUDGET_SECONDS = 30.0


def time_to_api_url() -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "ci", "local", "up"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        for line in process.stdout or ():
            if line.startswith("API_URL="):
                return time.perf_counter() - started
        raise SystemExit(f"ci local up exited with {process.wait()} before printing API_URL=")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget", type=float, default=BUDGET_SECONDS)
    args = parser.parse_args()
    seconds = time_to_api_url()
    verdict = "within" if seconds <= args.budget else "OVER"
    print(f"ci local up -> API_URL= in {seconds:.1f} s ({verdict} the {args.budget:.0f} s budget)")
    return 0 if seconds <= args.budget else 1


if __name__ == "__main__":
    sys.exit(main())
