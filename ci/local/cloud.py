"""The local cloud: the emulator (AWS control plane) and the API data plane, started and stopped together.

``ephemeral_local_cloud()`` is what the pipeline runner uses for ``--env local``: nothing is deployed by it;
the pipeline's own plan/apply/deploy stages deploy into the emulator through ``stage_env``, and the data
plane picks the deployment up as it appears.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ci.common import contract
from ci.common.local_cloud_discovery import AUTH_ENV_VAR
from ci.common.paths import REPO_ROOT
from ci.local.data_plane import DataPlaneSettings, LocalDataPlane, find_openapi_document
from ci.local.emulator import FAKE_AWS_ENV, MotoServer, running_moto_server
from ci.local.proxy_event import ACCOUNT_ID

DEFAULT_WORK_DIR = REPO_ROOT / "build" / "local-cloud"


@dataclass(frozen=True)
class LocalCloud:
    emulator: MotoServer
    data_plane: LocalDataPlane
    env_name: str
    auth: bool = False

    @property
    def endpoint_url(self) -> str:
        return self.emulator.endpoint_url

    @property
    def api_url(self) -> str:
        return self.data_plane.url

    @property
    def table_name(self) -> str:
        return contract.name("items_table", self.env_name)

    @property
    def stage_env(self) -> dict[str, str]:
        """What a pipeline stage needs to deploy into and test this cloud (contract)."""
        return {
            **FAKE_AWS_ENV,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "LOCAL_CLOUD_ENDPOINT": self.endpoint_url,
            "API_URL": self.api_url,
            **({AUTH_ENV_VAR: "true"} if self.auth else {}),
        }


def forget_terraform_state(env_name: str, repo_root: Path = REPO_ROOT) -> list[Path]:
    """Remove the env's local Terraform state: it describes an emulator that no longer exists.

    A fresh emulator starts empty; a plan against stale state would try to refresh resources that are gone.
    """
    env_dir = repo_root / "infrastructure" / "environments" / env_name
    stale = [path for path in env_dir.glob("terraform.tfstate*") if path.is_file()]
    for path in stale:
        path.unlink()
    return stale


@contextmanager
def ephemeral_local_cloud(
    env_name: str = "local",
    emulator_port: int = 0,
    api_port: int = 0,
    work_dir: Path = DEFAULT_WORK_DIR,
    repo_root: Path = REPO_ROOT,
    auth: bool = False,
) -> Iterator[LocalCloud]:
    """A moto server and a data plane for the duration of the block; both stopped however it ends."""
    work_dir.mkdir(parents=True, exist_ok=True)
    for path in forget_terraform_state(env_name, repo_root):
        print(f"local cloud: removed stale Terraform state {path}", file=sys.stderr)
    with running_moto_server(port=emulator_port, log_path=work_dir / "moto-server.log") as emulator:
        data_plane = LocalDataPlane(
            DataPlaneSettings(
                emulator_endpoint=emulator.endpoint_url,
                cache_dir=work_dir / "cache",
                env_name=env_name,
                port=api_port,
                openapi_document=find_openapi_document(repo_root),
                bucket_hints=(contract.name("artifacts_bucket", env_name, account_id=ACCOUNT_ID),),
            )
        )
        data_plane.start()
        try:
            yield LocalCloud(emulator, data_plane, env_name, auth)
        finally:
            data_plane.stop()
            forget_terraform_state(env_name, repo_root)
