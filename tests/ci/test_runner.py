"""The DAG runner with the real host executor: concurrency, failures stopping dependants, cache hits."""

from __future__ import annotations

import json
from pathlib import Path
from types import MappingProxyType

import anyio
import pytest

from ci.cache import StageCache
from ci.dag import select
from ci.executors.host import HostExecutor
from ci.runner import run_stages
from ci.spec import Command, StageResult, StageSpec
from tests.processes import HAS_PROC, still_running


class Recorder:
    def __init__(self) -> None:
        self.events: list[str] = []

    def stage_started(self, spec: StageSpec) -> None:
        self.events.append(f"start {spec.name}")

    def stage_finished(self, result: StageResult) -> None:
        self.events.append(f"{result.status} {result.name}")


def python(code: str, **options: object) -> Command:
    return Command(("python", "-c", code), **options)  # type: ignore[arg-type]


def spec(name: str, *commands: Command, depends_on: tuple[str, ...] = (), **options: object) -> StageSpec:
    return StageSpec(
        name=name,
        description=name,
        tool="python",
        tool_version="3.11",
        image="python:3.11-slim@sha256:x",
        commands=commands,
        depends_on=depends_on,
        **options,  # type: ignore[arg-type]
    )


def run(
    root: Path, specs: list[StageSpec], parallel: int = 2, cache: bool = False
) -> tuple[list[StageResult], Recorder]:
    executor = HostExecutor(root, StageCache(root) if cache else None, root / "build" / "logs")
    recorder = Recorder()
    results = anyio.run(run_stages, select(specs, []), executor, recorder, {}, parallel)
    return results, recorder


# Each stage announces its start, then waits (up to the given seconds) until every stage of the pair has
# started, and writes whether it met the other: running together is then proven by a rendezvous rather
# than by timings, which a loaded machine could stretch past any fixed sleep.
RENDEZVOUS = """
import pathlib, sys, time
root, name, wait = pathlib.Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
(root / f"{name}.started").touch()
deadline = time.monotonic() + wait
def both_started():
    return all((root / f"{n}.started").exists() for n in ("a", "b"))
while not both_started() and time.monotonic() < deadline:
    time.sleep(0.02)
(root / f"{name}.met").write_text(str(both_started()))
"""


def rendezvous(name: str, root: Path, wait_seconds: float) -> StageSpec:
    return spec(name, Command(("python", "-c", RENDEZVOUS, str(root), name, str(wait_seconds))))


def met_the_other(root: Path) -> dict[str, bool]:
    return {name: (root / f"{name}.met").read_text() == "True" for name in ("a", "b")}


def test_independent_stages_run_at_the_same_time(tmp_path: Path) -> None:
    stages = [rendezvous("a", tmp_path, 60), rendezvous("b", tmp_path, 60)]
    results, _ = run(tmp_path, stages, parallel=2)
    assert [result.status for result in results] == ["passed", "passed"]
    assert met_the_other(tmp_path) == {"a": True, "b": True}


def test_concurrency_limit_is_respected(tmp_path: Path) -> None:
    # (the first stage waits its full second in vain: the second may only start once the first has ended)
    run(tmp_path, [rendezvous("a", tmp_path, 1), rendezvous("b", tmp_path, 1)], parallel=1)
    assert sorted(met_the_other(tmp_path).values()) == [False, True]


def test_failure_stops_dependants_and_names_the_command_with_its_output(tmp_path: Path) -> None:
    failing = spec("build", python("print('compiling'); print('error: boom'); raise SystemExit(3)"))
    dependant = spec("ship", python("open('shipped', 'w').close()"), depends_on=("build",))
    independent = spec("docs", python("print('fine')"))
    results, recorder = run(tmp_path, [failing, dependant, independent])

    by_name = {result.name: result for result in results}
    assert by_name["build"].status == "failed"
    assert by_name["build"].exit_code == 3
    assert str(by_name["build"].failed_command).startswith("python -c")
    assert by_name["build"].output_tail.splitlines()[-1] == "error: boom"
    assert by_name["ship"].status == "skipped"
    assert "build did not pass" in by_name["ship"].message
    assert not (tmp_path / "shipped").exists()
    assert by_name["docs"].status == "passed"
    assert "start ship" not in recorder.events


