"""Rare failures: throttling beyond retries (503), surprises (500) and bad configuration, all JSON."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from api_handler.app import build_app
from api_handler.errors import ServiceUnavailable
from api_handler.idempotency import IdempotentCreation
from api_handler.models import Item, ItemChanges, ItemStatus, PageKey, StoredPage
from api_handler.repository import DynamoItemRepository
from api_handler.service import ItemService
from api_handler.settings import load_settings
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from tests.unit.api_gateway import ApiResult, LambdaContext, proxy_event
from tests.unit.conftest import CallApi

SOME_ID = "1d7c0b7e-7d5f-4c55-9f0e-0e1f0a0b0c0d"


class FailingRepository:
    """A repository whose every call fails with `error`: the rare paths, on demand."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def put_new(self, item: Item) -> None:
        raise self.error

    def get(self, item_id: str) -> Item | None:
        raise self.error

    def update(self, item_id: str, changes: ItemChanges, updated_at: str) -> Item:
        raise self.error

    def delete(self, item_id: str) -> None:
        raise self.error

    def list_page(self, limit: int, start: PageKey | None, status: ItemStatus | None) -> StoredPage:
        raise self.error


class NoEvents:
    def item_created(self) -> None: ...
    def item_updated(self) -> None: ...
    def item_deleted(self) -> None: ...
    def version_conflict(self) -> None: ...


def call_with_repository(repository: Any, method: str, path: str, **event: Any) -> ApiResult:
    settings = load_settings(
        {
            "ITEMS_TABLE_NAME": "t-items",
            "IDEMPOTENCY_TABLE_NAME": "t-idempotency",
            "ENVIRONMENT": "local",
            "CORS_ALLOWED_ORIGINS": "https://app.example.com",
        }
    )
    service = ItemService(repository, NoEvents())
    creation = IdempotentCreation(service, "t-idempotency", 60, client=lambda: boto3.client("dynamodb"))
    app = build_app(settings, service, creation)
    return ApiResult.from_proxy_result(app.resolve(proxy_event(method, path, **event), LambdaContext()))


ROUTES = [
    ("POST", "/items", {"name": "x"}),
    ("GET", "/items", None),
    ("GET", f"/items/{SOME_ID}", None),
    ("PUT", f"/items/{SOME_ID}", {"name": "x", "version": 1}),
    ("DELETE", f"/items/{SOME_ID}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_throttling_beyond_retries_is_503_with_retry_after(method: str, path: str, body: Any) -> None:
    repository = FailingRepository(ServiceUnavailable("the items table is busy: retry after a moment"))
    result = call_with_repository(repository, method, path, body=body)
    assert result.status == 503
    assert result.error_code == "SERVICE_UNAVAILABLE"
    assert int(result.headers["retry-after"]) >= 1


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_unexpected_failure_is_500_json_without_internals(
    method: str, path: str, body: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a failure nobody planned for, with something sensitive in its message
    repository = FailingRepository(RuntimeError("secret-table-arn arn:aws:dynamodb:...:table/x"))
    # When a request hits it
    result = call_with_repository(
        repository, method, path, body=body, headers={"Origin": "https://app.example.com"}
    )
    # Then the client gets a plain 500 JSON error: no trace, no message of the exception
    assert result.status == 500
    assert result.headers["content-type"] == "application/json"
    assert result.json() == {
        "error": {"code": "INTERNAL_ERROR", "message": "the server failed to handle the request"}
    }
    assert "Traceback" not in result.body
    assert "secret-table-arn" not in result.body
    # ...and the operators get the whole story in the log
    assert "secret-table-arn" in caplog.text


@pytest.mark.parametrize(
    "code", ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]
)
def test_repository_turns_dynamodb_throttling_into_service_unavailable(aws: None, code: str) -> None:
    # Given a real client whose answer is a throttling error (after botocore's retries)
    client = boto3.client("dynamodb")
    repository = DynamoItemRepository("t-items", client=client)
    with Stubber(client) as stub:
        stub.add_client_error("get_item", service_error_code=code, http_status_code=400)
        # When the repository reads / Then the error is the 503 kind
        with pytest.raises(ServiceUnavailable):
            repository.get(SOME_ID)


def test_repository_lets_other_dynamodb_errors_through(aws: None) -> None:
    client = boto3.client("dynamodb")
    repository = DynamoItemRepository("t-items", client=client)
    with Stubber(client) as stub:
        stub.add_client_error("scan", service_error_code="ResourceNotFoundException", http_status_code=400)
        with pytest.raises(ClientError):
            repository.list_page(5, None, None)


def test_missing_table_is_a_500_not_a_crash(call_api: CallApi, monkeypatch: pytest.MonkeyPatch) -> None:
    from api_handler import wiring

    monkeypatch.setenv("ITEMS_TABLE_NAME", "no-such-table")
    wiring.request_handler.cache_clear()
    result = call_api("GET", "/items")
    assert (result.status, result.error_code) == (500, "INTERNAL_ERROR")


def test_idempotency_store_throttling_is_503(call_api: CallApi, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the idempotency table throttles every write
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    def throttled(*_: Any, **__: Any) -> None:
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "PutItem")

    monkeypatch.setattr(DynamoDBPersistenceLayer, "_put_record", throttled)
    # When a keyed create arrives / Then the client is told to come back later
    result = call_api("POST", "/items", body={"name": "x"}, headers={"Idempotency-Key": "k1"})
    assert (result.status, result.error_code) == (503, "SERVICE_UNAVAILABLE")
    assert "retry-after" in result.headers


def test_idempotency_store_other_failure_is_500(call_api: CallApi, monkeypatch: pytest.MonkeyPatch) -> None:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    def broken(*_: Any, **__: Any) -> None:
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "PutItem")

    monkeypatch.setattr(DynamoDBPersistenceLayer, "_put_record", broken)
    result = call_api("POST", "/items", body={"name": "x"}, headers={"Idempotency-Key": "k1"})
    assert (result.status, result.error_code) == (500, "INTERNAL_ERROR")


def test_same_key_still_in_progress_is_409(call_api: CallApi, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a first request with this key that is still running (its record says INPROGRESS)
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
    from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyItemAlreadyExistsError
    from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

    def already_there(self: DynamoDBPersistenceLayer, data_record: DataRecord) -> None:
        running = DataRecord(
            idempotency_key=data_record.idempotency_key,
            status="INPROGRESS",
            payload_hash=data_record.payload_hash,
        )
        raise IdempotencyItemAlreadyExistsError("exists", old_data_record=running)

    monkeypatch.setattr(DynamoDBPersistenceLayer, "_put_record", already_there)
    # When the retry arrives / Then it is told to wait instead of creating a second item
    result = call_api("POST", "/items", body={"name": "x"}, headers={"Idempotency-Key": "k1"})
    assert (result.status, result.error_code) == (409, "IDEMPOTENCY_IN_PROGRESS")
    assert call_api("GET", "/items").json()["count"] == 0


def test_bad_configuration_is_a_clear_log_and_a_json_500(
    handler_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a deployment that forgot ITEMS_TABLE_NAME
    monkeypatch.delenv("ITEMS_TABLE_NAME")
    from api_handler.handler import lambda_handler

    # When a request arrives
    result = ApiResult.from_proxy_result(lambda_handler(proxy_event("GET", "/items"), LambdaContext()))
    # Then the client gets a JSON 500 and the log says exactly what to fix
    assert result.status == 500
    assert result.error_code == "SERVICE_MISCONFIGURED"
    assert "ITEMS_TABLE_NAME is not set" in caplog.text
    assert "ITEMS_TABLE_NAME" not in json.dumps(result.json())
