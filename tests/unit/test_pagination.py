"""Cursors: what encode makes, decode takes back; any edit or a cursor from another query is refused."""

from __future__ import annotations

import uuid

import pytest
from api_handler.errors import InvalidCursor
from api_handler.pagination import decode_cursor, encode_cursor
from hypothesis import given
from hypothesis import strategies as st

statuses = st.sampled_from(["active", "inactive", "archived"])
ids = st.uuids(version=4).map(str)
timestamps = st.datetimes(timezones=st.none()).map(lambda d: d.isoformat(timespec="milliseconds") + "Z")


@st.composite
def positions(draw: st.DrawFn) -> tuple[dict[str, str], str | None]:
    status = draw(st.none() | statuses)
    key = {"id": draw(ids)}
    if status:
        key |= {"status": status, "createdAt": draw(timestamps)}
    return key, status


@given(positions())
def test_round_trip(position: tuple[dict[str, str], str | None]) -> None:
    key, status = position
    assert decode_cursor(encode_cursor(key, status), status) == key  # type: ignore[arg-type]


@given(positions(), st.data())
def test_any_single_character_edit_is_refused(
    position: tuple[dict[str, str], str | None], data: st.DataObject
) -> None:
    key, status = position
    cursor = encode_cursor(key, status)  # type: ignore[arg-type]
    index = data.draw(st.integers(0, len(cursor) - 1))
    replacement = data.draw(
        st.sampled_from("ABCDEFabcdef0123456789-_.=").filter(lambda c: c != cursor[index])
    )
    tampered = cursor[:index] + replacement + cursor[index + 1 :]
    with pytest.raises(InvalidCursor):
        decode_cursor(tampered, status)  # type: ignore[arg-type]


@given(positions())
def test_truncation_is_refused(position: tuple[dict[str, str], str | None]) -> None:
    key, status = position
    cursor = encode_cursor(key, status)  # type: ignore[arg-type]
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor[:-1], status)  # type: ignore[arg-type]


def test_cursor_with_a_valid_digest_but_wrong_shape_is_refused() -> None:
    # Someone who recomputes the (unkeyed) digest still cannot smuggle in another key shape
    item_id = str(uuid.uuid4())
    wrong_shapes = [
        ({"id": "not-a-uuid"}, None),
        ({"id": item_id, "extra": "x"}, None),
        ({"id": item_id}, "active"),  # status query without the index key
        ({"id": item_id, "status": "archived", "createdAt": "2026-01-01T00:00:00.000Z"}, "active"),
        ({"id": item_id, "status": "active", "createdAt": "yesterday"}, "active"),
    ]
    for key, status in wrong_shapes:
        with pytest.raises(InvalidCursor):
            decode_cursor(encode_cursor(key, status), status)  # type: ignore[arg-type]
