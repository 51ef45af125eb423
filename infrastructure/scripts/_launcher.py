"""Keeps the ops tools' old paths working: ``python infrastructure/scripts/<tool>.py`` runs
``python -m infrastructure.ops.<tool>`` with the same interpreter, arguments and working directory.

The tools are a package now (typed, covered, no import tricks); running a file by path puts only this folder
on the import path, so the launcher re-executes the module with the repository root on ``PYTHONPATH``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def launch(tool: str) -> None:
    python_path = os.pathsep.join(filter(None, (str(REPO_ROOT), os.environ.get("PYTHONPATH"))))
    argv = [sys.executable, "-m", f"infrastructure.ops.{tool}", *sys.argv[1:]]
    os.execve(sys.executable, argv, {**os.environ, "PYTHONPATH": python_path})  # noqa: S606 - same interpreter
