"""Where a running `python -m ci local up` can be found: a small JSON file under build/, removed on stop.

The pipeline (`python -m ci run ... --env local`) and the ops tools (`--env local`) read it, so they talk
to the cloud that is running instead of starting another one or, worse, falling through to real AWS.
A file left by a process that no longer runs (killed, machine rebooted) is treated as absent.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from ci.common.paths import REPO_ROOT

DISCOVERY_FILE = REPO_ROOT / "build" / "local-cloud" / "running.json"
# Another place for the file (the test suite uses its own, so a developer's running cloud is never touched).
DISCOVERY_FILE_ENV_VAR = "LOCAL_CLOUD_DISCOVERY_FILE"
# Set ("true") in the stage environment of a cloud started with `ci local up --auth`: env local then plans
# the JWT authorizer, and the API stages get a token (ci/pipeline.py: cloud_env_from).
AUTH_ENV_VAR = "LOCAL_CLOUD_AUTH"


def discovery_file() -> Path:
    return Path(os.environ.get(DISCOVERY_FILE_ENV_VAR) or DISCOVERY_FILE)


@dataclass(frozen=True)
class RunningCloud:
    pid: int
    endpoint_url: str
    api_url: str
    table_name: str
    # Whether its API is guarded by the JWT authorizer (`ci local up --auth`): a pipeline run into this cloud
    # must plan the same, or its apply would remove the authorizer.
    auth: bool = False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def find_running(path: Path | None = None) -> RunningCloud | None:
    """The running local cloud, or None (no file, an unreadable one, or its process is gone)."""
    path = path or discovery_file()
    try:
        cloud = RunningCloud(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    return cloud if _alive(cloud.pid) else None


@contextmanager
def announced(cloud: RunningCloud, path: Path | None = None) -> Iterator[Path]:
    """Publish ``cloud`` for as long as the block runs."""
    path = path or discovery_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(asdict(cloud), indent=2) + "\n")
    partial.replace(path)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)
