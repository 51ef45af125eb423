"""Integration fixtures: the session's moto server over HTTP, tables made by the migrations CLI.

Each test gets tables with a unique name instead of resetting the server: other test packages may share the
session's moto server, and a reset would pull their resources away mid-test.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from ci.local.emulator import MotoServer
from data.__main__ import main as data_cli
from tests.unit.api_gateway import ApiResult, LambdaContext, proxy_event
from tests.unit.conftest import pytest_configure  # noqa: F401 - same warning filter for this package

pytestmark = pytest.mark.integration

CallApi = Callable[..., ApiResult]


@pytest.fixture
def endpoint(moto_server: MotoServer, fake_aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    """boto3 in this process talks to the moto server, as the Lambda does in the local cloud."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.endpoint_url)
    return moto_server.endpoint_url


@pytest.fixture
def table_names(endpoint: str) -> dict[str, str]:
    """Fresh items and idempotency tables, created by `python -m data migrate` against the server."""
    prefix = f"it-{uuid.uuid4().hex[:10]}"
    items, idempotency = f"{prefix}-items", f"{prefix}-idempotency"
    assert data_cli(["migrate", "--endpoint-url", endpoint, "--table", items]) == 0
    return {"items": items, "idempotency": idempotency}


@pytest.fixture
def dynamodb(endpoint: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=endpoint)


@pytest.fixture
def handler_env(table_names: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from api_handler import wiring

    env = {
        "ITEMS_TABLE_NAME": table_names["items"],
        "IDEMPOTENCY_TABLE_NAME": table_names["idempotency"],
        "ENVIRONMENT": "local",
        "CORS_ALLOWED_ORIGINS": "http://localhost:3000",
        "POWERTOOLS_SERVICE_NAME": "items-api",
        "POWERTOOLS_METRICS_NAMESPACE": "ItemsService",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    wiring.request_handler.cache_clear()
    yield
    wiring.request_handler.cache_clear()


@pytest.fixture
def call_api(handler_env: None) -> CallApi:
    """The Lambda entry point, one invocation at a time (as one Lambda execution environment works)."""
    from api_handler.handler import lambda_handler

    def call(method: str, path: str, **event: Any) -> ApiResult:
        return ApiResult.from_proxy_result(
            lambda_handler(proxy_event(method, path, **event), LambdaContext())
        )

    return call


@pytest.fixture
def new_execution_environment(handler_env: None) -> Callable[[], CallApi]:
    """Each call gives an independent handler stack (own resolver, client, idempotency layer), like a
    separate Lambda execution environment: what concurrent requests run on."""
    from api_handler import wiring

    def environment() -> CallApi:
        handle = wiring.request_handler.__wrapped__()

        def call(method: str, path: str, **event: Any) -> ApiResult:
            return ApiResult.from_proxy_result(handle(proxy_event(method, path, **event), LambdaContext()))

        return call

    return environment
