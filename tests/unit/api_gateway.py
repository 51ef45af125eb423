"""API Gateway REST (v1) proxy events and results, shaped the way API Gateway sends and reads them.

The event follows the `APIGatewayProxyEvent` layout Powertools parses (its data class reads every field used
here); `ApiResult` reads the proxy result the way API Gateway does (single and multi-value headers merged).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

ACCOUNT_ID = "123456789012"
API_ID = "a1b2c3d4e5"
STAGE = "local"


def _resource_for(path: str) -> tuple[str, dict[str, str] | None]:
    parts = path.strip("/").split("/")
    if len(parts) == 2 and parts[0] == "items":
        return "/items/{item_id}", {"item_id": parts[1]}
    return path, None


def proxy_event(
    method: str,
    path: str,
    *,
    body: str | bytes | dict[str, Any] | list[Any] | None = None,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    principal: str | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """A REST API proxy event. dict/list bodies are sent as JSON; bytes that are not UTF-8 go base64, as
    API Gateway does for binary payloads."""
    all_headers = {"Host": f"{API_ID}.execute-api.us-east-1.amazonaws.com", "User-Agent": "pytest"}
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    is_base64 = False
    text_body: str | None
    if isinstance(body, dict | list):
        text_body = json.dumps(body)
    elif isinstance(body, bytes):
        try:
            text_body = body.decode("utf-8")
        except UnicodeDecodeError:
            text_body, is_base64 = base64.b64encode(body).decode("ascii"), True
    else:
        text_body = body
    resource, path_parameters = _resource_for(path)
    request_id = request_id or str(uuid.uuid4())
    request_context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": all_headers["Host"],
        "domainPrefix": API_ID,
        "extendedRequestId": request_id[:16],
        "httpMethod": method,
        "identity": {"sourceIp": "192.0.2.10", "userAgent": "pytest"},
        "path": f"/{STAGE}{quote(path)}",
        "protocol": "HTTP/1.1",
        "requestId": request_id,
        "requestTime": "30/Nov/2026:09:00:00 +0000",
        "requestTimeEpoch": 1796029200000,
        "resourceId": "abc123",
        "resourcePath": resource,
        "stage": STAGE,
    }
    if principal is not None:
        request_context["authorizer"] = {"principalId": principal, "integrationLatency": 3}
    event = {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": dict(query) if query else None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": request_context,
        "body": text_body,
        "isBase64Encoded": is_base64,
    }
    parsed = APIGatewayProxyEvent(event)  # the shape check: Powertools must read what we built
    assert parsed.http_method == method
    assert parsed.request_context.request_id == request_id
    return event


@dataclass
class LambdaContext:
    """What the Lambda runtime passes as `context` (the attributes Powertools reads)."""

    function_name: str = "items-service-local-api"
    function_version: str = "$LATEST"
    invoked_function_arn: str = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:items-service-local-api:live"
    memory_limit_in_mb: int = 256
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/items-service-local-api"
    log_stream_name: str = "2026/11/30/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


@dataclass(frozen=True)
class ApiResult:
    status: int
    headers: dict[str, str]
    body: str

    @classmethod
    def from_proxy_result(cls, result: Mapping[str, Any]) -> ApiResult:
        headers = {name.lower(): value for name, value in (result.get("headers") or {}).items()}
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers[name.lower()] = ",".join(values)
        body = result.get("body") or ""
        if result.get("isBase64Encoded"):
            body = base64.b64decode(body).decode("utf-8")
        return cls(status=int(result["statusCode"]), headers=headers, body=body)

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error_code(self) -> str:
        return str(self.json()["error"]["code"])