def test_scanner_runs_every_command_then_fails(tmp_path: Path) -> None:
    scanner = spec(
        "scan",
        python("open('report.sarif', 'w').write('{}'); raise SystemExit(1)", reports_findings=True),
        python("open('second.txt', 'w').write('ran')", reports_findings=True),
    )
    [result], _ = run(tmp_path, [scanner])
    assert result.status == "failed"
    assert (tmp_path / "report.sarif").exists()
    assert (tmp_path / "second.txt").read_text() == "ran"


def test_ordinary_failure_stops_the_stage_at_that_command(tmp_path: Path) -> None:
    stage = spec("build", python("raise SystemExit(2)"), python("open('after.txt', 'w').close()"))
    [result], _ = run(tmp_path, [stage])
    assert result.exit_code == 2
    assert not (tmp_path / "after.txt").exists()


def test_missing_tool_is_a_clear_failure(tmp_path: Path) -> None:
    [result], _ = run(tmp_path, [spec("lint", Command(("no-such-linter-xyz", ".")))])
    assert result.status == "failed"
    assert result.exit_code == 127
    assert "no-such-linter-xyz: not found" in result.output_tail


def test_stdout_redirect_writes_the_file(tmp_path: Path) -> None:
    stage = spec(
        "show", Command(("python", "-c", "print('{\"ok\": true}')"), stdout_to="build/reports/show.json")
    )
    run(tmp_path, [stage])
    assert (tmp_path / "build/reports/show.json").read_text().strip() == '{"ok": true}'


@pytest.mark.parametrize("use_cache", [True, False])
def test_unchanged_stage_is_restored_from_cache_unless_disabled(tmp_path: Path, use_cache: bool) -> None:
    (tmp_path / "input.txt").write_text("v1")
    counter = tmp_path / "runs.txt"
    stage = spec(
        "count",
        python(
            f"import pathlib; c=pathlib.Path({str(counter)!r}); "
            "c.write_text(c.read_text()+'x' if c.exists() else 'x'); "
            "pathlib.Path('build/out.txt').write_text(pathlib.Path('input.txt').read_text())"
        ),
        inputs=("input.txt",),
        outputs=("build/out.txt",),
    )
    run(tmp_path, [stage], cache=use_cache)
    (tmp_path / "build/out.txt").unlink()
    [second], _ = run(tmp_path, [stage], cache=use_cache)

    assert second.cached is use_cache
    assert (tmp_path / "build/out.txt").read_text() == "v1"
    assert counter.read_text() == ("x" if use_cache else "xx")

    (tmp_path / "input.txt").write_text("v2")
    [third], _ = run(tmp_path, [stage], cache=use_cache)
    assert not third.cached
    assert (tmp_path / "build/out.txt").read_text() == "v2"


def test_failed_runs_are_not_cached(tmp_path: Path) -> None:
    stage = spec("flaky", python("raise SystemExit(1)"), inputs=())
    run(tmp_path, [stage], cache=True)
    [second], _ = run(tmp_path, [stage], cache=True)
    assert second.status == "failed"
    assert not second.cached


def test_a_gate_that_could_not_check_is_incomplete_never_passed_nor_cached(tmp_path: Path) -> None:
    stage = spec(
        "audit",
        python("print('note: audited 0 of 147 packages'); raise SystemExit(3)", incomplete_exit_code=3),
        python("print('after')"),
        inputs=(),
    )
    after = spec("after", python("pass"), depends_on=("audit",))
    results, _ = run(tmp_path, [stage, after], cache=True)
    audit, dependant = results
    assert audit.status == "incomplete"
    assert audit.notes == ("audited 0 of 147 packages",)
    assert audit.message == "could not do its job"
    assert audit.ok
    assert not audit.complete
    # an incomplete gate does not block what depends on it (--strict decides the run's exit code)
    assert dependant.status == "passed"
    [again], _ = run(tmp_path, [stage], cache=True)
    assert again.status == "incomplete"
    assert not again.cached


