"""Layering: CLI -> pipeline -> runner/executors -> data; nothing below imports anything above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CI = Path(__file__).resolve().parents[2] / "ci"
ABOVE = {
    "executors": {"ci.cli", "ci.pipeline", "ci.runner", "ci.progress"},
    "runner.py": {"ci.cli", "ci.pipeline"},
    "pipeline.py": {"ci.cli"},
    "steps": {"ci.cli", "ci.pipeline", "ci.runner", "ci.executors"},
    "spec.py": {"ci.cli", "ci.pipeline", "ci.runner", "ci.executors", "ci.stages"},
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
