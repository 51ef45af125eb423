"""Benchmark: build the API handler zip twice; it must be byte-identical and at most 5 MB.

    .venv/bin/python -m tests.benchmarks.bench_package

Both builds run the package stage's exact command (from ci/stages.py) for the dev target
(python3.13, arm64), into two different output files, a second apart.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from ci.common.paths import REPO_ROOT
from ci.stages import API_HANDLER_MAX_BYTES, build_stages


def build(output: Path) -> tuple[float, bytes]:
    package = next(spec for spec in build_stages("dev", environ={}) if spec.name == "package")
    argv = list(package.commands[0].argv)
    argv[argv.index("--output") + 1] = str(output)
    argv[0] = sys.executable  # `python` of the stage = this interpreter's environment
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    started = time.perf_counter()
    subprocess.run(argv, cwd=REPO_ROOT, check=True, capture_output=True, env=env)
    return time.perf_counter() - started, output.read_bytes()


def main() -> int:
    out_dir = REPO_ROOT / "build" / "bench-package"
    out_dir.mkdir(parents=True, exist_ok=True)
    first_seconds, first = build(out_dir / "first.zip")
    time.sleep(1.0)  # a later clock must not change the archive
    second_seconds, second = build(out_dir / "second.zip")
    identical = first == second
    size = len(first)
    entries = len(zipfile.ZipFile(out_dir / "first.zip").namelist())
    print(
        f"api_handler.zip (python3.13 arm64): {size} bytes ({size / 1024 / 1024:.2f} MiB), {entries} entries"
    )
    print(f"build times: {first_seconds:.2f}s, {second_seconds:.2f}s")
    print(f"sha256 first:  {hashlib.sha256(first).hexdigest()}")
    print(f"sha256 second: {hashlib.sha256(second).hexdigest()}")
    small_enough = size <= API_HANDLER_MAX_BYTES
    print(f"byte-identical: {'yes' if identical else 'NO'}; <= 5 MB: {'yes' if small_enough else 'NO'}")
    return 0 if identical and small_enough else 1


if __name__ == "__main__":
    raise SystemExit(main())
