"""Layering: front doors (CLI, Dagger module) -> pipeline -> runner/executors -> data; never upwards."""

from __future__ import annotations

import ast
import graphlib
import re
from pathlib import Path

import pytest

CI = Path(__file__).resolve().parents[2] / "ci"
FRONT_DOORS = {"ci.cli", "ci.dagger_module"}
PIPELINES = {"ci.pipeline", "ci.module_pipeline"}
ABOVE = {
    "executors": {*FRONT_DOORS, *PIPELINES, "ci.runner", "ci.progress"},
    "runner.py": {*FRONT_DOORS, *PIPELINES},
    "pipeline.py": FRONT_DOORS,
    "module_pipeline.py": FRONT_DOORS,
    "steps": {*FRONT_DOORS, *PIPELINES, "ci.runner", "ci.executors"},
    "spec.py": {*FRONT_DOORS, *PIPELINES, "ci.runner", "ci.executors", "ci.stages"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("layer", sorted(ABOVE))
def test_lower_layers_never_import_upper_ones(layer: str) -> None:
    files = sorted((CI / layer).glob("*.py")) if (CI / layer).is_dir() else [CI / layer]
    for path in files:
        forbidden = {
            module
            for module in imported_modules(path)
            if any(module == upper or module.startswith(f"{upper}.") for upper in ABOVE[layer])
        }
        assert not forbidden, f"{path.relative_to(CI.parent)} imports {forbidden}"


# --- the whole repository: no import cycle, no sys.path edits ------------------------------------------

REPO_ROOT = CI.parent
# Lambda puts each function's folder on the path (functions/ is the import root of the functions' code).
PACKAGE_ROOTS = {"ci": REPO_ROOT, "data": REPO_ROOT, "infrastructure": REPO_ROOT, "tests": REPO_ROOT}
FUNCTION_ROOT = REPO_ROOT / "functions"
# The one allowed sys.path edit: the emulated Lambda runtime puts the task root (the deployed artifact) and
# the runtime's libraries first, as Lambda's own bootstrap does; everything else imports as packages.
SYS_PATH_ALLOWED = {"ci/local/lambda_worker.py"}


def first_party_files() -> dict[str, Path]:
    """Module name -> file, for every first-party Python file (not the SDK the Dagger engine generates)."""
    files: dict[str, Path] = {}
    roots = [(REPO_ROOT / name, REPO_ROOT) for name in PACKAGE_ROOTS]
    roots += [(path, FUNCTION_ROOT) for path in FUNCTION_ROOT.iterdir() if path.is_dir()]
    for top, import_root in roots:
        for path in sorted(top.rglob("*.py")):
            if {".venv", ".terraform", "sdk", "__pycache__"} & set(path.parts):
                continue
            parts = list(path.relative_to(import_root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            files[".".join(parts)] = path
    return files


def runtime_imports(path: Path, module: str, known: set[str]) -> set[str]:
    """First-party modules ``module`` imports when it runs (``if TYPE_CHECKING:`` blocks do not run)."""
    names: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    resolved = set()
    for name in names:
        owner = name
        while owner and owner not in known:
            owner = owner.rpartition(".")[0]
        if owner and owner != module:
            resolved.add(owner)
    return resolved


def test_no_first_party_module_takes_part_in_an_import_cycle() -> None:
    files = first_party_files()
    graph = {module: runtime_imports(path, module, set(files)) for module, path in files.items()}
    # the walk found the code of every product
    assert {"ci.local.data_plane", "api_handler.app", "authorizer.handler", "data.tables"} <= set(graph)
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        pytest.fail(f"import cycle: {' -> '.join(error.args[1])}")


def test_the_cycle_check_sees_a_cycle(tmp_path: Path) -> None:
    # Given two modules that import each other (the shape the check must catch)
    (tmp_path / "a.py").write_text("from b import thing\n")
    (tmp_path / "b.py").write_text("import a\n")
    graph = {name: runtime_imports(tmp_path / f"{name}.py", name, {"a", "b"}) for name in ("a", "b")}
    # Then the graph holds both edges and sorting it fails
    assert graph == {"a": {"b"}, "b": {"a"}}
    with pytest.raises(graphlib.CycleError):
        tuple(graphlib.TopologicalSorter(graph).static_order())


def test_nothing_edits_sys_path_to_reach_first_party_code() -> None:
    editing = sorted(
        str(path.relative_to(REPO_ROOT))
        for path in first_party_files().values()
        if re.search(r"\bsys\.path\s*(\.(insert|append|extend)\b|\[.*\]\s*=|\+=)", path.read_text())
    )
    # the allowed edit is found (so the pattern works) and it is the only one
    assert editing == sorted(SYS_PATH_ALLOWED)
