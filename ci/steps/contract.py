"""Contract tests: schemathesis against the deployed API, judged by the committed OpenAPI document.

    python -m ci.steps.contract --outputs build/terraform/local/outputs.json \
        --junitxml build/reports/contract-junit.xml

Every check (`--checks all`) in every phase (examples, coverage, fuzzing, stateful), bounded by
``--max-time`` and a fixed ``--seed`` so a failure reproduces. One check is left out: `unsupported_method`
expects 405 for a method an operation does not declare, while API Gateway (REST) answers 403
MISSING_AUTHENTICATION_TOKEN, which the OpenAPI document lists. The per-operation settings
(tests/contract/schemathesis.toml) and hooks (tests/contract/hooks.py) say what a generic check cannot
know. Each failure is printed as a ``note:`` line, so summary.md lists them.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.etree import ElementTree  # parses the report schemathesis just wrote

from ci.steps.smoke import api_url

OPENAPI = Path("data/openapi.json")
CONFIG = Path("tests/contract/schemathesis.toml")
HOOKS = Path("tests/contract/hooks.py")
EXCLUDED_CHECKS = ("unsupported_method",)
# Long enough for every phase to run (about 3000 cases against the local cloud), short enough for the inner
# loop's budget; CI on a real environment, or a curious developer, sets CONTRACT_MAX_TIME for a longer run.
DEFAULT_MAX_TIME_SECONDS = 30
MAX_TIME_ENV_VAR = "CONTRACT_MAX_TIME"
DEFAULT_MAX_EXAMPLES = 25
DEFAULT_SEED = 20261202
GENERATED = re.compile(r"(\d+) generated")


def schemathesis_cli() -> str:
    """`st` of the interpreter running this step (its tool environment), else whatever PATH has."""
    beside = Path(sys.executable).parent / "st"
    return str(beside) if beside.is_file() else "st"


def schemathesis_argv(
    url: str, junit: Path, max_time: int, max_examples: int, seed: int, config: Path = CONFIG
) -> list[str]:
    return [
        schemathesis_cli(),
        "--config-file",
        str(config),
        "run",
        str(OPENAPI),
        "--url",
        url,
        "--checks",
        "all",
        "--exclude-checks",
        ",".join(EXCLUDED_CHECKS),
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-time",
        str(max_time),
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        # One worker: with two, a run on CPython 3.11.7 failed inside hypothesis (which describes lambdas
        # with the ast module) with "AST constructor recursion depth mismatch"; with one it does not.
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(junit),
    ]


def resolve_max_time(given: int | None, environ: Mapping[str, str]) -> int:
    """--max-time if given, else $CONTRACT_MAX_TIME, else the default; at least one second."""
    configured = environ.get(MAX_TIME_ENV_VAR, "")
    if given is None and configured and not configured.isdigit():
        raise ValueError(f"{MAX_TIME_ENV_VAR}={configured!r} is not a whole number of seconds")
    seconds = given if given is not None else int(configured or DEFAULT_MAX_TIME_SECONDS)
    if seconds < 1:
        raise ValueError(f"the contract run needs at least 1 second, not {seconds}")
    return seconds


def guarded_config(directory: Path) -> Path:
    """The committed config plus an Authorization header that schemathesis fills in from $API_TOKEN.

    The token itself stays in the environment: on a command line (`--header`) any process of the runner
    could read it from /proc/<pid>/cmdline.
    """
    config = directory / CONFIG.name
    # A top-level key must come before the first table, so the header goes first.
    config.write_text('headers = { Authorization = "Bearer ${API_TOKEN}" }\n\n' + CONFIG.read_text())
    return config


def failures_in(junit: Path) -> tuple[int, list[str]]:
    """(test cases, one line per failed or errored case) of a JUnit report."""
    # The report schemathesis wrote a moment ago in this run, not outside input.
    root = ElementTree.parse(junit).getroot()  # noqa: S314  # nosec B314
    cases = list(root.iter("testcase"))
    failed = []
    for case in cases:
        for problem in (*case.findall("failure"), *case.findall("error")):
            first_line = (problem.get("message") or problem.text or "").strip().splitlines()[:1]
            failed.append(f"{case.get('name')}: {first_line[0] if first_line else problem.tag}")
    return len(cases), failed


def run_schemathesis(command: list[str]) -> tuple[int, str]:
    """Exit code and the number of generated cases it printed (its output is streamed as it comes)."""
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)}
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    generated = "?"
    assert process.stdout is not None  # noqa: S101 - stdout=PIPE above
    for line in process.stdout:
        print(line, end="", flush=True)
        found = GENERATED.search(line)
        generated = found.group(1) if found else generated
    return process.wait(), generated


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ci.steps.contract", description=__doc__.split("\n")[0])
    parser.add_argument("--outputs", type=Path, required=True)
    parser.add_argument("--junitxml", type=Path, required=True)
    parser.add_argument(
        "--max-time",
        type=int,
        default=None,
        help=f"seconds of generation (default ${MAX_TIME_ENV_VAR}, else {DEFAULT_MAX_TIME_SECONDS})",
    )
    parser.add_argument("--max-examples", type=int, default=DEFAULT_MAX_EXAMPLES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    try:
        args.max_time = resolve_max_time(args.max_time, os.environ)
    except ValueError as error:
        parser.error(str(error))
    url = api_url(os.environ, args.outputs)
    if url is None:
        print(
            f"no API URL: set API_URL or run apply so {args.outputs} has the api_url output", file=sys.stderr
        )
        return 1
    args.junitxml.parent.mkdir(parents=True, exist_ok=True)
    print(f"contract: {url} against {OPENAPI} (seed {args.seed}, at most {args.max_time}s)", flush=True)
    with tempfile.TemporaryDirectory(prefix="contract-") as scratch:
        # An API guarded by the JWT authorizer: every generated request carries the token (API_TOKEN).
        config = guarded_config(Path(scratch)) if os.environ.get("API_TOKEN") else CONFIG
        command = schemathesis_argv(url, args.junitxml, args.max_time, args.max_examples, args.seed, config)
        code, generated = run_schemathesis(command)
    if not args.junitxml.is_file():
        print(f"contract: schemathesis exited {code} without a report", file=sys.stderr)
        return code or 1
    cases, failed = failures_in(args.junitxml)
    print(
        f"note: contract: {generated} generated cases over {cases} operations and scenarios, "
        f"{len(failed)} failed (seed {args.seed})"
    )
    for line in failed:
        print(f"note: contract failure: {line}")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
