"""POST /items with Idempotency-Key: retries are safe, reusing a key for another body is refused."""

from __future__ import annotations

import time

import boto3

from tests.unit.conftest import IDEMPOTENCY_TABLE, CallApi


def test_repeat_with_same_key_and_body_returns_the_same_item_and_creates_one(call_api: CallApi) -> None:
    # Given a create sent with an Idempotency-Key
    headers = {"Idempotency-Key": "order-7f3a"}
    first = call_api("POST", "/items", body={"name": "Once"}, headers=headers)
    # When the client retries it (e.g. after a timeout)
    second = call_api("POST", "/items", body={"name": "Once"}, headers=headers)
    # Then both answers are 201 with the same item, and only one item exists
    assert (first.status, second.status) == (201, 201)
    assert second.json() == first.json()
    assert call_api("GET", "/items").json()["count"] == 1


def test_same_key_with_another_body_is_422(call_api: CallApi) -> None:
    headers = {"Idempotency-Key": "order-7f3a"}
    call_api("POST", "/items", body={"name": "First"}, headers=headers)
    result = call_api("POST", "/items", body={"name": "Second"}, headers=headers)
    assert result.status == 422
    assert result.error_code == "IDEMPOTENCY_KEY_REUSED"
    assert call_api("GET", "/items").json()["count"] == 1


def test_keys_are_scoped_to_the_caller(call_api: CallApi) -> None:
    # Given two callers who happen to pick the same key
    headers = {"Idempotency-Key": "1"}
    alice = call_api("POST", "/items", body={"name": "A"}, headers=headers, principal="alice")
    bob = call_api("POST", "/items", body={"name": "B"}, headers=headers, principal="bob")
    # Then each gets its own item
    assert (alice.status, bob.status) == (201, 201)
    assert alice.json()["id"] != bob.json()["id"]


def test_without_a_key_every_post_creates(call_api: CallApi) -> None:
    call_api("POST", "/items", body={"name": "dup"})
    call_api("POST", "/items", body={"name": "dup"})
    assert call_api("GET", "/items").json()["count"] == 2


def test_records_expire_after_the_configured_ttl(call_api: CallApi) -> None:
    call_api("POST", "/items", body={"name": "x"}, headers={"Idempotency-Key": "ttl-check"})
    records = boto3.client("dynamodb").scan(TableName=IDEMPOTENCY_TABLE)["Items"]
    assert len(records) == 1
    assert records[0]["status"]["S"] == "COMPLETED"
    # IDEMPOTENCY_TTL_SECONDS is 3600 in the test environment
    assert abs(int(records[0]["expiration"]["N"]) - (time.time() + 3600)) < 60


def test_invalid_body_with_a_key_does_not_burn_the_key(call_api: CallApi) -> None:
    headers = {"Idempotency-Key": "retry-after-fix"}
    assert call_api("POST", "/items", body={"name": ""}, headers=headers).status == 400
    assert call_api("POST", "/items", body={"name": "fixed"}, headers=headers).status == 201
