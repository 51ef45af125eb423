"""Layering: front doors (CLI, Dagger module) -> pipeline -> runner/executors -> data; never upwards."""

from __future__ import annotations

import ast
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
