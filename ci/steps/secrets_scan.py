"""Secrets scan (detect-secrets) of the source tree, failing on any finding not audited in the baseline.

    python -m ci.steps.secrets_scan --output build/reports/secrets.json

The baseline (ci/secrets.baseline) lists audited false positives, e.g. the emulator's fake credential
"testing" or a dash-less UUID in a test. A finding matches it by the secret's hash alone: a value audited
as "not a secret" is not one wherever it appears, and moving a line or a file does not re-open it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SCANNED = ("functions", "data", "ci", "infrastructure", "tests", ".github", "Makefile", "pyproject.toml")
# Git-ignored build products (Terraform state and plans, caches) are not source and never committed.
EXCLUDED_FILES = r"(__pycache__/|\.terraform/|\.tfstate|tfplan|\.pyc$|\.lock$|ci/secrets\.baseline$)"
BASELINE = Path("ci/secrets.baseline")


def scan(paths: Sequence[str]) -> dict[str, Any]:
    existing = [path for path in paths if Path(path).exists()]
    result = subprocess.run(  # noqa: S603 - fixed argv, detect-secrets from the stage's tool environment
        ["detect-secrets", "scan", "--all-files", "--exclude-files", EXCLUDED_FILES, *existing],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    scanned: dict[str, Any] = json.loads(result.stdout)
    return scanned


def unaudited(findings: dict[str, Any], baseline: dict[str, Any]) -> list[dict[str, Any]]:
    """Findings whose secret hash the baseline does not mark as a false positive."""
    allowed = {
        secret["hashed_secret"]
        for secrets in baseline.get("results", {}).values()
        for secret in secrets
        if secret.get("is_secret") is False
    }
    return [
        {**secret, "filename": filename}
        for filename, secrets in findings.get("results", {}).items()
        for secret in secrets
        if secret["hashed_secret"] not in allowed
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ci.steps.secrets_scan", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--baseline", type=Path, default=BASELINE)
    args = parser.parse_args(argv)
    findings = scan(SCANNED)
    baseline = json.loads(args.baseline.read_text()) if args.baseline.is_file() else {}
    new = unaudited(findings, baseline)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"unaudited": new, "scan": findings}, indent=2) + "\n")
    for secret in new:
        print(f"{secret['filename']}:{secret['line_number']}: possible secret ({secret['type']})")
    print(f"detect-secrets: {len(new)} unaudited finding(s); report {args.output}")
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
