"""The request -> API Gateway REST proxy event mapping, validated by Powertools' own event models."""

from __future__ import annotations

import base64

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventModel

from ci.local.function_ref import FunctionRef
from ci.local.proxy_event import (
    HttpRequest,
    MalformedProxyResponse,
    build_proxy_event,
    http_response_from_proxy_result,
)
from ci.local.rest_api import DeployedRestApi, Method, Resource

ITEM_RESOURCE = Resource(
    "res1", "/items/{id}", {"PUT": Method("PUT", "AWS_PROXY", function=FunctionRef("f", "live"))}
)
API = DeployedRestApi(
    id="abc123",
    name="items-service-local-api",
    stage_name="local",
    deployment_id="dep1",
    stage_variables={"tier": "local"},
    binary_media_types=("image/*",),
    resources=(ITEM_RESOURCE,),
)


def request(body: bytes = b"", headers: list[tuple[str, str]] | None = None, query: str = "") -> HttpRequest:
    return HttpRequest(
        method="PUT",
        path="/items/42",
        query=query,
        headers=headers
        or [("Host", "127.0.0.1:8080"), ("User-Agent", "pytest"), ("Content-Type", "application/json")],
        body=body,
        source_ip="127.0.0.1",
        host="127.0.0.1:8080",
    )


def event_for(http_request: HttpRequest) -> dict:  # type: ignore[type-arg]
    match = API.match(http_request.path, http_request.method)
    assert match is not None
    return build_proxy_event(http_request, API, match, request_id="req-1")


def test_event_is_a_valid_powertools_rest_proxy_event() -> None:
    # Given a JSON PUT with repeated query parameters and a repeated header
    http_request = request(
        body=b'{"name": "caf\xc3\xa9"}',
        headers=[("Host", "h"), ("User-Agent", "pytest"), ("X-Tag", "a"), ("X-Tag", "b")],
        query="limit=5&tag=x&tag=y",
    )
    # When it is mapped
    event = event_for(http_request)
    # Then the Powertools parser model accepts it as an API Gateway REST proxy event
    model = APIGatewayProxyEventModel.model_validate(event)
    assert model.resource == "/items/{id}"
    assert model.pathParameters == {"id": "42"}
    assert model.requestContext.stage == "local"
    assert model.requestContext.requestId == "req-1"
    assert model.requestContext.resourcePath == "/items/{id}"
    assert str(model.requestContext.identity.sourceIp).startswith("127.0.0.1")
    # And the data class sees single values (last wins) and every value in the multi-value maps
    data = APIGatewayProxyEvent(event)
    assert data.query_string_parameters == {"limit": "5", "tag": "y"}
    assert data.multi_value_query_string_parameters == {"limit": ["5"], "tag": ["x", "y"]}
    assert data.multi_value_headers["X-Tag"] == ["a", "b"]
    assert data.headers["X-Tag"] == "b"
    assert data.stage_variables == {"tier": "local"}
    assert data.json_body == {"name": "café"}
    assert data.request_context.identity.user_agent == "pytest"
    assert data.request_context.authorizer.principal_id == ""


def test_absent_query_path_and_body_are_null_as_api_gateway_sends_them() -> None:
    event = event_for(request())
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False


def test_non_utf8_and_binary_media_bodies_arrive_base64_encoded() -> None:
    # Given a body that is not UTF-8 text
    raw = b"\xff\xfe\x00binary"
    event = event_for(request(body=raw))
    # Then it is base64 with the flag set
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw
    # And a body of one of the API's binary media types is base64 even when it decodes as UTF-8
    png = event_for(request(body=b"PNG-ish", headers=[("Host", "h"), ("Content-Type", "image/png")]))
    assert png["isBase64Encoded"] is True
    assert base64.b64decode(png["body"]) == b"PNG-ish"


def test_proxy_result_headers_merge_and_base64_bodies_are_decoded() -> None:
    response = http_response_from_proxy_result(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "image/png", "Set-Cookie": "a=1"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": base64.b64encode(b"\x89PNG").decode(),
            "isBase64Encoded": True,
        },
        "req-1",
    )
    assert response.status == 201
    assert response.body == b"\x89PNG"
    assert [v for k, v in response.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert ("x-amzn-RequestId", "req-1") in response.headers


def test_proxy_result_without_content_type_is_json_and_malformed_results_are_refused() -> None:
    response = http_response_from_proxy_result({"statusCode": "204"}, "r")
    assert response.status == 204
    assert ("Content-Type", "application/json") in response.headers
    for malformed in ("text", {"statusCode": "abc"}, {"statusCode": 200, "body": {"not": "a string"}}):
        with pytest.raises(MalformedProxyResponse):
            http_response_from_proxy_result(malformed, "r")
