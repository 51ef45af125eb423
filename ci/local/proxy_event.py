"""API Gateway REST (v1) Lambda proxy integration: an HTTP request as the proxy event, the proxy result as
HTTP.

Follows what API Gateway sends and accepts: single- and multi-value headers and query strings (the
single-value maps keep the last value), ``null`` for absent maps and bodies, a base64 body
(``isBase64Encoded``) when it is not UTF-8 text or its type is one of the API's binary media types, and a
502 for a malformed proxy result.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from ci.local.rest_api import DeployedRestApi, RouteMatch

ACCOUNT_ID = "123456789012"
INTERNAL_SERVER_ERROR = b'{"message": "Internal server error"}'


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    query: str
    headers: Sequence[tuple[str, str]]
    body: bytes
    source_ip: str
    host: str


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Sequence[tuple[str, str]]
    body: bytes


def _multi_value(
    pairs: Sequence[tuple[str, str]],
) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return (single or None), (multi or None)


def _is_binary(content_type: str, binary_media_types: Sequence[str]) -> bool:
    media_type = content_type.split(";")[0].strip().lower()
    return any(fnmatch.fnmatch(media_type, pattern.lower()) for pattern in binary_media_types)


def build_proxy_event(
    request: HttpRequest,
    api: DeployedRestApi,
    route: RouteMatch,
    request_id: str | None = None,
    authorizer: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    headers, multi_value_headers = _multi_value(request.headers)
    query, multi_value_query = _multi_value(parse_qsl(request.query, keep_blank_values=True))
    content_type = next((v for k, v in request.headers if k.lower() == "content-type"), "")
    body: str | None = None
    is_base64 = False
    if request.body:
        try:
            if _is_binary(content_type, api.binary_media_types):
                raise UnicodeDecodeError("binary", request.body, 0, 1, "binary media type")
            body = request.body.decode("utf-8")
        except UnicodeDecodeError:
            body = base64.b64encode(request.body).decode("ascii")
            is_base64 = True
    now = datetime.now(UTC)
    request_id = request_id or str(uuid.uuid4())
    user_agent = (headers or {}).get("User-Agent") or next(
        (v for k, v in request.headers if k.lower() == "user-agent"), None
    )
    return {
        "resource": route.resource.path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers or {},
        "multiValueHeaders": multi_value_headers or {},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_value_query,
        "pathParameters": dict(route.path_parameters) or None,
        "stageVariables": dict(api.stage_variables) or None,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": api.id,
            "resourceId": route.resource.id,
            "resourcePath": route.resource.path,
            "httpMethod": request.method,
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "path": f"/{api.stage_name}{request.path}",
            "protocol": "HTTP/1.1",
            "stage": api.stage_name,
            "domainName": request.host,
            "domainPrefix": request.host.split(".")[0],
            "identity": {
                "sourceIp": request.source_ip,
                "userAgent": user_agent,
                "accessKey": None,
                "accountId": None,
                "apiKey": None,
                "apiKeyId": None,
                "caller": None,
                "cognitoAuthenticationProvider": None,
                "cognitoAuthenticationType": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "principalOrgId": None,
                "user": None,
                "userArn": None,
            },
            # principalId and context of the method's Lambda authorizer; null for a public method.
            "authorizer": dict(authorizer) if authorizer is not None else None,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


class MalformedProxyResponse(ValueError):
    """The function's result is not a valid Lambda proxy response (API Gateway answers 502)."""


def http_response_from_proxy_result(result: Any, request_id: str) -> HttpResponse:
    if not isinstance(result, Mapping):
        raise MalformedProxyResponse(f"proxy result is {type(result).__name__}, not an object")
    try:
        status = int(result.get("statusCode", 200))
    except (TypeError, ValueError) as exc:
        raise MalformedProxyResponse(f"statusCode {result.get('statusCode')!r} is not an integer") from exc
    if not 100 <= status <= 599:
        raise MalformedProxyResponse(f"statusCode {status} is out of range")
    merged: dict[str, list[str]] = {}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        merged.setdefault(name, []).extend(str(value) for value in values)
    # Both maps are merged; a value given in both appears once (API Gateway's documented behaviour).
    for name, value in (result.get("headers") or {}).items():
        if str(value) not in merged.setdefault(name, []):
            merged[name].append(str(value))
    raw_body = result.get("body")
    if raw_body is None:
        body = b""
    elif not isinstance(raw_body, str):
        raise MalformedProxyResponse("body must be a string")
    elif result.get("isBase64Encoded"):
        body = base64.b64decode(raw_body)
    else:
        body = raw_body.encode("utf-8")
    headers = [(name, value) for name, values in merged.items() for value in values]
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    headers.append(("x-amzn-RequestId", request_id))
    return HttpResponse(status, headers, body)


def gateway_error(status: int, message: str, request_id: str | None = None) -> HttpResponse:
    """An error API Gateway itself produces (no function output involved)."""
    headers = [("Content-Type", "application/json")]
    if request_id:
        headers.append(("x-amzn-RequestId", request_id))
        headers.append(("x-amzn-ErrorType", _ERROR_TYPES.get(status, "InternalServerErrorException")))
    return HttpResponse(status, headers, json.dumps({"message": message}).encode())


_ERROR_TYPES = {
    400: "BadRequestException",
    403: "MissingAuthenticationTokenException",
    502: "InternalServerErrorException",
    503: "ServiceUnavailableException",
    504: "IntegrationTimeoutException",
}
