"""Progress display: a live rich view on a terminal, one plain line per event in CI and logs."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from ci.runner import ProgressListener
from ci.spec import StageResult, StageSpec

STATUS_COLOURS = {"passed": "green", "incomplete": "yellow", "failed": "red", "skipped": "yellow"}


def describe(result: StageResult) -> str:
    cached = ", cached" if result.cached else ""
    if result.status == "skipped":
        return f"[{result.name}] skipped: {result.message}"
    notes = "".join(f"\n[{result.name}]   note: {note}" for note in result.notes)
    if result.status == "passed":
        return f"[{result.name}] passed in {result.duration_seconds:.1f}s{cached}{notes}"
    if result.status == "incomplete":
        return f"[{result.name}] INCOMPLETE in {result.duration_seconds:.1f}s: {result.message}{notes}"
    culprit = f": `{result.failed_command}` exited {result.exit_code}" if result.failed_command else ""
    extra = f" ({result.message})" if result.message else ""
    return f"[{result.name}] FAILED in {result.duration_seconds:.1f}s{culprit}{extra}{notes}"


class PlainProgress:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def stage_started(self, spec: StageSpec) -> None:
        print(f"[{spec.name}] started: {spec.description}", file=self.stream, flush=True)

    def stage_finished(self, result: StageResult) -> None:
        print(describe(result), file=self.stream, flush=True)


class RichProgress:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def stage_started(self, spec: StageSpec) -> None:
        self.tasks[spec.name] = self.progress.add_task(
            f"[bold]{escape(spec.name)}[/] {escape(spec.description)}", total=1
        )

    def stage_finished(self, result: StageResult) -> None:
        colour = {"passed": "green", "incomplete": "yellow", "failed": "red", "skipped": "yellow"}[
            result.status
        ]
        # escape: "[lint] passed" would otherwise be read as a (unknown) rich markup tag and vanish
        line = f"[{colour}]{escape(describe(result))}[/]"
        task = self.tasks.get(result.name)
        if task is None:  # skipped stages never started
            self.progress.console.print(line)
            return
        self.progress.update(task, description=line, completed=1)


def wants_live_display(stream: TextIO, environ: Mapping[str, str]) -> bool:
    return stream.isatty() and not environ.get("CI")


@contextmanager
def progress_display(environ: Mapping[str, str], stream: TextIO = sys.stdout) -> Iterator[ProgressListener]:
    if not wants_live_display(stream, environ):
        yield PlainProgress(stream)
        return
    columns = (SpinnerColumn(finished_text="•"), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=Console(file=stream)) as progress:
        yield RichProgress(progress)
