"""Benchmark: `python -m ci local up` from start to its `API_URL=` line; budget 30 s on 2 cores.

    .venv/bin/python -m tests.benchmarks.bench_local_up [--budget 30]

Starts the local cloud as a user would (emulator, data plane, package → plan → apply → deploy of env local),
times the moment it prints `API_URL=`, then stops it with SIGTERM (as Ctrl-C would) and waits for it to exit.
Run it twice: the first run also builds the package stage's uv cache.
"""

from __future__ import annotations

import argparse
import sys
import time

from tests.benchmarks.bench_data_plane import local_cloud

BUDGET_SECONDS = 30.0


def time_to_api_url() -> float:
    """Seconds until `ci local up` printed its URLs (bench_data_plane's launcher, which then stops it)."""
    started = time.perf_counter()
    with local_cloud():
        return time.perf_counter() - started


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
