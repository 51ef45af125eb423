"""Turn raw request parts (body text, path and query strings, headers) into checked models.

Framework-free: routes hand over plain strings; everything a client can get wrong becomes an ApiError (4xx).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any, cast

from api_handler import schema
from api_handler.errors import (
    InvalidIdempotencyKey,
    InvalidItemId,
    InvalidJsonBody,
    InvalidQueryParameter,
    ValidationFailed,
)
from api_handler.models import ItemChanges, ItemFields, ItemStatus, ListQuery, NewItem

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Any canonical UUID (seed data uses deterministic ids); anything else cannot name an item.
_ITEM_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
# Printable ASCII without spaces: what a client-made key (usually a UUID) looks like, bounded in size.
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json_object(body: str | None, is_base64_encoded: bool) -> dict[str, Any]:
    """The request body as a JSON object; empty, non-UTF-8, malformed or non-object bodies are refused."""
    if not body:
        raise InvalidJsonBody("request body is empty: send a JSON object")
    try:
        raw = base64.b64decode(body, validate=True) if is_base64_encoded else body.encode("utf-8")
        text = raw.decode("utf-8")
        document = json.loads(text, parse_constant=_reject_constant)
        # Lone surrogates (e.g. "\ud800") parse but cannot be stored or sent back as UTF-8.
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except (binascii.Error, UnicodeError) as error:
        raise InvalidJsonBody("request body is not UTF-8 encoded JSON") from error
    except ValueError as error:  # json.JSONDecodeError and rejected constants
        raise InvalidJsonBody(f"request body is not valid JSON: {error}") from error
    except RecursionError:  # e.g. "[[[[…" nested deeper than the parser's stack
        raise InvalidJsonBody("request body is nested too deeply") from None
    if not isinstance(document, dict):
        raise ValidationFailed(f"request body must be a JSON object, not {type(document).__name__}")
    return document


def _check_fields(document: dict[str, Any], definition: str) -> None:
    allowed = schema.property_names(definition)
    unexpected = set(document) - allowed
    if unexpected:
        server_managed = sorted(unexpected & schema.property_names("Item"))
        unknown = sorted(unexpected - set(server_managed))
        problems = []
        if server_managed:
            problems.append(f"server-managed field(s) cannot be set: {', '.join(server_managed)}")
        if unknown:
            problems.append(f"unknown field(s): {', '.join(unknown)}")
        raise ValidationFailed(
            "; ".join(problems),
            details={"serverManaged": server_managed, "unknown": unknown, "allowed": sorted(allowed)},
        )
    try:
        schema.validate(definition, document)
    except schema.SchemaViolation as violation:
        raise ValidationFailed(
            violation.message, details={"field": violation.field, "rule": violation.rule}
        ) from None


def _fields(document: dict[str, Any]) -> ItemFields:
    return cast(ItemFields, {k: document[k] for k in ("name", "description", "status") if k in document})


def parse_new_item(document: dict[str, Any]) -> NewItem:
    _check_fields(document, "ItemCreate")
    return NewItem(fields=_fields(document))


def parse_item_changes(document: dict[str, Any]) -> ItemChanges:
    _check_fields(document, "ItemUpdate")
    # JSON Schema counts 2.0 as an integer; the stored version is a whole number either way.
    return ItemChanges(fields=_fields(document), expected_version=int(document["version"]))


def parse_item_id(raw: str) -> str:
    if not _ITEM_ID.match(raw):
        raise InvalidItemId("item id must be a UUID such as 3f0c8a52-9d1e-4b7a-8c55-0d7f6a1b2c3d")
    return raw.lower()


def parse_list_query(parameters: Mapping[str, str]) -> ListQuery:
    raw_limit = parameters.get("limit")
    limit = DEFAULT_LIMIT
    if raw_limit is not None:
        # isdigit() alone accepts "²" and 5000-digit strings that int() refuses: keep to short ASCII digits.
        well_formed = raw_limit.isascii() and raw_limit.isdigit() and len(raw_limit) <= 3
        if not well_formed or not 1 <= int(raw_limit) <= MAX_LIMIT:
            raise InvalidQueryParameter(
                f"limit must be a whole number from 1 to {MAX_LIMIT}", details={"parameter": "limit"}
            )
        limit = int(raw_limit)
    status = parameters.get("status")
    allowed = schema.definition("ItemStatus")["enum"]
    if status is not None and status not in allowed:
        raise InvalidQueryParameter(
            f"status must be one of {', '.join(allowed)}", details={"parameter": "status"}
        )
    cursor = parameters.get("cursor")
    return ListQuery(limit=limit, status=cast(ItemStatus | None, status), cursor=cursor)


def parse_idempotency_key(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not _IDEMPOTENCY_KEY.match(raw):
        raise InvalidIdempotencyKey("Idempotency-Key must be 1-255 printable ASCII characters without spaces")
    return raw
