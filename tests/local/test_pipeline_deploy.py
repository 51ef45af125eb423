"""`ci local up`'s deployment steps: an interrupt stops a step and every process the step started."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from ci.local import pipeline_deploy
from ci.local.pipeline_deploy import run_step
from tests.processes import HAS_PROC, still_running

# Like `terraform apply` under SIGTERM, the child keeps going ("finishing the calls in flight"); the step's
# own process, like `python -m ci run`, exits on SIGTERM at once. The child names itself once it ignores it.
CHILD = """
import os, signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
with open(sys.argv[1] + ".partial", "w") as pid_file:
    pid_file.write(str(os.getpid()))
os.replace(sys.argv[1] + ".partial", sys.argv[1])
time.sleep(60)
"""
STEP = """
import os, subprocess, sys, time
subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]])
while not os.path.exists(sys.argv[2]):
    time.sleep(0.01)
print("applying", flush=True)
time.sleep(60)
"""


class InterruptedOutput(io.StringIO):
    """Where the step's output goes; the first line arrives together with Ctrl-C (or SIGTERM)."""

    def write(self, text: str) -> int:
        raise KeyboardInterrupt


@pytest.mark.skipif(not HAS_PROC, reason="reads process states from /proc")
def test_an_interrupted_step_leaves_no_process_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline_deploy, "STOP_GRACE_SECONDS", 0.5)
    child_pid_file = tmp_path / "child.pid"
    # Given a step whose child ignores SIGTERM, when the step is interrupted while it runs
    with pytest.raises(KeyboardInterrupt):
        run_step(
            [sys.executable, "-c", STEP, CHILD, str(child_pid_file)],
            {"PATH": "/usr/bin:/bin"},
            InterruptedOutput(),
        )
    # Then the interrupt goes on, and the child is gone too (killed after the grace period)
    assert still_running({int(child_pid_file.read_text())}) == set()
