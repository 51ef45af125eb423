"""CORS from CORS_ALLOWED_ORIGINS: preflight answered, allowed origins echoed, others get no CORS headers."""

from __future__ import annotations

import pytest
from api_handler.app import cors_config
from api_handler.settings import load_settings

from tests.unit.conftest import ALLOWED_ORIGIN, CallApi

PREFLIGHT = {"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST"}


@pytest.mark.parametrize("path", ["/items", "/items/1d7c0b7e-7d5f-4c55-9f0e-0e1f0a0b0c0d"])
def test_preflight_from_allowed_origin_is_answered(call_api: CallApi, path: str) -> None:
    # Given a browser on an allowed origin asking before a cross-origin POST / When it sends the preflight
    result = call_api("OPTIONS", path, headers=PREFLIGHT)
    # Then it gets a 2xx with the origin echoed, the methods and the headers it may send
    assert 200 <= result.status < 300
    assert result.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert set(result.headers["access-control-allow-methods"].split(",")) >= {"GET", "POST", "PUT", "DELETE"}
    allowed_headers = result.headers["access-control-allow-headers"].lower().split(",")
    assert {"content-type", "authorization", "idempotency-key"} <= set(allowed_headers)


def test_normal_response_echoes_allowed_origin(call_api: CallApi) -> None:
    result = call_api("GET", "/items", headers={"Origin": "http://localhost:3000"})
    assert result.headers["access-control-allow-origin"] == "http://localhost:3000"


def test_error_response_also_carries_cors_so_the_browser_can_read_it(call_api: CallApi) -> None:
    result = call_api("POST", "/items", body={"name": ""}, headers={"Origin": ALLOWED_ORIGIN})
    assert result.status == 400
    assert result.headers["access-control-allow-origin"] == ALLOWED_ORIGIN


def test_other_origins_get_no_allow_origin(call_api: CallApi) -> None:
    result = call_api("GET", "/items", headers={"Origin": "https://evil.example.net"})
    assert result.status == 200
    assert "access-control-allow-origin" not in result.headers
    preflight = call_api("OPTIONS", "/items", headers={**PREFLIGHT, "Origin": "https://evil.example.net"})
    assert "access-control-allow-origin" not in preflight.headers


def test_empty_allowlist_means_no_cors() -> None:
    settings = load_settings(
        {"ITEMS_TABLE_NAME": "t-items", "IDEMPOTENCY_TABLE_NAME": "t-idem", "ENVIRONMENT": "prod"}
    )
    assert cors_config(settings) is None


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("GET", "/items", None), ("POST", "/items", {"name": ""}), ("GET", "/items/not-a-uuid", None)],
)
def test_every_response_says_it_varies_by_origin(
    call_api: CallApi, method: str, path: str, body: object
) -> None:
    # Given an allowlist, the CORS headers depend on the request's Origin, so caches must key on it
    for origin in (ALLOWED_ORIGIN, "https://evil.example.net", None):
        headers = {"Origin": origin} if origin else {}
        result = (
            call_api(method, path, body=body, headers=headers)
            if body
            else call_api(method, path, headers=headers)
        )
        assert "Origin" in result.headers["vary"].split(","), (method, path, origin)


def test_a_refused_body_from_an_allowed_origin_is_readable_and_says_why(call_api: CallApi) -> None:
    # The function, not API Gateway, validates bodies: the browser gets the reason and may read it
    result = call_api("POST", "/items", body={"name": "x" * 300}, headers={"Origin": ALLOWED_ORIGIN})
    assert result.status == 400
    assert result.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    error = result.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"]
