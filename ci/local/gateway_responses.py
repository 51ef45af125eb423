"""API Gateway's customizable gateway responses: how the stage answers the errors it produces itself.

A REST API may replace the built-in ``{"message": ...}`` of a gateway error (failed request validation,
unknown route, authorizer refusal, integration failure) with its own status, headers and body template per
response type, falling back to ``DEFAULT_4XX`` / ``DEFAULT_5XX`` by status class. The items API uses this to
keep its error envelope (``{"error": {"code", "message"}}``) on errors the function never sees, so the data
plane must apply them as the deployed API defines them.

Gateway response templates may reference ``$context`` variables; the ones an error response can meaningfully
use are substituted here (``$context.error.messageString`` is the message as a quoted JSON string). Header
values are static (``'value'``) or a request header (``method.request.header.Origin``, which is how a
gateway error can carry CORS headers); other sources are not emulated and leave the header out.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # a runtime import would be circular: proxy_event -> rest_api -> this module
    from ci.local.proxy_event import HttpResponse

_HEADER_PARAMETER = "gatewayresponse.header."
_REQUEST_HEADER = "method.request.header."
_CONTEXT_VARIABLE = r"context\.(error\.messageString|error\.message|error\.responseType|requestId)\b"
# $context.x or ${context.x}: a closing brace belongs to the reference only when it opened with one
_CONTEXT_REFERENCE = re.compile(rf"\$!?(?:\{{{_CONTEXT_VARIABLE}\}}|{_CONTEXT_VARIABLE})")


@dataclass(frozen=True)
class GatewayResponse:
    """One ``put-gateway-response`` as deployed: optional status, header mappings, body templates."""

    status_code: int | None = None
    headers: Mapping[str, str] = field(
        default_factory=dict
    )  # name -> "'static'" or "method.request.header.X"
    templates: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_api(cls, item: Mapping[str, Any]) -> GatewayResponse:
        status = item.get("statusCode")
        headers = {
            name.removeprefix(_HEADER_PARAMETER): value
            for name, value in (item.get("responseParameters") or {}).items()
            if name.startswith(_HEADER_PARAMETER)
        }
        return cls(
            status_code=int(status) if status else None,
            headers=headers,
            templates=dict(item.get("responseTemplates") or {}),
        )


def gateway_error_response(
    responses: Mapping[str, GatewayResponse],
    response_type: str,
    built_in: HttpResponse,
    message: str | None,
    request_id: str,
    request_headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    """``built_in`` (the default answer for ``response_type``) as the API customized it, if it did."""
    default_type = "DEFAULT_4XX" if built_in.status < 500 else "DEFAULT_5XX"
    custom = responses.get(response_type) or responses.get(default_type)
    if custom is None:
        return built_in
    template = custom.templates.get("application/json")
    if template is None:
        body = built_in.body
    else:
        values = {
            "error.messageString": json.dumps(message),
            "error.message": message or "",
            "error.responseType": response_type,
            "requestId": request_id,
        }
        body = _CONTEXT_REFERENCE.sub(
            lambda match: values[match.group(1) or match.group(2)], template
        ).encode()
    mapped = _mapped_headers(custom.headers, request_headers or {})
    replaced = {name.lower() for name in mapped}
    headers = [(name, value) for name, value in built_in.headers if name.lower() not in replaced]
    return dataclasses.replace(
        built_in,
        status=custom.status_code or built_in.status,
        headers=[*headers, *mapped.items()],
        body=body,
    )


def _mapped_headers(mappings: Mapping[str, str], request_headers: Mapping[str, str]) -> dict[str, str]:
    by_lower_name = {name.lower(): value for name, value in request_headers.items()}
    headers = {}
    for name, source in mappings.items():
        if source.startswith("'") and source.endswith("'") and len(source) >= 2:
            headers[name] = source[1:-1]
        elif source.startswith(_REQUEST_HEADER):
            value = by_lower_name.get(source.removeprefix(_REQUEST_HEADER).lower())
            if value:
                headers[name] = value
    return headers
