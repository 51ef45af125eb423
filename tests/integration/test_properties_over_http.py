"""Properties that need a real server: cursor walks and racing writers (threads against the moto server)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.__main__ import main as data_cli
from tests.integration.conftest import CallApi

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SEEDED = 40
CREATED_TOGETHER = 8


@pytest.fixture
def populated(endpoint: str, table_names: dict[str, str], call_api: CallApi) -> dict[str, dict[str, Any]]:
    """Seeded items an hour apart plus items created in a burst (some share a createdAt millisecond)."""
    assert (
        data_cli(
            ["seed", "--endpoint-url", endpoint, "--table", table_names["items"], "--count", str(SEEDED)]
        )
        == 0
    )
    for n in range(CREATED_TOGETHER):
        assert call_api("POST", "/items", body={"name": f"burst {n}", "status": "active"}).status == 201
    everything = call_api("GET", "/items", query={"limit": "100"}).json()
    assert everything["nextCursor"] is None
    return {item["id"]: item for item in everything["items"]}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    limit=st.integers(min_value=1, max_value=100),
    status=st.none() | st.sampled_from(["active", "inactive", "archived"]),
)
def test_cursor_walk_visits_every_item_exactly_once(
    call_api: CallApi, populated: dict[str, dict[str, Any]], limit: int, status: str | None
) -> None:
    seen: list[dict[str, Any]] = []
    cursor = None
    pages = 0
    while True:
        query = {
            "limit": str(limit),
            **({"status": status} if status else {}),
            **({"cursor": cursor} if cursor else {}),
        }
        page = call_api("GET", "/items", query=query).json()
        pages += 1
        seen.extend(page["items"])
        cursor = page["nextCursor"]
        if cursor is None:
            break
        assert page["count"] == limit  # only the last page may be short
    expected = {item_id for item_id, item in populated.items() if status in (None, item["status"])}
    counts = Counter(item["id"] for item in seen)
    assert set(counts) == expected
    assert max(counts.values(), default=1) == 1
    assert pages == max(1, -(-len(expected) // limit))
    if status:
        created = [item["createdAt"] for item in seen]
        assert created == sorted(created, reverse=True)


WRITERS = 6
CHANGES_PER_WRITER = 4


def test_racing_conditional_updates_never_lose_one(
    call_api: CallApi, new_execution_environment: Callable[[], CallApi]
) -> None:
    # Given one item and several writers, each in its own execution environment
    item_id = call_api("POST", "/items", body={"name": "counter", "description": ""}).json()["id"]
    start = threading.Barrier(WRITERS)

    def writer(number: int) -> int:
        api = new_execution_environment()
        conflicts = 0
        start.wait()
        for change in range(CHANGES_PER_WRITER):
            while True:  # read-modify-write, retrying on 409 like a well-behaved client
                current = api("GET", f"/items/{item_id}").json()
                marks = current.get("description", "")
                body = {"description": f"{marks}w{number}c{change};", "version": current["version"]}
                result = api("PUT", f"/items/{item_id}", body=body)
                if result.status == 200:
                    break
                assert (result.status, result.error_code) == (409, "VERSION_CONFLICT")
                conflicts += 1
        return conflicts

    # When they all change it at the same time
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        conflicts = sum(pool.map(writer, range(WRITERS)))
    # Then every change is there exactly once and the version counted each one
    final = call_api("GET", f"/items/{item_id}").json()
    marks = [mark for mark in final["description"].split(";") if mark]
    assert sorted(marks) == sorted(f"w{n}c{c}" for n in range(WRITERS) for c in range(CHANGES_PER_WRITER))
    assert final["version"] == 1 + WRITERS * CHANGES_PER_WRITER
    assert conflicts > 0  # the writers really did collide


def test_same_idempotency_key_sent_concurrently_creates_one_item(
    call_api: CallApi, new_execution_environment: Callable[[], CallApi]
) -> None:
    start = threading.Barrier(WRITERS)

    def send(_: int) -> tuple[int, Any]:
        api = new_execution_environment()
        start.wait()
        result = api("POST", "/items", body={"name": "pay once"}, headers={"Idempotency-Key": "race-1"})
        return result.status, result.json()

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        answers = list(pool.map(send, range(WRITERS)))
    created = {body["id"] for status, body in answers if status == 201}
    assert len(created) == 1
    assert all(
        status == 201 or body["error"]["code"] == "IDEMPOTENCY_IN_PROGRESS" for status, body in answers
    )
    assert call_api("GET", "/items").json()["count"] == 1
