"""A copy of the working tree for tests that run the local cloud's CLI.

`ci local up` writes Terraform state and build outputs into its tree and clears stale local state when it
starts; in a copy (sharing .venv) it cannot disturb a pipeline or a developer's cloud in the real tree.
"""

from __future__ import annotations

import shutil
from pathlib import Path

TREE_NOISE = shutil.ignore_patterns(
    ".git", ".venv", ".tools", "build", "__pycache__", ".terraform", "*.tfstate*", ".*_cache", ".hypothesis"
)


def copy_of_working_tree(repo_root: Path, destination: Path) -> Path:
    shutil.copytree(repo_root, destination, ignore=TREE_NOISE, symlinks=True)
    (destination / ".venv").symlink_to(repo_root / ".venv")
    return destination
