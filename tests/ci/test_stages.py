"""Stage specs: the contract's stage names, pinned tools and images, reports where the contract says."""

from __future__ import annotations

import dataclasses

import pytest

from ci.spec import StageSpec
from ci.stages import ENVIRONMENTS, PYTHON_IMAGE, build_stages

CONTRACT_STAGES = [
    "lint",
    "test",
    "coverage",
    "iac-scan",
    "sast",
    "package",
    "plan",
    "apply",
    "deploy",
    "smoke",
    "contract",
]


def _by_name(env: str = "local") -> dict[str, StageSpec]:
    return {spec.name: spec for spec in build_stages(env, environ={})}


def test_every_contract_stage_exists_in_order() -> None:
    assert [spec.name for spec in build_stages("local", environ={})] == CONTRACT_STAGES


def test_specs_are_immutable_data() -> None:
    lint = _by_name()["lint"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        lint.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        lint.env["X"] = "1"  # type: ignore[index]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_stage_pins_its_tool_and_image(env: str) -> None:
    for spec in build_stages(env, environ={}):
        assert spec.tool_version[0].isdigit() or " " in spec.tool_version, spec.name
        # a digest, or an exact version tag; never "latest" or a floating major
        assert "@sha256:" in spec.image or spec.image.rsplit(":", 1)[1].count(".") == 2, spec.image
        for binary in spec.binaries:
            assert binary.image == "hashicorp/terraform:1.11.4"


def test_python_image_is_pinned_by_digest() -> None:
    assert PYTHON_IMAGE.startswith("python:3.11-slim@sha256:")
    assert len(PYTHON_IMAGE.split("@sha256:")[1]) == 64


def test_reports_land_where_the_contract_says() -> None:
    outputs = {output for spec in build_stages("local", environ={}) for output in spec.outputs}
    for report in ("junit.xml", "coverage.xml", "checkov.sarif", "bandit.sarif"):
        assert f"build/reports/{report}" in outputs
    assert "build/dist/api_handler.zip" in outputs
    assert "build/terraform/local/outputs.json" in outputs


def test_test_stage_does_not_run_the_pipeline_tests() -> None:
    # tests/ci runs the pipeline itself; the test stage must not recurse into it
    argv = _by_name()["test"].commands[0].argv
    assert "tests/unit" in argv
    assert "tests/integration" in argv
    assert not any(arg.startswith("tests/ci") or arg == "tests" for arg in argv)


def test_coverage_threshold_is_90_on_functions_and_data() -> None:
    specs = _by_name()
    assert {"--cov=functions", "--cov=data"} <= set(specs["test"].commands[0].argv)
    assert any("--fail-under=90" in command.argv for command in specs["coverage"].commands)


def test_scanners_keep_their_reports_and_fail_afterwards() -> None:
    specs = _by_name()
    for name in ("iac-scan", "sast"):
        assert all(command.reports_findings for command in specs[name].commands), name
    assert specs["iac-scan"].tool_env == "checkov"  # its own locked environment


def test_package_targets_the_env_runtime() -> None:
    local = " ".join(_by_name("local")["package"].commands[0].argv)
    dev = " ".join(_by_name("dev")["package"].commands[0].argv)
    assert "--python-version 3.11 --python-platform x86_64-manylinux2014" in local
    assert "--python-version 3.13 --python-platform aarch64-manylinux2014" in dev


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_cloud_stages_name_secrets_without_values_and_are_never_cached(env: str) -> None:
    for name in ("plan", "apply", "deploy", "smoke"):
        spec = _by_name(env)[name]
        assert spec.needs_cloud
        assert not spec.cacheable
        assert "AWS_SECRET_ACCESS_KEY" in spec.secrets
        assert "AWS_SECRET_ACCESS_KEY" not in spec.env


def test_plan_writes_saved_plan_json_and_summary_per_env() -> None:
    plan = _by_name("staging")["plan"]
    assert set(plan.outputs) == {
        "build/reports/plan-staging.tfplan",
        "build/reports/plan-staging.json",
        "build/reports/plan-staging.md",
    }
    init, plan_command, show = (" ".join(command.argv) for command in plan.commands[:3])
    assert init == "python -m ci.steps.terraform_init infrastructure/environments/staging"
    assert plan_command.startswith("terraform -chdir=infrastructure/environments/staging plan")
    assert show.startswith("terraform -chdir=infrastructure/environments/staging show -json")


def test_unknown_environment_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown environment"):
        build_stages("qa", environ={})


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_stages_that_call_the_api_may_carry_a_bearer_token_as_a_secret(env: str) -> None:
    stages = {spec.name: spec for spec in build_stages(env, environ={})}
    # deploy's canary probe, smoke and contract call the deployed API; a guarded one needs API_TOKEN
    for name in ("deploy", "smoke", "contract"):
        assert "API_TOKEN" in stages[name].secrets, name
        assert "API_TOKEN" not in stages[name].passthrough_env, name  # never logged or cached as a setting
    assert all("API_TOKEN" not in spec.secrets for spec in stages.values() if not spec.needs_cloud)
