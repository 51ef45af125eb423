"""Fixtures shared by every test package."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ci.common.local_cloud_discovery import DISCOVERY_FILE_ENV_VAR
from ci.common.paths import REPO_ROOT
from ci.local.emulator import FAKE_AWS_ENV, MotoServer, running_moto_server
from tests import scheduling
from tests.local_up import LocalUp, SharedLocalUp


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    scheduling.slow_files_first(items)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    return scheduling.make_scheduler(config, log)


@pytest.fixture(scope="session", autouse=True)
def private_local_cloud_discovery(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The suite's own discovery file: a developer's running `ci local up` is neither used nor replaced.

    Set in os.environ so every pipeline or `ci local up` the tests start as a subprocess inherits it."""
    path = tmp_path_factory.mktemp("local-cloud") / "running.json"
    previous = os.environ.get(DISCOVERY_FILE_ENV_VAR)
    os.environ[DISCOVERY_FILE_ENV_VAR] = str(path)
    yield path
    if previous is None:
        os.environ.pop(DISCOVERY_FILE_ENV_VAR, None)
    else:
        os.environ[DISCOVERY_FILE_ENV_VAR] = previous


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def public_local_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedLocalUp]:
    """The public `ci local up` deployed once per test worker (tests/local_up.py says who shares it)."""
    shared = SharedLocalUp(REPO_ROOT, tmp_path_factory)
    try:
        yield shared
    finally:
        shared.close()


@pytest.fixture
def deployed_local(public_local_cloud: SharedLocalUp) -> LocalUp:
    """env local deployed by `ci local up` (the pipeline's package, plan, apply, deploy) and running."""
    return public_local_cloud.running()


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """One moto server over HTTP for the whole test session (integration tests reset what they need)."""
    log_path = tmp_path_factory.mktemp("moto") / "moto-server.log"
    with running_moto_server(log_path=log_path) as server:
        yield server


@pytest.fixture
def fake_aws_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Fake credentials and region so boto3 never reaches for real ones."""
    for name, value in FAKE_AWS_ENV.items():
        monkeypatch.setenv(name, value)
    return dict(FAKE_AWS_ENV)