def test_a_real_failure_beside_an_incomplete_command_fails_the_stage(tmp_path: Path) -> None:
    stage = spec(
        "scan",
        python("raise SystemExit(3)", incomplete_exit_code=3, reports_findings=True),
        python("raise SystemExit(1)"),
    )
    [result], _ = run(tmp_path, [stage])
    assert result.status == "failed"
    assert result.exit_code == 1


def test_a_cached_result_keeps_its_notes(tmp_path: Path) -> None:
    stage = spec("noted", python("print('note: 12 checks, 2 skipped')"), inputs=())
    [first], _ = run(tmp_path, [stage], cache=True)
    [second], _ = run(tmp_path, [stage], cache=True)
    assert first.notes == second.notes == ("12 checks, 2 skipped",)
    assert second.cached


DUMP_ENV = "import json,os,sys; open(sys.argv[1],'w').write(json.dumps(dict(os.environ)))"


def stage_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **options: object) -> dict[str, str]:
    """What a stage's process sees when the caller's shell holds a token, a profile and a proxy."""
    monkeypatch.setenv("SOME_TOKEN", "caller-secret")
    monkeypatch.setenv("DECLARED_ONE", "passed")
    monkeypatch.setenv("AWS_PROFILE", "operator")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("UV_INDEX_URL", "https://pypi.internal/simple")
    dump = tmp_path / "env.json"
    results, _ = run(tmp_path, [spec("show", Command(("python", "-c", DUMP_ENV, str(dump))), **options)])
    assert results[0].status == "passed", results[0]
    return dict(json.loads(dump.read_text()))


def test_a_host_stage_sees_only_what_its_spec_declares_plus_the_base_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = stage_environment(
        tmp_path, monkeypatch, passthrough_env=("DECLARED_ONE",), env=MappingProxyType({"OWN": "1"})
    )
    # declared names and the stage's own env arrive; so do the machine's network settings and PATH
    assert (seen["DECLARED_ONE"], seen["OWN"]) == ("passed", "1")
    assert seen["HTTPS_PROXY"] == "http://proxy.internal:3128"
    assert seen["UV_INDEX_URL"] == "https://pypi.internal/simple"
    assert "PATH" in seen
    # an undeclared token, and a profile for a stage that does not act on the cloud, do not
    assert "SOME_TOKEN" not in seen
    assert "AWS_PROFILE" not in seen


def test_a_cloud_stage_on_the_host_may_use_the_callers_aws_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = stage_environment(tmp_path, monkeypatch, needs_cloud=True, secrets=("AWS_ACCESS_KEY_ID",))
    assert seen["AWS_PROFILE"] == "operator"
    assert "SOME_TOKEN" not in seen


# A stage that goes on with its work under SIGTERM through a child (as `terraform` finishes its calls in
# flight); the stage's own process notes the SIGTERM and exits.
STAGE_WITH_A_STUBBORN_CHILD = """
import os, pathlib, signal, subprocess, sys, time
root = pathlib.Path(sys.argv[1])
def note_and_exit(signum, frame):
    (root / "stage.terminated").touch()
    sys.exit(143)
signal.signal(signal.SIGTERM, note_and_exit)
child = subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"])
(root / "pids").write_text(f"{os.getpid()} {child.pid}")
time.sleep(60)
"""


@pytest.mark.skipif(not HAS_PROC, reason="reads process states from /proc")
def test_an_interrupted_run_stops_each_running_stage_and_everything_it_started(tmp_path: Path) -> None:
    executor = HostExecutor(tmp_path, None, tmp_path / "logs", stop_grace_seconds=0.5)
    stage = spec("apply", Command(("python", "-c", STAGE_WITH_A_STUBBORN_CHILD, str(tmp_path))))

    async def interrupt_once_started() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(run_stages, select([stage], []), executor, Recorder(), {}, 1)
            while not (tmp_path / "pids").exists():
                await anyio.sleep(0.02)
            group.cancel_scope.cancel()  # what Ctrl-C or SIGTERM does to `python -m ci run`

    # When the run is interrupted while the stage runs
    anyio.run(interrupt_once_started)
    # Then the stage was asked to stop (SIGTERM), and what ignored it was killed after the grace period
    assert (tmp_path / "stage.terminated").exists()
    assert still_running({int(pid) for pid in (tmp_path / "pids").read_text().split()}) == set()
