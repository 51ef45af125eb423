"""Every stack is formatted, initialises offline, validates, and passes its own `terraform test` files."""

from __future__ import annotations

import pytest

from .conftest import ALL_STACKS, StackCheck, Terraform, has_terraform_tests, output_of

pytestmark = [pytest.mark.terraform, pytest.mark.slow]


def test_all_terraform_files_are_formatted(terraform: Terraform) -> None:
    # Given every .tf / .tftest.hcl file under infrastructure/
    # When terraform fmt checks them
    result = terraform.run(".", "fmt", "-check", "-recursive", "-diff", "-no-color")
    # Then none needs reformatting
    assert result.returncode == 0, f"unformatted files:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_stack_initialises_offline_and_validates(stack: str, stack_checks: dict[str, StackCheck]) -> None:
    # Given the stack initialised from the provider mirror (no registry, no backend)
    check = stack_checks[stack]
    assert check.init.returncode == 0, f"init failed in {stack}:\n{output_of(check.init)}"
    # When terraform validates it (`validate`, or `terraform test`, which validates everything first)
    validated = check.validate or check.test
    # Then the configuration is valid
    assert validated is not None
    assert validated.returncode == 0, f"{stack}:\n{output_of(validated)}"
    assert "Error:" not in validated.stderr


def test_every_module_and_root_stack_has_terraform_tests() -> None:
    # Given the stacks and modules
    # Then each carries its own mocked `terraform test` files
    untested = {stack for stack in ALL_STACKS if not has_terraform_tests(stack)}
    assert not untested, f"stacks without *.tftest.hcl: {sorted(untested)}"


@pytest.mark.parametrize("stack", [stack for stack in ALL_STACKS if has_terraform_tests(stack)])
def test_terraform_test_files_pass(stack: str, stack_checks: dict[str, StackCheck]) -> None:
    # Given the stack's *.tftest.hcl files (mock_provider "aws": no cloud, no credentials)
    check = stack_checks[stack]
    # When terraform test runs them
    # Then every run block passes
    assert check.test is not None, f"init failed in {stack}:\n{output_of(check.init)}"
    assert check.test.returncode == 0, f"{stack}:\n{output_of(check.test)}"
    assert " 0 failed" in check.test.stdout
