"""Tool versions come from the lock files, so a stage spec can never claim a version that is not installed."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from ci.common.paths import REPO_ROOT


class UnlockedToolError(LookupError):
    """The tool is not pinned in the lock file the stage installs from."""


@cache
def _locked_packages(lock_path: Path) -> dict[str, str]:
    lock = tomllib.loads(lock_path.read_text())
    return {
        package["name"]: package["version"] for package in lock.get("package", []) if "version" in package
    }


def locked_version(package: str, lock_path: Path = REPO_ROOT / "uv.lock") -> str:
    """The exact version of ``package`` pinned in ``lock_path``."""
    try:
        return _locked_packages(lock_path)[package]
    except KeyError:
        raise UnlockedToolError(f"{package} is not pinned in {lock_path}") from None
    except FileNotFoundError:
        raise UnlockedToolError(f"lock file {lock_path} does not exist") from None
