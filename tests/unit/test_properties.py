"""Property tests through the Lambda entry point: round trips and refusals hold for any input."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.conftest import CallApi

# The schema's rules (data/schemas/item.schema.json), written independently: no control characters (C0, DEL,
# C1) in a name, which must hold one character that is not a space; tab, LF and CR allowed in descriptions.
CONTROL = frozenset({*map(chr, range(0x20)), *map(chr, range(0x7F, 0xA0))})
SPACES = frozenset(
    " \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff" + "".join(map(chr, range(0x2000, 0x200B)))
)
NAME_CHARACTERS = st.characters(exclude_characters="".join(CONTROL), exclude_categories=["Cs"])
NAMES = st.text(NAME_CHARACTERS, min_size=1, max_size=255).filter(lambda s: not set(s) <= SPACES)
DESCRIPTIONS = st.text(
    st.characters(exclude_characters="".join(CONTROL - set("\t\n\r")), exclude_categories=["Cs"]),
    max_size=2000,
)
STATUSES = st.sampled_from(["active", "inactive", "archived"])

valid_bodies = st.fixed_dictionaries(
    {"name": NAMES}, optional={"description": DESCRIPTIONS, "status": STATUSES}
)

FIXTURE_STATE_IS_FINE = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FIXTURE_STATE_IS_FINE
@given(body=valid_bodies)
def test_create_then_read_round_trip(call_api: CallApi, body: dict[str, Any]) -> None:
    created = call_api("POST", "/items", body=body)
    assert created.status == 201, created.body
    item = created.json()
    assert {k: item[k] for k in body} == body
    assert call_api("GET", f"/items/{item['id']}").json() == item


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)

server_managed_or_unknown = st.sampled_from(
    ["id", "version", "createdAt", "updatedAt", "createdBy", "colour"]
)

invalid_bodies = st.one_of(
    # not an object
    json_values.filter(lambda v: not isinstance(v, dict)).map(json.dumps),
    # a name that breaks the schema
    st.fixed_dictionaries({"name": st.text(min_size=256, max_size=300)}).map(json.dumps),
    st.fixed_dictionaries({"name": st.text(alphabet=" \t\n", max_size=5)}).map(json.dumps),
    st.fixed_dictionaries({"name": json_values.filter(lambda v: not isinstance(v, str))}).map(json.dumps),
    # a field nobody may set
    st.builds(
        lambda body, field, value: json.dumps({**body, field: value}),
        valid_bodies,
        server_managed_or_unknown,
        json_values,
    ),
    # a status outside the enum
    st.builds(
        lambda body, status: json.dumps({**body, "status": status}),
        valid_bodies,
        st.text().filter(lambda s: s not in {"active", "inactive", "archived"}),
    ),
    # not JSON at all (prefix "{" keeps it from accidentally being valid)
    st.text(max_size=30).map(lambda s: "{" + s),
    # not UTF-8
    st.binary(min_size=1, max_size=30).map(lambda b: b"\xff" + b),
)


@FIXTURE_STATE_IS_FINE
@given(body=invalid_bodies)
def test_invalid_bodies_are_always_400_json(call_api: CallApi, body: str | bytes) -> None:
    result = call_api("POST", "/items", body=body)
    assert result.status == 400, (body, result.body)
    assert result.headers["content-type"] == "application/json"
    error = result.json()["error"]
    assert error["code"] in {"INVALID_JSON", "VALIDATION_ERROR"}
    assert error["message"]
