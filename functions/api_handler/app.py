"""The HTTP layer: a Powertools REST resolver whose routes only parse input and call one logic function.

Errors of every kind leave here as `{"error": {"code", "message", "details"?}}` with a JSON content type.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from api_handler.errors import ApiError, ServiceUnavailable
from api_handler.idempotency import IdempotentCreation
from api_handler.models import ANONYMOUS_PRINCIPAL
from api_handler.observability import logger
from api_handler.parsing import (
    parse_idempotency_key,
    parse_item_changes,
    parse_item_id,
    parse_json_object,
    parse_list_query,
    parse_new_item,
)
from api_handler.service import ItemService
from api_handler.settings import Settings

# Request headers a browser may send cross-origin besides Powertools' built-in list (Authorization, ...).
CORS_EXTRA_REQUEST_HEADERS = ["Idempotency-Key"]
CORS_EXPOSED_HEADERS = ["Retry-After"]
CORS_MAX_AGE_SECONDS = 600


def json_body(payload: Any) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def error_payload(code: str, message: str, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> Response[str]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json_body(error_payload(code, message, details)),
        headers=headers,
    )


def json_response(status: int, payload: Any) -> Response[str]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json_body(payload))


def cors_config(settings: Settings) -> CORSConfig | None:
    """CORS from the environment's allowlist; None (no CORS headers, no preflight) when the list is empty."""
    if not settings.cors_allowed_origins:
        return None
    first, *others = settings.cors_allowed_origins
    return CORSConfig(
        allow_origin=first,
        extra_origins=others,
        allow_headers=CORS_EXTRA_REQUEST_HEADERS,
        expose_headers=CORS_EXPOSED_HEADERS,
        max_age=CORS_MAX_AGE_SECONDS,
    )


def vary_by_origin(response: dict[str, Any]) -> dict[str, Any]:
    """Add ``Vary: Origin`` to a resolved proxy response.

    With an allowlist the CORS headers depend on the request's Origin (echoed when allowed, absent otherwise),
    so every response must say so, or a shared cache could hand one origin's answer to another.
    """
    multi = response.get("multiValueHeaders")
    if isinstance(multi, dict):
        vary = [value for value in multi.get("Vary", []) if value != "Origin"]
        multi["Vary"] = [*vary, "Origin"]
    else:
        response.setdefault("headers", {})["Vary"] = "Origin"
    return response


def build_app(
    settings: Settings, service: ItemService, creation: IdempotentCreation
) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(cors=cors_config(settings))

    @app.post("/items")
    def create_item() -> Response[str]:
        event = app.current_event
        new_item = parse_new_item(parse_json_object(event.body, bool(event.is_base64_encoded)))
        key = parse_idempotency_key(event.headers.get("Idempotency-Key"))
        principal = event.request_context.authorizer.principal_id or ANONYMOUS_PRINCIPAL
        if key is None:
            item = service.create_item(new_item, principal)
        else:
            item = creation.create(new_item, principal, key, app.lambda_context)
        return json_response(201, item)

    @app.get("/items")
    def list_items() -> Response[str]:
        query = parse_list_query(app.current_event.query_string_parameters)
        return json_response(200, service.list_items(query))

    @app.get("/items/<item_id>")
    def get_item(item_id: str) -> Response[str]:
        return json_response(200, service.get_item(parse_item_id(item_id)))

    @app.put("/items/<item_id>")
    def update_item(item_id: str) -> Response[str]:
        event = app.current_event
        valid_id = parse_item_id(item_id)
        changes = parse_item_changes(parse_json_object(event.body, bool(event.is_base64_encoded)))
        return json_response(200, service.update_item(valid_id, changes))

    @app.delete("/items/<item_id>")
    def delete_item(item_id: str) -> Response[str]:
        service.delete_item(parse_item_id(item_id))
        return Response(status_code=204, content_type=None, body="")

    @app.exception_handler(ApiError)  # type: ignore[untyped-decorator]
    def api_error(error: ApiError) -> Response[str]:
        headers = None
        if isinstance(error, ServiceUnavailable):
            headers = {"Retry-After": str(error.retry_after_seconds)}
            logger.warning("DynamoDB throttled beyond the SDK's retries", exc_info=error.__cause__)
        else:
            logger.info("request refused", extra={"code": error.code, "status": error.http_status})
        return error_response(error.http_status, error.code, error.message, error.details, headers)

    @app.not_found
    def route_not_found(_: NotFoundError) -> Response[str]:
        event = app.current_event
        return error_response(404, "NOT_FOUND", f"no route for {event.http_method} {event.path}")

    @app.exception_handler(Exception)  # type: ignore[untyped-decorator]
    def unexpected_error(error: Exception) -> Response[str]:
        logger.exception("unexpected error while handling the request")
        return error_response(500, "INTERNAL_ERROR", "the server failed to handle the request")

    return app
