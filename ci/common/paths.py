"""Where the repository is: the one definition every module and test uses."""

from __future__ import annotations

from pathlib import Path

# ci/common/paths.py -> the repository root is three levels up.
REPO_ROOT = Path(__file__).resolve().parents[2]
