"""Every module and stack documents each input and output it has (READMEs are hand-kept: check them)."""

from __future__ import annotations

import re

import pytest

from .conftest import ALL_STACKS, INFRA, REPO_ROOT


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_readme_lists_every_variable_and_output(stack: str) -> None:
    directory = INFRA / stack
    readme = (directory / "README.md").read_text()
    # Every .tf file of the stack.
    sources = "\n".join(path.read_text() for path in sorted(directory.glob("*.tf")))
    declared = {
        kind: set(re.findall(rf'^{kind} "([^"]+)"', sources, re.MULTILINE)) for kind in ("variable", "output")
    }
    for kind, names in declared.items():
        undocumented = sorted(name for name in names if f"`{name}`" not in readme)
        assert not undocumented, f"{stack}/README.md does not document {kind}s {undocumented}"


def test_operator_docs_exist_and_name_the_offline_terraform_entry_point() -> None:
    for doc in ("docs/DEPLOYMENT.md", "docs/OIDC_SETUP.md", "infrastructure/README.md"):
        assert (REPO_ROOT / doc).is_file(), doc
    assert "python -m ci.common.terraform_cli" in (REPO_ROOT / "docs" / "DEPLOYMENT.md").read_text()
