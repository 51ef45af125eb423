"""DynamoDB access for items: the only module that talks to boto3.

The client is created on first use, not at import (importing boto3 and building a client is the bulk of a
cold start), and then reused for the life of the execution environment.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast

from api_handler.errors import ItemNotFound, ServiceUnavailable, VersionConflict
from api_handler.models import Item, ItemChanges, ItemStatus, PageKey, StoredPage
from api_handler.pagination import key_attributes

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

STATUS_INDEX = "status-index"
# Error codes DynamoDB uses for "slow down"; botocore already retried them (standard mode) before we see one.
THROTTLING_ERROR_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)
SDK_TOTAL_ATTEMPTS = 3  # the first call and two retries (standard mode backs off with jitter)
_STRING_ATTRIBUTES = ("id", "name", "description", "status", "createdAt", "updatedAt", "createdBy")


def new_dynamodb_client() -> DynamoDBClient:
    """A client for the region and endpoint in the environment (AWS_REGION, AWS_ENDPOINT_URL when set)."""
    import boto3  # noqa: PLC0415 - deferred: see module docstring
    from botocore.config import Config  # noqa: PLC0415

    config = Config(
        retries={"mode": "standard", "total_max_attempts": SDK_TOTAL_ATTEMPTS},
        connect_timeout=2,
        read_timeout=5,
    )
    return boto3.client("dynamodb", config=config)


@contextlib.contextmanager
def _throttling_as_unavailable() -> Iterator[None]:
    from botocore.exceptions import ClientError  # noqa: PLC0415 - botocore is loaded once a client exists

    try:
        yield
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in THROTTLING_ERROR_CODES:
            raise ServiceUnavailable("the items table is busy: retry after a moment") from error
        raise


def to_attributes(item: Item) -> dict[str, AttributeValueTypeDef]:
    fields = cast(Mapping[str, Any], item)
    attributes: dict[str, AttributeValueTypeDef] = {
        name: {"S": fields[name]} for name in _STRING_ATTRIBUTES if name in fields
    }
    attributes["version"] = {"N": str(item["version"])}
    return attributes


def from_attributes(attributes: Mapping[str, Any]) -> Item:
    item = {name: attributes[name]["S"] for name in _STRING_ATTRIBUTES if name in attributes}
    item["version"] = int(attributes["version"]["N"])
    return cast(Item, item)


def _key(values: Mapping[str, str]) -> dict[str, AttributeValueTypeDef]:
    return {name: {"S": value} for name, value in values.items()}


class DynamoItemRepository:
    def __init__(self, table_name: str, client: DynamoDBClient | None = None) -> None:
        self.table_name = table_name
        self._client = client

    @property
    def client(self) -> DynamoDBClient:
        if self._client is None:
            self._client = new_dynamodb_client()
        return self._client

    def put_new(self, item: Item) -> None:
        with _throttling_as_unavailable():
            self.client.put_item(
                TableName=self.table_name,
                Item=to_attributes(item),
                ConditionExpression="attribute_not_exists(id)",
            )

    def get(self, item_id: str) -> Item | None:
        with _throttling_as_unavailable():
            response = self.client.get_item(
                TableName=self.table_name, Key=_key({"id": item_id}), ConsistentRead=True
            )
        return from_attributes(response["Item"]) if "Item" in response else None

    def update(self, item_id: str, changes: ItemChanges, updated_at: str) -> Item:
        names = {f"#{field}": field for field in changes.fields}
        values: dict[str, AttributeValueTypeDef] = {
            f":{field}": {"S": str(value)} for field, value in changes.fields.items()
        }
        assignments = [f"#{field} = :{field}" for field in changes.fields]
        values[":updatedAt"] = {"S": updated_at}
        values[":expected"] = {"N": str(changes.expected_version)}
        values[":one"] = {"N": "1"}
        client = self.client
        try:
            with _throttling_as_unavailable():
                response = client.update_item(
                    TableName=self.table_name,
                    Key=_key({"id": item_id}),
                    UpdateExpression="SET "
                    + ", ".join([*assignments, "updatedAt = :updatedAt", "version = version + :one"]),
                    ConditionExpression="attribute_exists(id) AND version = :expected",
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                    ReturnValues="ALL_NEW",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except client.exceptions.ConditionalCheckFailedException as failure:
            current = cast(Mapping[str, Any] | None, failure.response.get("Item"))
            if current is None:
                raise ItemNotFound(item_id) from None
            raise VersionConflict(
                item_id, changes.expected_version, from_attributes(current)["version"]
            ) from None
        return from_attributes(response["Attributes"])

    def delete(self, item_id: str) -> None:
        client = self.client
        try:
            with _throttling_as_unavailable():
                client.delete_item(
                    TableName=self.table_name,
                    Key=_key({"id": item_id}),
                    ConditionExpression="attribute_exists(id)",
                )
        except client.exceptions.ConditionalCheckFailedException:
            raise ItemNotFound(item_id) from None

    def list_page(self, limit: int, start: PageKey | None, status: ItemStatus | None) -> StoredPage:
        """Up to `limit` items after `start`; `next_key` only when more items exist.

        DynamoDB's Limit caps items *evaluated* per call and a call stops at 1 MB, so one call may return
        fewer items than asked while more exist. Keep reading until the page is full, plus one item: that
        look-ahead is how the last page knows it is the last (nextCursor null, never an empty extra page).
        """
        wanted = limit + 1
        found: list[Item] = []
        exclusive_start = _key(start) if start else None
        while len(found) < wanted:
            request: dict[str, Any] = {"TableName": self.table_name, "Limit": wanted - len(found)}
            if exclusive_start:
                request["ExclusiveStartKey"] = exclusive_start
            with _throttling_as_unavailable():
                if status:
                    response = self.client.query(
                        IndexName=STATUS_INDEX,
                        KeyConditionExpression="#status = :status",
                        ExpressionAttributeNames={"#status": "status"},
                        ExpressionAttributeValues={":status": {"S": status}},
                        ScanIndexForward=False,  # newest first
                        **request,
                    )
                else:
                    response = self.client.scan(ConsistentRead=True, **request)
            found.extend(from_attributes(attributes) for attributes in response.get("Items", []))
            exclusive_start = response.get("LastEvaluatedKey")
            if not exclusive_start:
                break
        page = found[:limit]
        has_more = len(found) > limit
        next_key = None
        if has_more:
            last = page[-1]
            fields = cast(Mapping[str, str], last)
            next_key = {name: fields[name] for name in key_attributes(status)}
        return StoredPage(items=page, next_key=next_key)
