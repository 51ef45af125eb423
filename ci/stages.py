"""The pipeline's stages, as data (see ci/spec.py). One function builds them for a target environment.

Conventions every stage follows so that the same argv runs on the host and in a container:
- the working directory is the repository root (``/src`` in a container);
- paths in argv are repo-relative, except inside ``terraform -chdir=<env root>`` where they are relative
  to the environment root (three levels down, hence ``../../../``);
- every report lands in ``build/reports/``, every artifact in ``build/dist/``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ci.common import contract
from ci.common.paths import REPO_ROOT
from ci.common.versions import locked_version
from ci.spec import PROJECT_TOOL_ENV, Command, ImageBinary, StageSpec, Upstream, frozen_env
from ci.steps.dependency_audit import INCOMPLETE_EXIT_CODE
from ci.steps.terraform_init import STATE_BUCKET_ENV_VAR

ENVIRONMENTS = contract.environments()

# python:3.11-slim (Debian trixie, CPython 3.11.15) pinned by its multi-arch index digest, from
# docker-library/repo-info repos/python/remote/3.11-slim.md. Bump tag and digest together.
PYTHON_IMAGE = "python:3.11-slim@sha256:90744cff8f32887f075c47d747a173ff333e9e98801667af93c357fa9f5e28ff"
# hashicorp/terraform is not a Docker "library" image, so no digest could be looked up offline: the tag is
# pinned to the exact CLI version the project is tested with (1.11.4, same as the machine image).
TERRAFORM_VERSION = "1.11.4"
TERRAFORM_IMAGE = f"hashicorp/terraform:{TERRAFORM_VERSION}"
TERRAFORM_BINARY = ImageBinary(
    image=TERRAFORM_IMAGE, path="/bin/terraform", install_as="/usr/local/bin/terraform"
)

REPORTS = "build/reports"
DIST = "build/dist"
COVERAGE_DATA = "build/coverage/.coverage"
COVERAGE_THRESHOLD = 90
# api_handler must stay small enough to inspect in the Lambda console; Lambda's own limit for a zip
# uploaded directly is 50 MB, which is the authorizer's (it ships `cryptography`).
API_HANDLER_MAX_BYTES = 5 * 1024 * 1024
LAMBDA_ZIP_MAX_BYTES = 50 * 1024 * 1024

UV_CACHE = "/root/.cache/uv"
TERRAFORM_PLUGIN_CACHE = "/root/.terraform.d/plugin-cache"
AWS_CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
# A bearer token for an API guarded by the JWT authorizer: the canary probe, smoke and contract send it.
API_TOKEN_SECRET = ("API_TOKEN",)
# Who and what a deployment event names (ci/steps/deployment_event.py), when GitHub Actions runs the stage.
DEPLOYMENT_EVENT_ENV = ("GITHUB_SHA", "GITHUB_ACTOR", "GITHUB_RUN_ID")

PYTHON_SOURCES = (
    "functions/**/*.py",
    "data/**/*.py",
    "ci/**/*.py",
    "tests/**/*.py",
    "infrastructure/**/*.py",
)
DATA_FILES = ("data/**/*.json", "functions/**/*.json")
PROJECT_FILES = ("pyproject.toml", "uv.lock")
# What every cloud stage's result depends on besides its own files: the pipeline's code (its steps, the
# local cloud's emulator and data plane), the contract and schemas, and the locked tools (moto among them).
# The host cache keys a run against a fresh local cloud on them (ci/cloud_replay.py); against any other
# cloud the stages always run.
CLOUD_STAGE_INPUTS = ("ci/**/*.py", "data/**", *PROJECT_FILES)


def _env_root(env: str) -> str:
    return f"infrastructure/environments/{env}"


def lint() -> StageSpec:
    # Every check runs even when an earlier one fails, so one run shows all problems.
    return StageSpec(
        name="lint",
        description="ruff check, ruff format --check, mypy (strict)",
        tool="ruff+mypy",
        tool_version=f"ruff {locked_version('ruff')}, mypy {locked_version('mypy')}",
        image=PYTHON_IMAGE,
        commands=(
            Command(("ruff", "check", "."), reports_findings=True),
            Command(("ruff", "format", "--check", "."), reports_findings=True),
            Command(("mypy",), reports_findings=True),
        ),
        inputs=(*PYTHON_SOURCES, *PROJECT_FILES),
        cache_dirs=(UV_CACHE, "/src/.mypy_cache", "/src/.ruff_cache"),
    )


def test() -> StageSpec:
    # Unit + integration only: tests/ci holds the tests that run this pipeline, which must not recurse.
    # Coverage data is recorded here and turned into reports by the coverage stage (one test run, not two).
    return StageSpec(
        name="test",
        description="pytest unit + integration (moto server over HTTP) -> junit.xml",
        tool="pytest",
        tool_version=locked_version("pytest"),
        image=PYTHON_IMAGE,
        commands=(
            Command(
                (
                    "pytest",
                    "tests/unit",
                    "tests/integration",
                    "-p",
                    "no:cacheprovider",
                    f"--junitxml={REPORTS}/junit.xml",
                    "--cov=functions",
                    "--cov=data",
                    "--cov-report=",
                    "--cov-fail-under=0",
                ),
                reports_findings=True,
            ),
        ),
        inputs=(
            "functions/**/*.py",
            "data/**/*.py",
            *DATA_FILES,
            "tests/unit/**/*.py",
            "tests/integration/**/*.py",
            "tests/*.py",  # conftest.py and what it imports
            "ci/local/**/*.py",
            "infrastructure/**/*.json",
            *PROJECT_FILES,
        ),
        outputs=(f"{REPORTS}/junit.xml", COVERAGE_DATA),
        env=frozen_env({"COVERAGE_FILE": COVERAGE_DATA}),
        cache_dirs=(UV_CACHE,),
        depends_on=("lint",),
        report=f"{REPORTS}/junit.xml",
    )


def coverage() -> StageSpec:
    return StageSpec(
        name="coverage",
        description=f"coverage of functions/ and data/ >= {COVERAGE_THRESHOLD}% -> coverage.xml + html",
        tool="coverage",
        tool_version=locked_version("coverage"),
        image=PYTHON_IMAGE,
        commands=(
            Command(("coverage", "xml", "-o", f"{REPORTS}/coverage.xml"), reports_findings=True),
            Command(("coverage", "html", "-d", f"{REPORTS}/coverage-html"), reports_findings=True),
            Command(("coverage", "report", f"--fail-under={COVERAGE_THRESHOLD}"), reports_findings=True),
        ),
        inputs=(COVERAGE_DATA, "functions/**/*.py", "data/**/*.py", *PROJECT_FILES),
        outputs=(f"{REPORTS}/coverage.xml", f"{REPORTS}/coverage-html/"),
        env=frozen_env({"COVERAGE_FILE": COVERAGE_DATA}),
        cache_dirs=(UV_CACHE,),
        depends_on=("test",),
        upstream=(Upstream("test", COVERAGE_DATA),),
        report=f"{REPORTS}/coverage.xml",
    )


def iac_scan() -> StageSpec:
    checkov_lock = REPO_ROOT / "ci" / "tools" / "checkov" / "uv.lock"
    return StageSpec(
        name="iac-scan",
        description="checkov over infrastructure/ -> checkov.sarif; fails on failed checks",
        tool="checkov",
        tool_version=locked_version("checkov", checkov_lock),
        image=PYTHON_IMAGE,
        tool_env="checkov",
        commands=(
            Command(
                (
                    "checkov",
                    "--directory",
                    "infrastructure",
                    "--framework",
                    "terraform",
                    "--quiet",
                    "--compact",
                    # No calls to the Prisma Cloud API for guideline links: offline and deterministic.
                    "--skip-download",
                    "--output",
                    "cli",
                    "--output",
                    "sarif",
                    "--output-file-path",
                    f"console,{REPORTS}/checkov.sarif",
                ),
                reports_findings=True,
            ),
        ),
        inputs=(
            "infrastructure/**/*.tf",
            "infrastructure/**/*.json",
            "ci/tools/checkov/uv.lock",
        ),
        outputs=(f"{REPORTS}/checkov.sarif",),
        cache_dirs=(UV_CACHE,),
        report=f"{REPORTS}/checkov.sarif",
    )


def sast() -> StageSpec:
    scanned = ("functions", "data", "ci", "infrastructure")
    return StageSpec(
        name="sast",
        description="bandit -> bandit.sarif; detect-secrets; pip-audit of the locked dependencies",
        tool="bandit+detect-secrets+pip-audit",
        tool_version=(
            f"bandit {locked_version('bandit')}, detect-secrets {locked_version('detect-secrets')}, "
            f"pip-audit {locked_version('pip-audit')}"
        ),
        image=PYTHON_IMAGE,
        commands=(
            # Medium severity and confidence and up: the low ones (every subprocess import) are noise here.
            # B310 (urlopen schemes) is skipped because ruff's S310 enforces the same rule in the lint stage,
            # where each loopback urlopen carries a reviewed `noqa: S310`; bandit cannot read those.
            Command(
                (
                    "bandit",
                    "--recursive",
                    *scanned,
                    "--skip",
                    "B310",
                    "--severity-level",
                    "medium",
                    "--confidence-level",
                    "medium",
                    "--format",
                    "sarif",
                    "--output",
                    f"{REPORTS}/bandit.sarif",
                ),
                reports_findings=True,
            ),
            Command(
                ("python", "-m", "ci.steps.secrets_scan", "--output", f"{REPORTS}/secrets.json"),
                reports_findings=True,
            ),
            # Its answer depends on today's vulnerability data, not on the inputs: never served from a cache.
            Command(
                ("python", "-m", "ci.steps.dependency_audit", "--output", f"{REPORTS}/pip-audit.json"),
                reports_findings=True,
                cacheable=False,
                incomplete_exit_code=INCOMPLETE_EXIT_CODE,
            ),
        ),
        inputs=(
            *PYTHON_SOURCES,
            *DATA_FILES,
            "infrastructure/**/*.tf",
            "ci/secrets.baseline",
            *PROJECT_FILES,
        ),
        outputs=(f"{REPORTS}/bandit.sarif", f"{REPORTS}/secrets.json", f"{REPORTS}/pip-audit.json"),
        cache_dirs=(UV_CACHE,),
        report=f"{REPORTS}/bandit.sarif",
    )


def package(env: str) -> StageSpec:
    target = contract.runtime_target(env)
    python_version, platform = target.python_version, target.platform

    def build(function: str, group: str, max_bytes: int) -> Command:
        return Command(
            (
                "python",
                "-m",
                "ci.steps.package",
                "--function",
                function,
                "--group",
                group,
                "--python-version",
                python_version,
                "--python-platform",
                platform,
                "--max-bytes",
                str(max_bytes),
                "--output",
                f"{DIST}/{function}.zip",
            )
        )

    return StageSpec(
        name="package",
        description=f"reproducible Lambda zips for python{python_version} {platform.split('-')[0]}",
        tool="uv",
        tool_version=locked_version("uv"),
        image=PYTHON_IMAGE,
        commands=(
            build("api_handler", "api-handler", API_HANDLER_MAX_BYTES),
            build("authorizer", "authorizer", LAMBDA_ZIP_MAX_BYTES),
        ),
        inputs=("functions/**", "ci/steps/package.py", *PROJECT_FILES),
        outputs=(f"{DIST}/api_handler.zip", f"{DIST}/authorizer.zip"),
        cache_dirs=(UV_CACHE,),
        depends_on=("coverage", "iac-scan", "sast"),
        report=f"{DIST}/api_handler.zip",
    )


def _cloud_env(env: str, environ: Mapping[str, str]) -> dict[str, str]:
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return {
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "TF_VAR_aws_region": region,
        "ENVIRONMENT": env,
    }


def _cloud_stage(
    env: str,
    environ: Mapping[str, str],
    *,
    name: str,
    description: str,
    tool: str,
    tool_version: str,
    commands: tuple[Command, ...],
    outputs: tuple[str, ...],
    depends_on: tuple[str, ...],
    report: str,
    inputs: tuple[str, ...] = (),
    binaries: tuple[ImageBinary, ...] = (),
    passthrough_env: tuple[str, ...] = (),
    cache_dirs: tuple[str, ...] = (UV_CACHE,),
    upstream: tuple[Upstream, ...] = (),
    persistent: tuple[str, ...] = (),
    tool_env: str = PROJECT_TOOL_ENV,
    extra_secrets: tuple[str, ...] = (),
) -> StageSpec:
    """A stage that acts on the env's cloud: AWS credentials as secrets, and run against the local cloud
    when env is local. Never cached one by one (the cloud's state lives outside the inputs); the host
    cache replays a whole block of them only when it passed against a fresh local cloud
    (ci/cloud_replay.py), which is why they declare their inputs too."""
    return StageSpec(
        name=name,
        description=description,
        tool=tool,
        tool_version=tool_version,
        image=PYTHON_IMAGE,
        tool_env=tool_env,
        binaries=binaries,
        commands=commands,
        inputs=(*CLOUD_STAGE_INPUTS, *inputs),
        outputs=outputs,
        env=frozen_env(_cloud_env(env, environ)),
        secrets=(*AWS_CREDENTIALS, *extra_secrets),
        passthrough_env=passthrough_env,
        cache_dirs=cache_dirs,
        depends_on=depends_on,
        upstream=upstream,
        persistent=persistent,
        cacheable=False,
        needs_cloud=True,
        report=report,
    )


def _terraform_stage(
    env: str,
    environ: Mapping[str, str],
    *,
    name: str,
    description: str,
    commands: tuple[Command, ...],
    outputs: tuple[str, ...],
    depends_on: tuple[str, ...],
    report: str,
    upstream: tuple[Upstream, ...],
    passthrough_env: tuple[str, ...] = (),
) -> StageSpec:
    """A cloud stage running terraform in the env's root, after completing its backend configuration.

    Env local keeps its state in a file in the root (no backend): it persists between runs on the host.
    """
    return _cloud_stage(
        env,
        environ,
        name=name,
        description=description,
        tool="terraform",
        tool_version=TERRAFORM_VERSION,
        binaries=(TERRAFORM_BINARY,),
        commands=(Command(("python", "-m", "ci.steps.terraform_init", _env_root(env))), *commands),
        inputs=(f"{_env_root(env)}/*.tf", "infrastructure/modules/**"),
        outputs=outputs,
        depends_on=depends_on,
        report=report,
        passthrough_env=(STATE_BUCKET_ENV_VAR, *passthrough_env),
        cache_dirs=(UV_CACHE, TERRAFORM_PLUGIN_CACHE),
        upstream=upstream,
        persistent=(f"{_env_root(env)}/terraform.tfstate",) if env == "local" else (),
    )


def _zips() -> tuple[Upstream, ...]:
    # Terraform hashes and uploads the artifacts it plans with (the env roots' *_artifact_path): the items API
    # always, the authorizer's when an env turns it on (a container sees only what is handed to it).
    return (Upstream("package", f"{DIST}/api_handler.zip"), Upstream("package", f"{DIST}/authorizer.zip"))


def plan(env: str, environ: Mapping[str, str]) -> StageSpec:
    root, up = _env_root(env), "../../.."
    saved = f"{REPORTS}/plan-{env}.tfplan"
    return _terraform_stage(
        env,
        environ,
        name="plan",
        description=f"terraform plan for {env} -> saved plan, JSON and a readable summary",
        commands=(
            Command(
                ("terraform", f"-chdir={root}", "plan", "-input=false", "-no-color", f"-out={up}/{saved}")
            ),
            Command(
                ("terraform", f"-chdir={root}", "show", "-json", f"{up}/{saved}"),
                stdout_to=f"{REPORTS}/plan-{env}.json",
            ),
            Command(
                (
                    "python",
                    "-m",
                    "ci.steps.plan_summary",
                    f"{REPORTS}/plan-{env}.json",
                    "--output",
                    f"{REPORTS}/plan-{env}.md",
                )
            ),
        ),
        outputs=(saved, f"{REPORTS}/plan-{env}.json", f"{REPORTS}/plan-{env}.md"),
        depends_on=("package",),
        report=f"{REPORTS}/plan-{env}.md",
        upstream=_zips(),
    )


def _lock_file(env: str) -> str:
    # Written by `terraform init` in the plan stage; apply must use the same one (a saved plan records the
    # provider checksums it was made with). Generated per run for the container's platform, so it travels
    # between containers but is neither committed nor exported over the host's own.
    return f"{_env_root(env)}/.terraform.lock.hcl"


def _recorded(env: str, stage: str, record: str | None = None) -> tuple[str, ...]:
    """The prefix that runs a command and writes its deployment event, success or failure."""
    extra = ("--record", record) if record else ()
    return ("python", "-m", "ci.steps.deployment_event", "--env", env, "--stage", stage, *extra, "--")


def apply(env: str, environ: Mapping[str, str]) -> StageSpec:
    root, up = _env_root(env), "../../.."
    outputs_json = f"build/terraform/{env}/outputs.json"
    return _terraform_stage(
        env,
        environ,
        name="apply",
        description=f"terraform apply of the saved {env} plan -> {outputs_json}",
        commands=(
            Command(
                (
                    *_recorded(env, "apply"),
                    "terraform",
                    f"-chdir={root}",
                    "apply",
                    "-input=false",
                    "-no-color",
                    "-auto-approve",
                    f"{up}/{REPORTS}/plan-{env}.tfplan",
                )
            ),
            Command(("terraform", f"-chdir={root}", "output", "-json"), stdout_to=outputs_json),
        ),
        outputs=(outputs_json,),
        depends_on=("plan",),
        passthrough_env=DEPLOYMENT_EVENT_ENV,
        report=outputs_json,
        upstream=(
            Upstream("plan", f"{REPORTS}/plan-{env}.tfplan"),
            Upstream("plan", _lock_file(env)),
            *_zips(),
        ),
    )


def deploy(env: str, environ: Mapping[str, str]) -> StageSpec:
    return _cloud_stage(
        env,
        environ,
        name="deploy",
        description=(
            "upload the zip content-addressed, update code, publish a version, move alias live "
            "(at once or as a watched canary)"
        ),
        tool="boto3",
        tool_version=locked_version("boto3"),
        commands=(
            Command(
                (
                    *_recorded(env, "deploy", record=f"{REPORTS}/deploy-{env}.json"),
                    "python",
                    "-m",
                    "ci.steps.deploy",
                    "--env",
                    env,
                    "--outputs",
                    f"build/terraform/{env}/outputs.json",
                    "--artifact",
                    f"{DIST}/api_handler.zip",
                    "--record",
                    f"{REPORTS}/deploy-{env}.json",
                )
            ),
        ),
        outputs=(f"{REPORTS}/deploy-{env}.json",),
        # API_URL: the canary probe's target where Terraform's api_url is not the one to call (local cloud).
        passthrough_env=(*DEPLOYMENT_EVENT_ENV, "API_URL"),
        extra_secrets=API_TOKEN_SECRET,
        depends_on=("apply", "package"),
        upstream=(Upstream("apply", f"build/terraform/{env}/outputs.json"), *_zips()),
        report=f"{REPORTS}/deploy-{env}.json",
    )


def _api_test_stage(
    env: str,
    environ: Mapping[str, str],
    *,
    name: str,
    description: str,
    tool: str,
    tool_version: str,
    inputs: tuple[str, ...],
    tool_env: str = PROJECT_TOOL_ENV,
    passthrough_env: tuple[str, ...] = (),
) -> StageSpec:
    """A test suite against the env's deployed API (``python -m ci.steps.<name>``), after deploy."""
    report = f"{REPORTS}/{name}-junit.xml"
    outputs_json = f"build/terraform/{env}/outputs.json"
    return _cloud_stage(
        env,
        environ,
        name=name,
        description=description,
        tool=tool,
        tool_version=tool_version,
        tool_env=tool_env,
        commands=(
            Command(("python", "-m", f"ci.steps.{name}", "--outputs", outputs_json, "--junitxml", report)),
        ),
        inputs=inputs,
        outputs=(report,),
        passthrough_env=("API_URL", *passthrough_env),
        extra_secrets=API_TOKEN_SECRET,
        depends_on=("deploy",),
        upstream=(Upstream("apply", outputs_json),),
        report=report,
    )


def smoke(env: str, environ: Mapping[str, str]) -> StageSpec:
    return _api_test_stage(
        env,
        environ,
        name="smoke",
        description=f"smoke suite against the {env} API",
        inputs=("tests/smoke/**/*.py", "tests/*.py"),
        tool="pytest",
        tool_version=locked_version("pytest"),
    )


def contract_tests(env: str, environ: Mapping[str, str]) -> StageSpec:
    schemathesis_lock = REPO_ROOT / "ci" / "tools" / "schemathesis" / "uv.lock"
    return _api_test_stage(
        env,
        environ,
        name="contract",
        description=f"schemathesis --checks all (stateful too) against the {env} API and data/openapi.json",
        tool="schemathesis",
        tool_version=locked_version("schemathesis", schemathesis_lock),
        tool_env="schemathesis",
        inputs=("tests/contract/**", "ci/tools/schemathesis/*.toml", "ci/tools/schemathesis/uv.lock"),
        passthrough_env=("CONTRACT_MAX_TIME",),
    )


def build_stages(env: str = "local", environ: Mapping[str, str] | None = None) -> tuple[StageSpec, ...]:
    """Every stage for ``env``, in the order `python -m ci list` shows them."""
    if env not in ENVIRONMENTS:
        raise ValueError(f"unknown environment {env!r}; expected one of {', '.join(ENVIRONMENTS)}")
    environ = os.environ if environ is None else environ
    return (
        lint(),
        test(),
        coverage(),
        iac_scan(),
        sast(),
        package(env),
        plan(env, environ),
        apply(env, environ),
        deploy(env, environ),
        smoke(env, environ),
        contract_tests(env, environ),
    )
