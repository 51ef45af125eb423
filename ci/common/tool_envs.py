"""Isolated, locked environments for tools that cannot share .venv (e.g. checkov's bc-python-hcl2).

Each tool has a uv project under ``ci/tools/<name>/`` (pyproject.toml + uv.lock, ``package = false``);
``ensure_tool_env(name)`` syncs it into ``.tools/<name>/`` and returns that environment's bin directory.
A stamp holding the lock file's hash makes the call a quick no-op when the environment is current.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from ci.common.paths import REPO_ROOT

TOOL_PROJECTS_DIR = REPO_ROOT / "ci" / "tools"
TOOL_ENVS_DIR = REPO_ROOT / ".tools"
STAMP_NAME = ".synced-lock-sha256"


class ToolEnvError(RuntimeError):
    """A tool environment could not be created from its lock file."""


def _uv_executable() -> Path:
    # uv is pinned in the dev group, so it sits next to the interpreter running us.
    uv = Path(sys.executable).parent / "uv"
    if not uv.exists():
        raise ToolEnvError(f"uv not found next to {sys.executable}; run `make venv` first")
    return uv


# How the environment is synced: part of the stamp, so a change of options re-syncs existing environments.
# --compile-bytecode: the tools start in fresh processes many times a run, and where PYTHONDONTWRITEBYTECODE
# is set (CI images often do) an uncompiled environment recompiles every module it imports each time.
SYNC_OPTIONS = ("--frozen", "--compile-bytecode")


def _lock_digest(project_dir: Path) -> str:
    digest = hashlib.sha256(" ".join(SYNC_OPTIONS).encode())
    for name in ("pyproject.toml", "uv.lock"):
        digest.update((project_dir / name).read_bytes())
    return digest.hexdigest()


def ensure_tool_env(name: str) -> Path:
    """Sync ``ci/tools/<name>`` into ``.tools/<name>`` (frozen lock) and return its bin directory."""
    project_dir = TOOL_PROJECTS_DIR / name
    if not (project_dir / "uv.lock").is_file():
        raise ToolEnvError(f"no locked tool project at {project_dir} (expected pyproject.toml + uv.lock)")
    env_dir = TOOL_ENVS_DIR / name
    bin_dir = env_dir / "bin"
    stamp = env_dir / STAMP_NAME
    digest = _lock_digest(project_dir)
    if stamp.is_file() and stamp.read_text().strip() == digest and bin_dir.is_dir():
        return bin_dir
    env = {
        **os.environ,
        "UV_PROJECT_ENVIRONMENT": str(env_dir),
        "UV_PYTHON_DOWNLOADS": "never",
    }
    result = subprocess.run(  # noqa: S603 - fixed argv: our pinned uv and our own project dir
        [
            str(_uv_executable()),
            "sync",
            *SYNC_OPTIONS,
            "--project",
            str(project_dir),
            "--python",
            sys.executable,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ToolEnvError(f"uv sync for tool '{name}' failed:\n{result.stderr.strip()}")
    stamp.write_text(digest + "\n")
    return bin_dir
