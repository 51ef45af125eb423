"""Audit every locked dependency (uv.lock) against the PyPI advisory database with pip-audit.

    python -m ci.steps.dependency_audit --output build/reports/pip-audit.json

pip-audit needs PyPI's JSON API. When it cannot be reached, or answers for none of the packages, nothing
was audited: the step says so in one line, writes a report saying so, and exits ``INCOMPLETE_EXIT_CODE``,
which makes the stage *incomplete* (shown as such everywhere, a failure under `--strict`) rather than green.
A vulnerable dependency exits 1 and fails the stage. The count of packages really audited is printed as a
``note:`` line, which the pipeline keeps with the result and shows in summary.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PYPI_PROBE_URL = "https://pypi.org/simple/pip/"
PROBE_TIMEOUT_SECONDS = 10
# "Could not do its job" (ci/spec.py Command.incomplete_exit_code); pip-audit itself uses 0 and 1.
INCOMPLETE_EXIT_CODE = 3


def pypi_unreachable_reason(url: str = PYPI_PROBE_URL) -> str | None:
    """None when PyPI answers; otherwise why not."""
    request = urllib.request.Request(url, method="HEAD")  # noqa: S310 - fixed https URL
    try:
        with urllib.request.urlopen(request, timeout=PROBE_TIMEOUT_SECONDS):  # noqa: S310
            return None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        return f"{url} did not answer ({error})"


def locked_requirements(uv: str) -> str:
    result = subprocess.run(  # noqa: S603 - fixed argv
        [uv, "export", "--frozen", "--no-emit-project", "--no-header", "--all-groups"],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ci.steps.dependency_audit", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--uv", default=shutil.which("uv") or "uv")
    args = parser.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    reason = pypi_unreachable_reason(PYPI_PROBE_URL)
    if reason is not None:
        message = f"pip-audit NOT RUN: PyPI is unreachable, 0 dependencies audited: {reason}"
        args.output.write_text(json.dumps({"skipped": True, "reason": message}, indent=2) + "\n")
        print(f"note: {message}")
        return INCOMPLETE_EXIT_CODE
    requirements = args.output.with_name("requirements-audited.txt")
    requirements.write_text(locked_requirements(args.uv))
    # --require-hashes + --disable-pip: audit exactly the locked, hashed closure without resolving it again.
    audit = subprocess.run(  # noqa: S603 - fixed argv, pip-audit from the stage's tool environment
        [  # noqa: S607
            "pip-audit",
            "--requirement",
            str(requirements),
            "--require-hashes",
            "--disable-pip",
            "--progress-spinner",
            "off",
            "--format",
            "json",
            "--output",
            str(args.output),
        ],
        check=False,
    )
    report = json.loads(args.output.read_text()) if args.output.is_file() else {}
    print(f"note: {describe_coverage(report)}")
    print(f"pip-audit exited {audit.returncode}; report {args.output}")
    if audit.returncode == 0 and audited_count(report) == 0:
        return INCOMPLETE_EXIT_CODE
    return audit.returncode


def audited_count(report: dict[str, Any]) -> int:
    return sum(1 for dependency in report.get("dependencies", []) if "skip_reason" not in dependency)


def describe_coverage(report: dict[str, Any]) -> str:
    """Say how much was really audited: a package PyPI has no record of is skipped, not declared safe."""
    dependencies = report.get("dependencies", [])
    skipped = [dependency["name"] for dependency in dependencies if "skip_reason" in dependency]
    audited = audited_count(report)
    vulnerable = sum(1 for dependency in dependencies if dependency.get("vulns"))
    line = f"pip-audit: audited {audited} of {len(dependencies)} locked packages, {vulnerable} vulnerable"
    if skipped:
        line += (
            f"; NOT audited (the index has no PyPI advisory record for these versions): {len(skipped)}"
            f" ({', '.join(skipped[:8])}{', ...' if len(skipped) > 8 else ''})"
        )
    return line


if __name__ == "__main__":
    sys.exit(main())
