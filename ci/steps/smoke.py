"""Run the smoke suite (tests/smoke) against an environment's API.

    python -m ci.steps.smoke --outputs build/terraform/dev/outputs.json \
        --junitxml build/reports/smoke-junit.xml

API_URL from the environment wins (the local cloud's data plane sets it); otherwise the `api_url` output
Terraform recorded for the env is used.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from ci.common.stack_outputs import read_stack_outputs


def api_url(environ: Mapping[str, str], outputs_path: Path) -> str | None:
    if environ.get("API_URL"):
        return environ["API_URL"]
    if outputs_path.is_file():
        value = read_stack_outputs(outputs_path).get("api_url")
        return str(value) if value else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ci.steps.smoke", description=__doc__.split("\n")[0])
    parser.add_argument("--outputs", type=Path, required=True)
    parser.add_argument("--junitxml", type=Path, required=True)
    args = parser.parse_args(argv)
    url = api_url(os.environ, args.outputs)
    if url is None:
        print(
            f"no API URL: set API_URL (e.g. the GitHub environment variable) or run apply so {args.outputs} "
            "has the api_url output",
            file=sys.stderr,
        )
        return 1
    print(f"smoke: API_URL={url}", flush=True)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "tests/smoke",
        "-p",
        "no:cacheprovider",
        f"--junitxml={args.junitxml}",
    ]
    env = {**os.environ, "API_URL": url, "TERRAFORM_OUTPUTS": str(args.outputs)}
    return subprocess.run(command, env=env, check=False).returncode  # noqa: S603 - fixed argv


if __name__ == "__main__":
    raise SystemExit(main())
