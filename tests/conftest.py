"""Fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ci.common.paths import REPO_ROOT
from ci.local.emulator import FAKE_AWS_ENV, MotoServer, running_moto_server


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


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
