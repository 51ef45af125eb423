"""Fixtures for the infrastructure tests: the terraform CLI with the project's offline provider config.

Each stack is initialised once per test session (``init -backend=false``), with its data directory under
build/terraform/pytest/ so tests never touch a developer's own ``.terraform`` or a running pipeline's.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from ci.terraform_cli import terraform_env

REPO_ROOT = Path(__file__).resolve().parents[2]
INFRA = REPO_ROOT / "infrastructure"
DATA_DIRS = REPO_ROOT / "build" / "terraform" / "pytest"

ENVIRONMENTS = ("local", "dev", "staging", "prod")
MODULES = tuple(sorted(path.name for path in (INFRA / "modules").iterdir() if (path / "main.tf").is_file()))
ROOT_STACKS = (*(f"environments/{env}" for env in ENVIRONMENTS), "global", "bootstrap")
ALL_STACKS = (*ROOT_STACKS, *(f"modules/{name}" for name in MODULES))


@dataclass(frozen=True)
class Terraform:
    """Runs terraform in one stack directory with the offline CLI config and a per-stack data dir."""

    env: Mapping[str, str]

    def stack_env(self, stack: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        data_dir = DATA_DIRS / stack.replace("/", "-")
        return {**self.env, "TF_DATA_DIR": str(data_dir), **(extra or {})}

    def run(
        self, stack: str, *args: str, extra_env: Mapping[str, str] | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["terraform", *args],
            cwd=INFRA / stack,
            env=self.stack_env(stack, extra_env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


@pytest.fixture(scope="session")
def terraform() -> Terraform:
    return Terraform(env=terraform_env())


@dataclass(frozen=True)
class StackCheck:
    """What terraform said about one stack: init, validate and (when it has test files) test."""

    stack: str
    init: subprocess.CompletedProcess[str]
    validate: subprocess.CompletedProcess[str] | None
    test: subprocess.CompletedProcess[str] | None


def has_terraform_tests(stack: str) -> bool:
    return any((INFRA / stack / "tests").glob("*.tftest.hcl"))


@pytest.fixture(scope="session")
def stack_checks(terraform: Terraform) -> dict[str, StackCheck]:
    """Init (once per session), validate and `terraform test` every stack, a few stacks at a time.

    Loading the AWS provider's schema costs seconds per command, so stacks run in parallel workers and
    each test below only reads its stack's results.
    """

    def check(stack: str) -> StackCheck:
        init = terraform.run(stack, "init", "-backend=false", "-input=false", "-no-color")
        if init.returncode != 0:
            return StackCheck(stack, init, None, None)
        validate = terraform.run(stack, "validate", "-no-color")
        test = terraform.run(stack, "test", "-no-color") if has_terraform_tests(stack) else None
        return StackCheck(stack, init, validate, test)

    with ThreadPoolExecutor(max_workers=3) as pool:
        return {result.stack: result for result in pool.map(check, ALL_STACKS)}


def output_of(result: subprocess.CompletedProcess[str] | None) -> str:
    return "" if result is None else f"{result.stdout}\n{result.stderr}"
