"""The OpenAPI 3.0 document of the items API, generated from data/schemas/item.schema.json.

`python -m data openapi` rewrites data/openapi.json; `python -m data openapi --check` fails when the
committed file differs from what the schema produces. Schemas are copied, not re-described: the only
changes are the ones OpenAPI 3.0 needs ($ref paths under components, `nullable` instead of a null type).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from data.tables import SCHEMAS_DIR

ITEM_SCHEMA = SCHEMAS_DIR / "item.schema.json"
OPENAPI_PATH = Path(__file__).resolve().parent / "openapi.json"
API_VERSION = "1.0.0"


def _to_openapi_schema(node: Any) -> Any:
    if isinstance(node, list):
        return [_to_openapi_schema(value) for value in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _to_openapi_schema(value) for key, value in node.items()}
    ref = converted.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        converted["$ref"] = "#/components/schemas/" + ref.removeprefix("#/definitions/")
    types = converted.get("type")
    if isinstance(types, list) and "null" in types:
        (single,) = [t for t in types if t != "null"]
        converted["type"] = single
        converted["nullable"] = True
    return converted


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema_name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema_name)}}}


def _error(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


_ITEM_ID = {
    "name": "item_id",
    "in": "path",
    "required": True,
    "description": "The item's id (a UUID). Anything else is a 400 INVALID_ITEM_ID.",
    "schema": {"type": "string", "format": "uuid"},
}

_LIST_PARAMETERS = [
    {
        "name": "limit",
        "in": "query",
        "description": "Page size.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
    },
    {
        "name": "cursor",
        "in": "query",
        "description": (
            "Opaque `nextCursor` of the previous page, for the same `status` filter (signed: a cursor this"
            " API did not issue for this query is a 400 INVALID_CURSOR)."
        ),
        "schema": {"type": "string", "minLength": 1, "maxLength": 1024, "pattern": "^[A-Za-z0-9_-]+$"},
    },
    {
        "name": "status",
        "in": "query",
        "description": "Only items with this status, newest first (status-index GSI).",
        "schema": _ref("ItemStatus"),
    },
]

_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "description": (
        "Makes the create safe to retry: a repeat with the same body returns the same item; the same key with"
        " another body is a 422 IDEMPOTENCY_KEY_REUSED."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
}


def _gateway_errors(*statuses: str) -> dict[str, Any]:
    """Answers any operation can get from API Gateway itself, before or instead of the function."""
    every = {
        "403": _error("Forbidden"),
        "413": _error("PayloadTooLarge"),
        "429": _error("TooManyRequests"),
        "500": _error("InternalError"),
        "502": _error("BadGateway"),
        "503": _error("ServiceUnavailable"),
        "504": _error("GatewayTimeout"),
    }
    return {status: every[status] for status in statuses or every}


def _paths() -> dict[str, Any]:
    return {
        "/items": {
            "get": {
                "operationId": "listItems",
                "summary": "List items, a page at a time",
                "parameters": _LIST_PARAMETERS,
                "responses": {
                    "200": _json("ItemList", "A page of items; nextCursor is null on the last page."),
                    "400": _error("BadRequest"),
                    **_gateway_errors(),
                },
            },
            "post": {
                "operationId": "createItem",
                "summary": "Create an item",
                "parameters": [_IDEMPOTENCY_KEY],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("ItemCreate")}},
                },
                "responses": {
                    "201": _json("Item", "The created item (version 1)."),
                    "400": _error("BadRequest"),
                    "409": _error("Conflict"),
                    "422": _error("IdempotencyKeyReused"),
                    **_gateway_errors(),
                },
            },
        },
        "/items/{item_id}": {
            "parameters": [_ITEM_ID],
            "get": {
                "operationId": "getItem",
                "summary": "Read an item",
                "responses": {
                    "200": _json("Item", "The item."),
                    "400": _error("BadRequest"),
                    "404": _error("NotFound"),
                    **_gateway_errors(),
                },
            },
            "put": {
                "operationId": "updateItem",
                "summary": "Change an item (optimistic locking on version)",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("ItemUpdate")}},
                },
                "responses": {
                    "200": _json("Item", "The changed item; its version is one higher."),
                    "400": _error("BadRequest"),
                    "404": _error("NotFound"),
                    "409": _error("Conflict"),
                    **_gateway_errors(),
                },
            },
            "delete": {
                "operationId": "deleteItem",
                "summary": "Delete an item",
                "responses": {
                    "204": {"description": "Deleted."},
                    "400": _error("BadRequest"),
                    "404": _error("NotFound"),
                    **_gateway_errors(),
                },
            },
        },
    }


def _error_responses() -> dict[str, Any]:
    responses = {
        "BadRequest": _json("Error", "The request is malformed or breaks the item schema."),
        "NotFound": _json("Error", "No item has this id."),
        "Conflict": _json("Error", "Version mismatch, or the same Idempotency-Key is still being processed."),
        "IdempotencyKeyReused": _json("Error", "The Idempotency-Key was used before with another body."),
        "InternalError": _json("Error", "The server failed; no details are disclosed."),
        "ServiceUnavailable": _json(
            "Error",
            "DynamoDB is throttling (retry after Retry-After seconds), or the function is being redeployed.",
        ),
        "Forbidden": _json(
            "Error",
            "API Gateway's answer for a route or method the API does not have (MISSING_AUTHENTICATION_TOKEN),"
            " or a refused token where the JWT authorizer is attached.",
        ),
        "PayloadTooLarge": _json("Error", "The request body is over API Gateway's 10 MB limit."),
        "TooManyRequests": _json("Error", "The stage's throttling limit was hit; retry later."),
        "BadGateway": _json("Error", "The function failed or answered something API Gateway cannot use."),
        "GatewayTimeout": _json("Error", "The function did not answer within API Gateway's 29 s."),
    }
    responses["ServiceUnavailable"]["headers"] = {
        "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}
    }
    return responses


def build_openapi() -> dict[str, Any]:
    item_schema = json.loads(ITEM_SCHEMA.read_text(encoding="utf-8"))
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Items API",
            "version": API_VERSION,
            "description": (
                "CRUD and listing of items. Generated by `python -m data openapi` from"
                " data/schemas/item.schema.json; see docs/API.md."
            ),
        },
        "paths": _paths(),
        "components": {
            "schemas": _to_openapi_schema(item_schema["definitions"]),
            "responses": _error_responses(),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "Only where the optional JWT authorizer is attached to the API.",
                }
            },
        },
        "security": [{}, {"bearerAuth": []}],
    }


def render_openapi() -> str:
    return json.dumps(build_openapi(), indent=2, ensure_ascii=False) + "\n"
