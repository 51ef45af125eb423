"""Opaque page cursors: `base64url(JSON position) "." base64url(check digest)`.

The position is the key of the last item on the page (what DynamoDB needs as ExclusiveStartKey) plus the
status filter it belongs to. Decoding is strict, so any edit, truncation or a cursor from another query is a
400, never a DynamoDB error:
- the digest (SHA-256 over a fixed context and the payload) catches any changed character;
- the payload must have exactly the expected keys and value shapes for the query (schema-checked).
The digest is unkeyed on purpose: a cursor only says where a listing stopped, which any caller can learn by
listing, so there is nothing to protect with a secret; the check is there to turn tampering into a clear 400.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from typing import Any

from api_handler.errors import InvalidCursor
from api_handler.models import ItemStatus, PageKey

CURSOR_FORMAT_VERSION = 1
MAX_CURSOR_LENGTH = 1024
_DIGEST_CONTEXT = b"items-api/cursor/v1\x00"
_DIGEST_BYTES = 12
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


def key_attributes(status: ItemStatus | None) -> frozenset[str]:
    """Attributes of a listing position: the table key, plus the status-index key when filtering by status."""
    return frozenset({"id", "status", "createdAt"}) if status else frozenset({"id"})


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64encode(raw) != text:  # non-canonical spellings of the same bytes are edits too
        raise ValueError("non-canonical base64")
    return raw


def _digest(payload: bytes) -> bytes:
    return hashlib.sha256(_DIGEST_CONTEXT + payload).digest()[:_DIGEST_BYTES]


def encode_cursor(key: PageKey, status: ItemStatus | None) -> str:
    payload = json.dumps(
        {"v": CURSOR_FORMAT_VERSION, "s": status, "k": key}, separators=(",", ":"), sort_keys=True
    ).encode("utf-8")
    return f"{_b64encode(payload)}.{_b64encode(_digest(payload))}"


def _position(document: Any, status: ItemStatus | None) -> PageKey | None:
    if not isinstance(document, dict) or set(document) != {"v", "s", "k"}:
        return None
    key = document["k"]
    if document["v"] != CURSOR_FORMAT_VERSION or document["s"] != status or not isinstance(key, dict):
        return None
    if set(key) != key_attributes(status) or not all(isinstance(v, str) for v in key.values()):
        return None
    if not _UUID.match(key["id"]):
        return None
    if status and (key["status"] != status or not _TIMESTAMP.match(key["createdAt"])):
        return None
    return dict(key)


def decode_cursor(cursor: str, status: ItemStatus | None) -> PageKey:
    """The position a cursor stands for; InvalidCursor if it was altered or belongs to another query."""
    position = None
    if len(cursor) <= MAX_CURSOR_LENGTH and cursor.count(".") == 1:
        encoded_payload, encoded_digest = cursor.split(".")
        try:
            payload = _b64decode(encoded_payload)
            if hmac.compare_digest(_b64decode(encoded_digest), _digest(payload)):
                position = _position(json.loads(payload), status)
        except (ValueError, binascii.Error):
            position = None
    if position is None:
        raise InvalidCursor(
            "cursor is not one this API issued for this query: start again without a cursor",
            details={"parameter": "cursor"},
        )
    return position
