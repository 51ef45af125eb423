"""Unit-test fixtures: no network, moto in-process DynamoDB, the handler called with real proxy events."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest
from moto import mock_aws

from data.migrations import Target, migrate
from tests.unit.api_gateway import ApiResult, LambdaContext, proxy_event

ITEMS_TABLE = "items-service-test-items"
IDEMPOTENCY_TABLE = "items-service-test-idempotency"
ALLOWED_ORIGIN = "https://app.example.com"


class NetworkBlocked(RuntimeError):
    """A unit test tried to reach a non-loopback address."""


def _is_loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests never leave the machine: a connect to anything but loopback (or a unix socket) fails."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guard(sock: socket.socket, address: Any) -> None:
        if sock.family != socket.AF_UNIX and not _is_loopback(address):
            raise NetworkBlocked(f"unit tests must not connect to {address!r}")

    def connect(sock: socket.socket, address: Any) -> None:
        guard(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        guard(sock, address)
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


@pytest.fixture(scope="session")
def service_models() -> botocore.loaders.Loader:
    """One loader of botocore's service models for the session: they are read-only data, and parsing the
    DynamoDB model again for every test's fresh session was most of the unit tests' time."""
    return botocore.loaders.create_loader()


@pytest.fixture
def aws(
    fake_aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, service_models: botocore.loaders.Loader
) -> Iterator[None]:
    """moto's in-process AWS; any endpoint override from the outer environment is dropped.

    moto drops boto3's default session when it starts; the new one shares the session's model loader."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        core = botocore.session.get_session()
        core.register_component("data_loader", service_models)
        boto3.setup_default_session(botocore_session=core)
        yield


@pytest.fixture
def tables(aws: None) -> Target:
    target = Target(ITEMS_TABLE, IDEMPOTENCY_TABLE)
    migrate(boto3.client("dynamodb"), target)
    return target


@pytest.fixture
def handler_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The environment Terraform gives the function; the handler's lazily built state is reset around it."""
    from api_handler import wiring

    env = {
        "ITEMS_TABLE_NAME": ITEMS_TABLE,
        "IDEMPOTENCY_TABLE_NAME": IDEMPOTENCY_TABLE,
        "ENVIRONMENT": "local",
        "CORS_ALLOWED_ORIGINS": f"{ALLOWED_ORIGIN},http://localhost:3000",
        "IDEMPOTENCY_TTL_SECONDS": "3600",
        "POWERTOOLS_SERVICE_NAME": "items-api",
        "POWERTOOLS_METRICS_NAMESPACE": "ItemsService",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    wiring.request_handler.cache_clear()
    yield env
    wiring.request_handler.cache_clear()


CallApi = Callable[..., ApiResult]
CreateItem = Callable[..., dict[str, Any]]


@pytest.fixture
def call_api(tables: Target, handler_env: dict[str, str]) -> CallApi:
    """Invoke the Lambda entry point with a proxy event; returns what API Gateway would send the client."""
    from api_handler.handler import lambda_handler

    def call(method: str, path: str, **event: Any) -> ApiResult:
        return ApiResult.from_proxy_result(
            lambda_handler(proxy_event(method, path, **event), LambdaContext())
        )

    return call


@pytest.fixture
def create_item(call_api: CallApi) -> Callable[..., dict[str, Any]]:
    def create(**fields: Any) -> dict[str, Any]:
        result = call_api("POST", "/items", body={"name": "an item", **fields})
        assert result.status == 201, result.body
        return dict(result.json())

    return create


def pytest_configure(config: pytest.Config) -> None:
    # The handler silences Powertools' "no metrics" warning for reads; pytest resets warning filters per
    # test, so say it again here.
    config.addinivalue_line("filterwarnings", "ignore:No application metrics to publish:UserWarning")
