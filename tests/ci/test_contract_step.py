"""The contract stage's step: what it asks schemathesis for, and how it reads the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci.stages import build_stages
from ci.steps.contract import (
    CONFIG,
    DEFAULT_MAX_TIME_SECONDS,
    HOOKS,
    MAX_TIME_ENV_VAR,
    OPENAPI,
    failures_in,
    guarded_config,
    main,
    resolve_max_time,
    schemathesis_argv,
)

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="schemathesis" tests="3" failures="1" errors="1">
  <testcase name="GET /items"/>
  <testcase name="POST /items">
    <failure message="Schema-valid request rejected&#10;Expected: 2xx">x</failure>
  </testcase>
  <testcase name="Stateful tests"><error message="Runtime Error">trace</error></testcase>
</testsuite></testsuites>
"""


def test_every_check_in_every_phase_bounded_and_reproducible() -> None:
    argv = schemathesis_argv("http://127.0.0.1:1", Path("build/reports/c.xml"), 60, 25, 7)
    assert argv[argv.index("--checks") + 1] == "all"
    assert argv[argv.index("--exclude-checks") + 1] == "unsupported_method"
    assert argv[argv.index("--phases") + 1].split(",") == ["examples", "coverage", "fuzzing", "stateful"]
    assert argv[argv.index("--max-time") + 1] == "60"
    assert argv[argv.index("--seed") + 1] == "7"
    assert argv[argv.index("--report-junit-path") + 1] == "build/reports/c.xml"
    assert str(OPENAPI) in argv


def test_a_guarded_api_gets_its_token_from_the_environment_never_from_the_command_line(
    tmp_path: Path,
) -> None:
    import tomllib

    # Given the config a guarded API's run uses
    config = guarded_config(tmp_path)
    settings = tomllib.loads(config.read_text())
    # Then every request carries the bearer header, filled in by schemathesis from $API_TOKEN ...
    assert settings["headers"] == {"Authorization": "Bearer ${API_TOKEN}"}
    # ... the committed per-operation settings are all kept ...
    assert settings["operations"] == tomllib.loads(CONFIG.read_text())["operations"]
    # ... and no token is on the command line
    argv = schemathesis_argv("http://127.0.0.1:1", Path("j.xml"), 30, 25, 7, config)
    assert argv[argv.index("--config-file") + 1] == str(config)
    assert "--header" not in argv


def test_the_time_bound_comes_from_the_flag_then_the_environment_then_the_default() -> None:
    assert resolve_max_time(None, {}) == DEFAULT_MAX_TIME_SECONDS
    assert resolve_max_time(None, {MAX_TIME_ENV_VAR: "120"}) == 120
    assert resolve_max_time(45, {MAX_TIME_ENV_VAR: "120"}) == 45
    with pytest.raises(ValueError, match="CONTRACT_MAX_TIME='soon' is not a whole number"):
        resolve_max_time(None, {MAX_TIME_ENV_VAR: "soon"})
    with pytest.raises(ValueError, match="at least 1 second"):
        resolve_max_time(0, {})


def test_a_bad_time_bound_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reports = ["--outputs", str(tmp_path / "o.json"), "--junitxml", str(tmp_path / "j.xml")]
    with pytest.raises(SystemExit) as exited:
        main([*reports, "--max-time", "0"])
    assert exited.value.code == 2
    last_line = capsys.readouterr().err.strip().splitlines()[-1]
    assert last_line.endswith("the contract run needs at least 1 second, not 0")


def test_the_committed_config_hooks_and_document_exist(repo_root: Path) -> None:
    for path in (CONFIG, HOOKS, OPENAPI):
        assert (repo_root / path).is_file(), path


def test_failures_and_errors_become_one_line_each(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    report.write_text(JUNIT)
    cases, failed = failures_in(report)
    assert cases == 3
    assert failed == ["POST /items: Schema-valid request rejected", "Stateful tests: Runtime Error"]


def test_the_contract_stage_follows_deploy_beside_smoke_for_every_env() -> None:
    for env in ("local", "dev", "staging", "prod"):
        stages = {spec.name: spec for spec in build_stages(env, environ={})}
        contract, smoke = stages["contract"], stages["smoke"]
        assert contract.depends_on == smoke.depends_on == ("deploy",)
        assert contract.tool_env == "schemathesis"
        assert not contract.cacheable
        assert contract.needs_cloud
        assert contract.report == "build/reports/contract-junit.xml"
        assert "CONTRACT_MAX_TIME" in contract.passthrough_env
