"""Progress output: a live view on a terminal, plain lines naming each stage everywhere else."""

from __future__ import annotations

import io

from ci.progress import PlainProgress, RichProgress, progress_display, wants_live_display
from ci.spec import Command, StageResult, StageSpec

LINT = StageSpec(
    name="lint",
    description="ruff and mypy",
    tool="ruff",
    tool_version="1",
    image="i:1.0.0",
    commands=(Command(("ruff",)),),
)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_ci_and_pipes_get_plain_lines_terminals_get_the_live_view() -> None:
    assert not wants_live_display(io.StringIO(), {})
    assert not wants_live_display(Terminal(), {"CI": "true"})
    assert wants_live_display(Terminal(), {})


def test_plain_lines_name_the_stage_its_result_and_the_failing_command() -> None:
    stream = io.StringIO()
    with progress_display({"CI": "true"}, stream) as listener:
        assert isinstance(listener, PlainProgress)
        listener.stage_started(LINT)
        listener.stage_finished(StageResult("lint", "passed", 1.24, cached=True))
        listener.stage_finished(
            StageResult("sast", "failed", 3.0, failed_command="bandit -r ci", exit_code=1)
        )
        listener.stage_finished(
            StageResult("package", "skipped", message="not run because sast did not pass")
        )
    assert stream.getvalue().splitlines() == [
        "[lint] started: ruff and mypy",
        "[lint] passed in 1.2s, cached",
        "[sast] FAILED in 3.0s: `bandit -r ci` exited 1",
        "[package] skipped: not run because sast did not pass",
    ]


def test_terminal_view_shows_every_stage_name() -> None:
    stream = Terminal()
    with progress_display({}, stream) as listener:
        assert isinstance(listener, RichProgress)
        listener.stage_started(LINT)
        listener.stage_finished(StageResult("lint", "passed", 0.5))
        listener.stage_finished(
            StageResult("smoke", "skipped", message="not run because deploy did not pass")
        )
    assert "lint" in stream.getvalue()
    assert "smoke" in stream.getvalue()
