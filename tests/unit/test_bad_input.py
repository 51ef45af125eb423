"""The bad-input catalogue: every malformed request is a 4xx with the JSON error body, never a 5xx."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.unit.conftest import CallApi, CreateItem

MISSING_ID = "1d7c0b7e-7d5f-4c55-9f0e-0e1f0a0b0c0d"

BAD_CREATE_BODIES: list[tuple[str, Any, str]] = [
    ("malformed JSON", '{"name": "x"', "INVALID_JSON"),
    ("trailing garbage", '{"name": "x"} x', "INVALID_JSON"),
    ("non-UTF-8 bytes", b'{"name": "\xff\xfe"}', "INVALID_JSON"),
    ("empty body", "", "INVALID_JSON"),
    ("no body", None, "INVALID_JSON"),
    ("NaN literal", '{"name": "x", "description": NaN}', "INVALID_JSON"),
    ("lone surrogate", '{"name": "\\ud800"}', "INVALID_JSON"),
    ("nested too deeply", "[" * 100_000 + "]" * 100_000, "INVALID_JSON"),
    ("list body", [{"name": "x"}], "VALIDATION_ERROR"),
    ("string body", '"just a string"', "VALIDATION_ERROR"),
    ("number body", "42", "VALIDATION_ERROR"),
    ("null body", "null", "VALIDATION_ERROR"),
    ("empty object", {}, "VALIDATION_ERROR"),
    ("name wrong type", {"name": 7}, "VALIDATION_ERROR"),
    ("name null", {"name": None}, "VALIDATION_ERROR"),
    ("name empty", {"name": ""}, "VALIDATION_ERROR"),
    ("name blank", {"name": "   "}, "VALIDATION_ERROR"),
    ("name of no-break spaces", {"name": "\u00a0\u3000"}, "VALIDATION_ERROR"),
    # control characters: a record separator is \S for Java and ECMAScript but \s for Python, so the
    # schema spells its classes out and refuses controls in names outright
    ("name with a record separator", {"name": "\u001e"}, "VALIDATION_ERROR"),
    ("name with a shift-out", {"name": "a\u000eb"}, "VALIDATION_ERROR"),
    ("name with a newline", {"name": "two\nlines"}, "VALIDATION_ERROR"),
    ("name with a C1 control", {"name": "x\u0085"}, "VALIDATION_ERROR"),
    ("description with a NUL", {"name": "x", "description": "a\u0000b"}, "VALIDATION_ERROR"),
    ("name 256 chars", {"name": "n" * 256}, "VALIDATION_ERROR"),
    ("description 2001 chars", {"name": "x", "description": "d" * 2001}, "VALIDATION_ERROR"),
    ("description wrong type", {"name": "x", "description": ["a"]}, "VALIDATION_ERROR"),
    ("bad status", {"name": "x", "status": "deleted"}, "VALIDATION_ERROR"),
    ("status wrong case", {"name": "x", "status": "Active"}, "VALIDATION_ERROR"),
    ("unknown field", {"name": "x", "colour": "red"}, "VALIDATION_ERROR"),
    ("server-managed id", {"name": "x", "id": MISSING_ID}, "VALIDATION_ERROR"),
    ("server-managed version", {"name": "x", "version": 1}, "VALIDATION_ERROR"),
    ("server-managed createdAt", {"name": "x", "createdAt": "2026-01-01T00:00:00.000Z"}, "VALIDATION_ERROR"),
    ("server-managed createdBy", {"name": "x", "createdBy": "someone-else"}, "VALIDATION_ERROR"),
]


@pytest.mark.parametrize(("case", "body", "code"), BAD_CREATE_BODIES, ids=[c[0] for c in BAD_CREATE_BODIES])
def test_bad_create_body_is_400_json(call_api: CallApi, case: str, body: Any, code: str) -> None:
    # Given a body from the catalogue / When it is posted
    result = call_api("POST", "/items", body=body)
    # Then it is a 400 JSON error with the code that says what is wrong, and nothing is stored
    assert result.status == 400, result.body
    assert result.headers["content-type"] == "application/json"
    assert result.error_code == code
    assert result.json()["error"]["message"]
    assert call_api("GET", "/items").json()["count"] == 0


def test_descriptions_keep_tabs_and_line_breaks(call_api: CallApi) -> None:
    result = call_api("POST", "/items", body={"name": "multi-line", "description": "one\n\ttwo\r\nthree"})
    assert result.status == 201, result.body
    assert result.json()["description"] == "one\n\ttwo\r\nthree"


def test_base64_body_that_is_valid_utf8_json_is_accepted(call_api: CallApi) -> None:
    # API Gateway base64-encodes bodies of binary media types; a JSON body sent that way still works.
    event_body = base64.b64encode(b'{"name": "via base64"}').decode()
    from api_handler.handler import lambda_handler

    from tests.unit.api_gateway import ApiResult, LambdaContext, proxy_event

    event = proxy_event("POST", "/items", body=event_body)
    event["isBase64Encoded"] = True
    result = ApiResult.from_proxy_result(lambda_handler(event, LambdaContext()))
    assert (result.status, result.json()["name"]) == (201, "via base64")


def test_unknown_field_error_names_the_fields(call_api: CallApi) -> None:
    result = call_api("POST", "/items", body={"name": "x", "id": MISSING_ID, "colour": "red"})
    details = result.json()["error"]["details"]
    assert details["serverManaged"] == ["id"]
    assert details["unknown"] == ["colour"]


def test_schema_error_names_the_field_and_rule(call_api: CallApi) -> None:
    result = call_api("POST", "/items", body={"name": "n" * 256})
    assert result.json()["error"]["details"] == {"field": "name", "rule": "maxLength"}
    assert result.json()["error"]["message"].startswith("name ")


BAD_UPDATE_BODIES: list[tuple[str, Any]] = [
    ("version missing", {"name": "x"}),
    ("version only", {"version": 1}),
    ("version zero", {"name": "x", "version": 0}),
    ("version string", {"name": "x", "version": "1"}),
    ("version boolean", {"name": "x", "version": True}),
    ("version fraction", {"name": "x", "version": 1.5}),
    ("version beyond 2^53", {"name": "x", "version": 2**60}),
    ("server-managed id", {"id": MISSING_ID, "version": 1}),
    ("server-managed updatedAt", {"updatedAt": "2026-01-01T00:00:00.000Z", "version": 1}),
    ("unknown field", {"colour": "red", "version": 1}),
    ("name 256 chars", {"name": "n" * 256, "version": 1}),
    ("description 2001 chars", {"description": "d" * 2001, "version": 1}),
    ("bad status", {"status": "gone", "version": 1}),
    ("list body", [{"name": "x", "version": 1}]),
]


@pytest.mark.parametrize(("case", "body"), BAD_UPDATE_BODIES, ids=[c[0] for c in BAD_UPDATE_BODIES])
def test_bad_update_body_is_400_and_changes_nothing(
    call_api: CallApi, create_item: CreateItem, case: str, body: Any
) -> None:
    created = create_item(name="unchanged")
    result = call_api("PUT", f"/items/{created['id']}", body=body)
    assert result.status == 400, result.body
    assert result.error_code == "VALIDATION_ERROR"
    assert call_api("GET", f"/items/{created['id']}").json() == created


@pytest.mark.parametrize("body", ['{"version": ', b"\xc3\x28", ""], ids=["malformed", "non-UTF-8", "empty"])
def test_unreadable_update_body_is_400(call_api: CallApi, create_item: CreateItem, body: Any) -> None:
    created = create_item()
    result = call_api("PUT", f"/items/{created['id']}", body=body)
    assert (result.status, result.error_code) == (400, "INVALID_JSON")


ODD_IDS = [
    "not-a-uuid",
    "123",
    "1d7c0b7e7d5f4c559f0e0e1f0a0b0c0d",  # no dashes
    "1d7c0b7e-7d5f-4c55-9f0e-0e1f0a0b0c0dX",
    "{1d7c0b7e-7d5f-4c55-9f0e-0e1f0a0b0c0d}",
    "..",
    "%00",
    "' OR 1=1 --",
    "ü" * 10,
    "a" * 2000,
]


@pytest.mark.parametrize("item_id", ODD_IDS)
@pytest.mark.parametrize(
    ("method", "body"), [("GET", None), ("PUT", {"name": "x", "version": 1}), ("DELETE", None)]
)
def test_odd_ids_are_400_on_every_item_route(call_api: CallApi, item_id: str, method: str, body: Any) -> None:
    result = call_api(method, f"/items/{item_id}", body=body)
    assert result.status == 400
    assert result.error_code == "INVALID_ITEM_ID"


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "abc"},
        {"limit": "-1"},
        {"limit": "1.5"},
        {"limit": ""},
        {"limit": "²"},
        {"limit": "9" * 5000},
        {"status": "deleted"},
        {"status": ""},
        {"status": "ACTIVE"},
    ],
    ids=lambda q: f"{next(iter(q))}={next(iter(q.values()))[:8]!r}",
)
def test_bad_list_parameters_are_400(call_api: CallApi, query: dict[str, str]) -> None:
    result = call_api("GET", "/items", query=query)
    assert result.status == 400
    assert result.error_code == "INVALID_QUERY_PARAMETER"
    assert result.json()["error"]["details"] == {"parameter": next(iter(query))}


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "",
        "a.b",
        "a.b.c",
        "eyJrIjp7ImlkIjoieCJ9LCJzIjpudWxsLCJ2IjoxfQ.AAAAAAAAAAAAAAAA",  # well-formed JSON, wrong digest
        "%%%%.%%%%",
        "é" * 20 + ".x",
        "x" * 5000,
    ],
)
def test_bad_or_forged_cursors_are_400(call_api: CallApi, cursor: str) -> None:
    result = call_api("GET", "/items", query={"cursor": cursor})
    assert result.status == 400
    assert result.error_code == "INVALID_CURSOR"


@pytest.mark.parametrize("key", ["", "has space", "é", "k" * 256])
def test_bad_idempotency_keys_are_400(call_api: CallApi, key: str) -> None:
    result = call_api("POST", "/items", body={"name": "x"}, headers={"Idempotency-Key": key})
    assert result.status == 400
    assert result.error_code == "INVALID_IDEMPOTENCY_KEY"
