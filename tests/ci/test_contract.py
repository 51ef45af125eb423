"""data/contract.json is the one owner of the environment list and the resource names.

Given every Python module outside tests, when its code (docstrings aside) is read, then no string spells a
resource name of the project and no tuple or list spells the environment list: both come from
ci/common/contract.py. Places that cannot read the contract at run time are named here and checked for drift.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from api_handler import settings as api_settings

from ci.common import contract
from ci.common.paths import REPO_ROOT

PRODUCT_DIRS = ("ci", "data", "functions", "infrastructure")
# The contract's reader itself.
ALLOWED = {Path("ci/common/contract.py")}
# A project-name literal followed by a dash is a resource name spelled by hand.
NAME_LITERAL = re.compile(re.escape(contract.project()) + "-")


def _product_modules() -> list[Path]:
    return sorted(
        path.relative_to(REPO_ROOT)
        for top in PRODUCT_DIRS
        for path in (REPO_ROOT / top).rglob("*.py")
        if ".venv" not in path.parts and path.relative_to(REPO_ROOT) not in ALLOWED
    )


def _docstring_nodes(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            found.add(id(first.value))
    return found


def _strings(tree: ast.AST) -> list[ast.Constant]:
    docstrings = _docstring_nodes(tree)
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def _joined_string_parts(tree: ast.AST) -> list[str]:
    # f"items-service-{env}" is a JoinedStr whose first literal part is "items-service-".
    return [
        part.value
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for part in node.values
        if isinstance(part, ast.Constant) and isinstance(part.value, str)
    ]


def test_no_module_spells_a_resource_name_by_hand() -> None:
    offenders = []
    for module in _product_modules():
        tree = ast.parse((REPO_ROOT / module).read_text())
        literals = [node.value for node in _strings(tree)] + _joined_string_parts(tree)
        offenders += [f"{module}: {text!r}" for text in literals if NAME_LITERAL.search(text)]
    assert offenders == [], "use ci.common.contract.name(...) instead:\n" + "\n".join(offenders)


def test_no_module_spells_the_environment_list() -> None:
    environments = set(contract.environments())
    offenders = []
    for module in _product_modules():
        for node in ast.walk(ast.parse((REPO_ROOT / module).read_text())):
            if isinstance(node, ast.Tuple | ast.List | ast.Set):
                values = {elt.value for elt in node.elts if isinstance(elt, ast.Constant)}
                if len(values & environments) >= 2:
                    offenders.append(f"{module}:{node.lineno}")
    allowed = {"functions/api_handler/settings.py"}  # ships alone in the zip: drift-checked below
    offenders = [entry for entry in offenders if entry.split(":")[0] not in allowed]
    assert offenders == [], "use ci.common.contract.environments() instead: " + ", ".join(offenders)


def test_the_lambda_knows_the_same_environments_as_the_contract() -> None:
    # The zip carries api_handler/ alone, so the function keeps its own copy of the list: its drift check.
    assert contract.environments() == api_settings.ENVIRONMENTS


def test_runtime_and_architecture_are_spelled_only_by_the_contract() -> None:
    # The composition reads them from data/contract.json (the package stage builds wheels for the same
    # target), so no Terraform file may set them.
    offenders = [
        where
        for where, code in _terraform_code_lines()
        if re.match(r"(lambda_)?(runtime|architecture)\s*=\s*\"", code)
    ]
    assert offenders == [], "data/contract.json names each environment's runtime: " + ", ".join(offenders)


def test_names_fill_in_the_environment_and_refuse_an_unknown_one() -> None:
    assert contract.name("items_table", "dev") == f"{contract.project()}-dev-items"
    assert (
        contract.name("state_bucket", account_id="111122223333")
        == f"{contract.project()}-tfstate-111122223333"
    )
    with pytest.raises(ValueError, match="unknown environment 'qa'"):
        contract.name("items_table", "qa")


def test_runtime_targets_map_to_the_wheel_platforms_of_the_package_stage() -> None:
    assert contract.runtime_target("local").platform == "x86_64-manylinux2014"
    assert contract.runtime_target("prod").python_version == "3.13"
    assert contract.runtime_target("prod").platform == "aarch64-manylinux2014"


# --- Terraform reads the contract too (jsondecode(file(".../data/contract.json"))) ---------------------

INFRA = REPO_ROOT / "infrastructure"
QUOTED = re.compile(r'"([^"]*)"')
# Terraform allows no expressions in a backend block: these spell the state key and lock table, and are
# drift-checked below. bootstrap's deploy_environments names GitHub environments, checked the same way.
TERRAFORM_ALLOWED = {"backend.tf"}
BOOTSTRAP_VARIABLES = INFRA / "bootstrap" / "variables.tf"


def _terraform_code_lines() -> list[tuple[str, str]]:
    """(file:line, text) of every Terraform line outside tests, comments and descriptions."""
    lines = []
    for path in sorted(INFRA.rglob("*.tf")):
        relative = path.relative_to(REPO_ROOT)
        if {"tests", ".terraform"} & set(relative.parts) or path.name in TERRAFORM_ALLOWED:
            continue
        for number, text in enumerate(path.read_text().splitlines(), start=1):
            code = text.strip()
            if code.startswith(("#", "//", "description", "error_message")):
                continue
            lines.append((f"{relative}:{number}", code))
    return lines


def test_no_terraform_file_spells_the_project_name() -> None:
    offenders = [where for where, code in _terraform_code_lines() if contract.project() in code]
    assert offenders == [], "read the name from data/contract.json instead: " + ", ".join(offenders)


def test_no_terraform_file_spells_the_environment_list() -> None:
    environments = set(contract.environments())
    offenders = [
        where
        for where, code in _terraform_code_lines()
        if len(set(QUOTED.findall(code)) & environments) >= 2
        and not (where.startswith(str(BOOTSTRAP_VARIABLES.relative_to(REPO_ROOT))) and "default" in code)
    ]
    assert offenders == [], "read the environments from data/contract.json instead: " + ", ".join(offenders)


def test_the_bootstrap_trusts_the_github_environment_of_every_deployed_environment() -> None:
    default = re.search(
        r'variable "deploy_environments".*?default\s*=\s*\[([^\]]*)\]', BOOTSTRAP_VARIABLES.read_text(), re.S
    )
    assert default is not None
    assert QUOTED.findall(default.group(1)) == [env for env in contract.environments() if env != "local"]


@pytest.mark.parametrize("env", [env for env in contract.environments() if env != "local"])
def test_each_backend_names_the_state_key_and_lock_table_of_the_contract(env: str) -> None:
    backend = (INFRA / "environments" / env / "backend.tf").read_text()
    settings = dict(re.findall(r'^\s*(key|dynamodb_table)\s*=\s*"([^"]+)"', backend, re.M))
    assert settings == {"key": contract.name("state_key", env), "dynamodb_table": contract.name("lock_table")}


def test_the_terraform_scan_sees_the_code_it_checks() -> None:
    # the composition is scanned, and it does read the contract
    code = dict(_terraform_code_lines())
    composition = [
        text for where, text in code.items() if where.startswith("infrastructure/modules/items_service/")
    ]
    assert any("data/contract.json" in text for text in composition)


def test_environment_roots_are_plain_modules_without_links_or_shared_files() -> None:
    environments = INFRA / "environments"
    assert not [path for path in INFRA.rglob("*") if path.is_symlink() and ".terraform" not in path.parts]
    roots = sorted(path.name for path in environments.iterdir() if path.is_dir())
    assert roots == sorted(contract.environments())
    for env in roots:
        main = (environments / env / "main.tf").read_text()
        assert 'source = "../../modules/items_service"' in main
        assert f'environment              = "{env}"' in main


def test_only_env_local_trusts_the_local_test_key() -> None:
    from ci.local import identity

    # The committed JWKS is exactly the public half of the derived key...
    assert identity.JWKS_PATH.read_text() == identity.jwks_document()
    # ...and no Terraform outside env local reads it, holds the key (under any file name) or names its issuer.
    public_key = identity.jwks()["keys"][0]["x"]
    local_root = INFRA / "environments" / "local"
    for path in sorted(INFRA.rglob("*")):
        if not path.is_file() or ".terraform" in path.parts or path.suffix not in {".tf", ".json", ".hcl"}:
            continue
        text = path.read_text()
        trusts = "test-jwks.json" in text or identity.ISSUER in text or public_key in text
        assert not trusts or local_root in path.parents, path


# Settings that only make sense against the emulator (each documented where env local sets it).
EMULATOR_SHORTCUTS = re.compile(
    r"^\s*(rotation_enabled|tagged|s3_lifecycle_configuration_enabled|s3_tls_only_policy_enabled)\s*=\s*false\b",
    re.MULTILINE,
)


def test_only_env_local_turns_off_what_the_emulator_cannot_honour() -> None:
    shortcuts = {
        env: sorted(set(EMULATOR_SHORTCUTS.findall((INFRA / "environments" / env / "main.tf").read_text())))
        for env in contract.environments()
    }
    assert shortcuts.pop("local") == [
        "rotation_enabled",
        "s3_lifecycle_configuration_enabled",
        "s3_tls_only_policy_enabled",
        "tagged",
    ]
    assert shortcuts == {env: [] for env in shortcuts}
