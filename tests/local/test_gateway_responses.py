"""Gateway responses: errors the gateway produces itself take the shape the deployed API gives them.

The items API (modules/api_gateway) customizes BAD_REQUEST_BODY, BAD_REQUEST_PARAMETERS, DEFAULT_4XX and
DEFAULT_5XX into its error envelope; without this, a body refused by the request validator reached clients
as API Gateway's bare ``{"message": "Invalid request body"}``.
"""

from __future__ import annotations

import json

import pytest

from ci.local.data_plane import LocalDataPlane
from ci.local.emulator import MotoServer
from ci.local.gateway_responses import GatewayResponse, gateway_error_response
from ci.local.proxy_event import HttpResponse, gateway_error
from tests.local.conftest import ENV, ProbeDeployment, deploy_probe
from tests.local.http_client import call

ENVELOPE = '{"error": {"code": "%s", "message": $context.error.messageString}}'
JSON_TYPE = [("Content-Type", "application/json")]


@pytest.fixture(scope="module")
def probe_deployment(emulator: MotoServer) -> ProbeDeployment:
    """The probe deployment plus gateway responses like the Terraform module's, in this module's emulator."""
    deployment = deploy_probe(emulator.endpoint_url)
    apigateway = deployment.session_client("apigateway")
    for response_type, status, code in (
        ("BAD_REQUEST_BODY", "400", "VALIDATION_ERROR"),
        ("BAD_REQUEST_PARAMETERS", "400", "VALIDATION_ERROR"),
        ("DEFAULT_4XX", None, "REQUEST_REJECTED"),
        ("DEFAULT_5XX", None, "GATEWAY_ERROR"),
    ):
        apigateway.put_gateway_response(
            restApiId=deployment.rest_api_id,
            responseType=response_type,
            **({"statusCode": status} if status else {}),
            responseTemplates={"application/json": ENVELOPE % code},
            responseParameters={
                "gatewayresponse.header.X-Error-Source": "'gateway'",
                "gatewayresponse.header.Access-Control-Allow-Origin": "method.request.header.Origin",
            },
        )
    apigateway.create_deployment(restApiId=deployment.rest_api_id, stageName=ENV)
    return deployment


def test_body_refused_by_the_validator_gets_the_apis_error_envelope(data_plane: LocalDataPlane) -> None:
    # When a body the model refuses is sent
    for body in (b'{"name": "ok", "extra": 1}', b"{not json", b""):
        reply = call(data_plane.url, "POST", "/items", body=body, headers=JSON_TYPE)
        # Then the client sees the API's error envelope, as JSON, with the configured header
        assert reply.status == 400, body
        assert reply.json() == {"error": {"code": "VALIDATION_ERROR", "message": "Invalid request body"}}
        assert reply.header("Content-Type") == "application/json"
        assert reply.header("X-Error-Source") == "gateway"
        # and a header mapped from the request is left out when the request has none
        assert reply.header("Access-Control-Allow-Origin") is None


def test_a_header_mapped_from_the_request_carries_its_value(data_plane: LocalDataPlane) -> None:
    origin = [("Origin", "http://localhost:3000"), *JSON_TYPE]
    reply = call(data_plane.url, "POST", "/items", body=b"{}", headers=origin)
    assert reply.status == 400
    assert reply.header_values("Access-Control-Allow-Origin") == ["http://localhost:3000"]


def test_missing_parameters_and_unknown_routes_use_their_own_or_the_default_4xx_response(
    data_plane: LocalDataPlane,
) -> None:
    missing = call(data_plane.url, "GET", "/items")
    assert (missing.status, missing.json()) == (
        400,
        {"error": {"code": "VALIDATION_ERROR", "message": "Missing required request parameters: [limit]"}},
    )
    unknown = call(data_plane.url, "GET", "/nowhere")
    assert (unknown.status, unknown.json()) == (
        403,
        {"error": {"code": "REQUEST_REJECTED", "message": "Missing Authentication Token"}},
    )


def test_a_failed_integration_uses_the_default_5xx_response(data_plane: LocalDataPlane) -> None:
    reply = call(data_plane.url, "GET", "/probe/raise")
    assert (reply.status, reply.json()) == (
        502,
        {"error": {"code": "GATEWAY_ERROR", "message": "Internal server error"}},
    )
    # and a function's own answers are left alone
    assert "error" not in call(data_plane.url, "GET", "/probe/public").json()


def test_without_a_custom_response_the_built_in_answer_stands() -> None:
    built_in = gateway_error(400, "Invalid request body", "req-1")
    only_5xx = {"DEFAULT_5XX": GatewayResponse(templates={"application/json": ENVELOPE % "GATEWAY_ERROR"})}
    assert (
        gateway_error_response({}, "BAD_REQUEST_BODY", built_in, "Invalid request body", "req-1") is built_in
    )
    assert gateway_error_response(only_5xx, "BAD_REQUEST_BODY", built_in, "x", "req-1") is built_in


def test_custom_status_and_a_message_needing_json_escaping() -> None:
    custom = {
        "UNAUTHORIZED": GatewayResponse(status_code=418, templates={"application/json": ENVELOPE % "NO"})
    }
    built_in = HttpResponse(401, [("Content-Type", "application/json")], b'{"message": "Unauthorized"}')
    message = 'say "hi"\n'
    response = gateway_error_response(custom, "UNAUTHORIZED", built_in, message, "req-2")
    assert response.status == 418
    assert json.loads(response.body) == {"error": {"code": "NO", "message": message}}


def test_a_custom_header_replaces_the_built_in_one_whatever_its_case() -> None:
    custom = {
        "DEFAULT_4XX": GatewayResponse(
            headers={"content-type": "'application/problem+json'", "X-From": "method.request.header.x-from"}
        )
    }
    built_in = gateway_error(400, "Invalid request body", "req-3")
    response = gateway_error_response(custom, "BAD_REQUEST_BODY", built_in, "m", "req-3", {"X-FROM": "a"})
    content_types = [value for name, value in response.headers if name.lower() == "content-type"]
    assert content_types == ["application/problem+json"]
    assert ("X-From", "a") in response.headers
    assert response.body == built_in.body
