"""ci/common/tool_envs.py: scanners that clash with .venv live in their own locked environments."""

from __future__ import annotations

import subprocess
import time

import pytest

from ci.common.tool_envs import TOOL_ENVS_DIR, ToolEnvError, ensure_tool_env


@pytest.mark.slow
def test_checkov_environment_is_synced_from_its_lock_and_quick_when_current() -> None:
    # Given the locked project ci/tools/checkov
    # When it is ensured twice
    bin_dir = ensure_tool_env("checkov")
    started = time.monotonic()
    again = ensure_tool_env("checkov")
    # Then it lives in .tools/checkov, runs the pinned checkov, and the second call is a no-op
    assert bin_dir == again == TOOL_ENVS_DIR / "checkov" / "bin"
    assert time.monotonic() - started < 1.0
    version = subprocess.run(
        [str(bin_dir / "checkov"), "--version"], capture_output=True, text=True, check=True
    )
    assert version.stdout.strip() == "3.3.30"


def test_unknown_tool_is_a_clear_error() -> None:
    with pytest.raises(ToolEnvError, match="no locked tool project"):
        ensure_tool_env("no-such-tool")
