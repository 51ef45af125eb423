"""`python -m ci rehearse [--env dev] [--keep]`: the deployment rehearsal (docs/REHEARSAL.md)."""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from ci.common.paths import REPO_ROOT
from ci.common.terraform_cli import ProviderMirrorError
from ci.local.emulator import EmulatorError
from ci.rehearsal import report
from ci.rehearsal.phases import (
    Rehearsal,
    RehearsalFailedError,
    RehearsalState,
    start_emulator,
)
from ci.rehearsal.policies import POLICY_DIR
from ci.rehearsal.workspace import prepare

DEFAULT_WORK_DIR = REPO_ROOT / "build" / "rehearsal"
REPORTS_DIR = REPO_ROOT / "build" / "reports"
# The throw-away environment on the S3 backend. staging and prod share its composition and roles, but keep
# their data on destroy (phase 5 must destroy) and allow other origins than the smoke suite's offline one.
REHEARSED_ENVIRONMENTS = ("dev",)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ci rehearse",
        description="Rehearse the real-AWS path (bootstrap, global, an environment on the S3 backend, with "
        "the OIDC roles) against an emulator that enforces IAM.",
    )
    parser.add_argument("--env", choices=REHEARSED_ENVIRONMENTS, default="dev")
    parser.add_argument("--keep", action="store_true", help="keep build/rehearsal/ (state, logs) afterwards")
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        metavar="ROLE=ACTION",
        help="what-if: remove ACTION from ROLE's policy (e.g. infrastructure=lambda:CreateFunction)",
    )
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK_DIR, help=argparse.SUPPRESS)
    parser.add_argument("--policy-dir", type=Path, default=POLICY_DIR, help=argparse.SUPPRESS)
    parser.add_argument("--reports-dir", type=Path, default=REPORTS_DIR, help=argparse.SUPPRESS)
    return parser


def _without(values: list[str]) -> dict[str, tuple[str, ...]]:
    removed: dict[str, tuple[str, ...]] = {}
    for value in values:
        role, sep, action = value.partition("=")
        if not sep or not action:
            raise SystemExit(f"error: --without {value!r}: expected ROLE=ACTION")
        removed[role] = (*removed.get(role, ()), action)
    return removed


def rehearse(args: argparse.Namespace, out: TextIO) -> int:
    started = time.monotonic()
    workspace = prepare(args.work_dir, without_actions=_without(args.without))
    emulator = start_emulator(workspace.root)
    rehearsal = Rehearsal(
        RehearsalState(
            env=args.env,
            workspace=workspace,
            endpoint=emulator.endpoint_url,
            decisions_path=workspace.logs / "iam-decisions.jsonl",
        ),
        out,
    )
    failure: str | None = None
    account_id = "000000000000"
    try:
        rehearsal.create_administrator()
        account_id = rehearsal._client("sts", rehearsal.admin).get_caller_identity()["Account"]
        rehearsal.phase(1, "bootstrap (administrator)", rehearsal.bootstrap)
        rehearsal.phase(2, "global (administrator; OIDC exchange for infrastructure)", rehearsal.global_stack)
        rehearsal.phase(3, f"{args.env} on the S3 backend with the OIDC roles", rehearsal.environment)
        rehearsal.phase(4, "state object and lock", rehearsal.state_and_lock)
        rehearsal.phase(5, "destroy, verify, re-apply, no changes", rehearsal.destroy_and_redeploy)
    except RehearsalFailedError as error:
        failure = str(error)
    finally:
        emulator.stop()
    # "Granted" is read from the real (unwidened) policies: what an account would get.
    built = report.build(rehearsal.state, rehearsal.results, args.policy_dir, account_id)
    as_json, as_markdown = report.write(built, args.reports_dir)
    # A failed rehearsal keeps its workspace: the failing command's full log, the emulator's log and the
    # IAM decisions are what explain it.
    if not args.keep and failure is None:
        shutil.rmtree(workspace.root, ignore_errors=True)
    print(f"report: {as_markdown} (+ {as_json.name}); {time.monotonic() - started:.0f} s", file=out)
    if failure is not None:
        print(f"kept for inspection: {workspace.root} (logs/, state)", file=out)
        print(f"rehearsal FAILED in phase {len(rehearsal.results)}: {failure}", file=out)
        return 1
    line = report.summary_line(built)
    print(line, file=out)
    return 0 if all(not role["denied"] for role in built["roles"].values()) else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return rehearse(args, sys.stdout)
    except (EmulatorError, ProviderMirrorError) as error:
        print(f"error: the rehearsal could not start: {error}", file=sys.stderr)
        return 1
