"""`python -m ci`: run the pipeline, show its DAG, clear its cache, drive the local cloud, roll back."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Sequence

from ci.cache import StageCache
from ci.common.paths import REPO_ROOT
from ci.dag import PipelineDefinitionError, render, select
from ci.executors.base import ExecutorUnavailableError
from ci.local.emulator import EmulatorError
from ci.pipeline import RunOptions, RunOutcome, run_pipeline
from ci.stages import ENVIRONMENTS, build_stages


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ci", description="The items-service pipeline.")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run stages (all when none are named)")
    run.add_argument("stages", nargs="*", metavar="STAGE", help="stages to run; see `python -m ci list`")
    run.add_argument(
        "--env", choices=ENVIRONMENTS, default="local", help="target environment (default local)"
    )
    run.add_argument(
        "--executor",
        choices=("auto", "host", "dagger"),
        default="auto",
        help="auto: Dagger inside `dagger run` or when an engine answers, else the host",
    )
    run.add_argument(
        "--no-cache", action="store_true", help="run every stage even if its inputs are unchanged"
    )
    run.add_argument(
        "--strict",
        action="store_true",
        help="fail the run when a stage is incomplete (e.g. no dependency could be audited)",
    )
    run.add_argument(
        "--explain",
        action="store_true",
        help="print each stage's Dagger container plan (image, mounts, caches, inputs) and run nothing",
    )
    run.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 2, help="stages run at once (default: CPU count)"
    )

    show = commands.add_parser("list", help="show the stages and their DAG")
    show.add_argument("--env", choices=ENVIRONMENTS, default="local")

    cache = commands.add_parser("cache", help="manage the host executor's stage cache")
    cache.add_argument("action", choices=("clear",))

    commands.add_parser("local", help="the local cloud (`python -m ci local --help`)", add_help=False)
    commands.add_parser(
        "rehearse",
        help="rehearse the real-AWS deployment path against an IAM-enforcing emulator",
        add_help=False,
    )
    commands.add_parser(
        "rollback",
        help="point alias live back to the previous (or a given) version and record the event",
        add_help=False,
    )
    return parser


def _print_failures(outcome: RunOutcome) -> None:
    for result in outcome.results:
        if result.status not in ("failed", "incomplete"):
            continue
        print(f"\n✗ stage {result.name} {result.status}", file=sys.stderr)
        if result.failed_command:
            print(f"  command: {result.failed_command} (exit {result.exit_code})", file=sys.stderr)
        if result.message:
            print(f"  {result.message}", file=sys.stderr)
        if result.output_tail:
            print("  last lines of its output:", file=sys.stderr)
            print("\n".join(f"    {line}" for line in result.output_tail.splitlines()), file=sys.stderr)
        if result.log_path:
            print(f"  full log: {result.log_path}", file=sys.stderr)


def _explain(args: argparse.Namespace) -> int:
    if args.executor == "host":
        print(
            "error: --explain describes the Dagger executor's containers; drop --executor host",
            file=sys.stderr,
        )
        return 2
    from ci.executors.dagger_explain import explain  # noqa: PLC0415 - imports the Dagger SDK, only when asked

    specs = list(build_stages(args.env))
    print(explain(select(specs, args.stages), specs, reuse=not args.no_cache), end="")
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.explain:
        return _explain(args)
    options = RunOptions(
        stages=args.stages,
        env=args.env,
        executor=args.executor,
        use_cache=not args.no_cache,
        max_parallel=args.jobs,
        strict=args.strict,
    )
    # SIGTERM (`timeout`, a process manager, an editor's stop button) ends the run as Ctrl-C does: every
    # running stage gets SIGTERM and its grace, an ephemeral local cloud is stopped, nothing is left running.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        outcome = run_pipeline(options, os.environ, sys.stdout)
    except KeyboardInterrupt:
        print("\ninterrupted: the running stages were stopped (their results are not kept)", file=sys.stderr)
        return 130
    except ExecutorUnavailableError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except EmulatorError as error:
        print(f"error: the local cloud could not start: {error}", file=sys.stderr)
        return 1
    _print_failures(outcome)
    passed = sum(result.complete for result in outcome.results)
    incomplete = sum(result.status == "incomplete" for result in outcome.results)
    gaps = (
        f", {incomplete} INCOMPLETE{' (fails under --strict)' if not args.strict else ''}"
        if incomplete
        else ""
    )
    print(f"\n{passed}/{len(outcome.results)} stages passed{gaps}; summary: {outcome.summary_path}")
    return outcome.exit_code


_DELEGATED = {"local": "ci.local.cli", "rehearse": "ci.rehearsal.cli", "rollback": "ci.steps.rollback"}


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] and args_list[0] in _DELEGATED:
        # Each owns its own options and is imported only when used (the local cloud, the rehearsal).
        delegate = importlib.import_module(_DELEGATED[args_list[0]])
        return int(delegate.main(args_list[1:]))
    args = _parser().parse_args(args_list)
    try:
        if args.command == "list":
            print(render(build_stages(args.env)))
            return 0
        if args.command == "cache":
            cache = StageCache(REPO_ROOT)
            print(f"removed {cache.clear()} cached stage run(s) from {cache.directory}")
            return 0
        return _run(args)
    except PipelineDefinitionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
