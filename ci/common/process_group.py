"""Stop a command and everything it started: SIGTERM to its process group, SIGKILL to what outlives a grace.

A command the project starts for a user (a pipeline stage, a step of `ci local up`) runs in its own process
group (``start_new_session=True``), so that an interrupt can reach all of it and nothing else. The whole
group, not only its leader: `terraform` takes SIGTERM as "finish the calls in flight" in its provider
plugins, and `python -m ci run` leaves its stages behind if only it is signalled.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from typing import Any

import anyio
from anyio.abc import Process

# How long an interrupted pipeline stage gets to stop on SIGTERM before it is killed: `terraform` then
# finishes the calls in flight and releases the state lock (killed, it would leave the lock behind for
# `terraform force-unlock`).
STAGE_STOP_GRACE_SECONDS = 30.0


def signal_group(group: int, signum: int) -> bool:
    """Send ``signum`` to every process of ``group``; False when none is left."""
    try:
        os.killpg(group, signum)
    except ProcessLookupError:
        return False
    return True


def group_alive(group: int) -> bool:
    return signal_group(group, 0)


def stop_group(process: subprocess.Popen[Any], grace_seconds: float) -> None:
    """Stop ``process``, the leader of its own group, and that group; waits at most ``grace_seconds``."""
    if not signal_group(process.pid, signal.SIGTERM):
        return  # the command and all it started have ended
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline:
        process.poll()  # reap the leader, so that only live members keep the group
        if not group_alive(process.pid):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


async def stop_group_async(process: Process, grace_seconds: float) -> None:
    """``stop_group`` for a process started with anyio; runs to its end even inside a cancelled scope."""
    with anyio.CancelScope(shield=True):
        if signal_group(process.pid, signal.SIGTERM):
            with anyio.move_on_after(grace_seconds):
                await process.wait()  # reap the leader, so that only live members keep the group
                while group_alive(process.pid):
                    await anyio.sleep(0.1)
            signal_group(process.pid, signal.SIGKILL)
        await process.wait()
