"""Executor selection: auto picks Dagger inside `dagger run` or when an engine answers, and says why."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from ci.selection import choose_executor, container_engine_answers


def _no_engine(environ: Mapping[str, str]) -> str | None:
    return None


def _engine(environ: Mapping[str, str]) -> str | None:
    return "a Docker daemon answers (server 28.2.2)"


def test_inside_dagger_run_auto_picks_dagger() -> None:
    choice = choose_executor("auto", {"DAGGER_SESSION_PORT": "41234"}, _no_engine)
    assert choice.name == "dagger"
    assert "dagger run" in choice.reason


def test_auto_picks_dagger_when_an_engine_answers() -> None:
    choice = choose_executor("auto", {}, _engine)
    assert (choice.name, "Docker daemon" in choice.reason) == ("dagger", True)


def test_auto_falls_back_to_host_and_explains() -> None:
    choice = choose_executor("auto", {}, _no_engine)
    assert choice.name == "host"
    assert "no container engine" in choice.reason


def test_explicit_choice_wins_over_detection() -> None:
    assert choose_executor("host", {"DAGGER_SESSION_PORT": "1"}, _engine).name == "host"
    assert choose_executor("dagger", {}, _no_engine).name == "dagger"


def test_probe_on_this_machine_finds_no_engine_without_a_docker_daemon() -> None:
    # No docker CLI on PATH (or, on this machine, a CLI without a daemon): no engine; a runner host: engine.
    assert container_engine_answers({"PATH": "/nonexistent"}) is None
    assert container_engine_answers({"_EXPERIMENTAL_DAGGER_RUNNER_HOST": "tcp://engine:1234"}) is not None


def _fake_cli(directory: Path, name: str, exit_code: int) -> None:
    script = directory / name
    script.write_text(f'#!/bin/sh\n[ "$1" = version ] && exit {exit_code}\nexit 3\n')
    script.chmod(0o755)


def test_probe_finds_podman_when_docker_has_no_daemon(tmp_path: Path) -> None:
    _fake_cli(tmp_path, "docker", 1)  # a docker CLI whose daemon does not answer
    _fake_cli(tmp_path, "podman", 0)
    answer = container_engine_answers({"PATH": str(tmp_path)})
    assert answer is not None
    assert answer.startswith("podman answers")


@pytest.mark.parametrize("runtime", ["docker", "nerdctl", "finch"])
def test_probe_accepts_every_runtime_dagger_can_start_its_engine_in(tmp_path: Path, runtime: str) -> None:
    _fake_cli(tmp_path, runtime, 0)
    answer = container_engine_answers({"PATH": str(tmp_path)})
    assert answer == f"{runtime} answers (`{runtime} version` exited 0)"


def test_probe_reports_nothing_when_no_runtime_answers(tmp_path: Path) -> None:
    for runtime in ("docker", "podman", "nerdctl", "finch"):
        _fake_cli(tmp_path, runtime, 1)
    assert container_engine_answers({"PATH": str(tmp_path)}) is None
