"""POST /items with an Idempotency-Key header, on Powertools idempotency with its own DynamoDB table.

The idempotency key is the header value scoped to the caller's principal (two callers never share a key);
the request body is the payload a repeat must match. The stored response (the created item) is replayed
for a matching repeat until the record's TTL (IDEMPOTENCY_TTL_SECONDS) expires.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from api_handler.errors import IdempotencyInProgress, IdempotencyKeyReused, ServiceUnavailable
from api_handler.models import Item, NewItem
from api_handler.repository import THROTTLING_ERROR_CODES
from api_handler.service import ItemService

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_dynamodb import DynamoDBClient


def _is_throttling(error: BaseException | None) -> bool:
    response = getattr(error, "response", None)
    return isinstance(response, dict) and response.get("Error", {}).get("Code") in THROTTLING_ERROR_CODES


class IdempotentCreation:
    def __init__(
        self,
        service: ItemService,
        table_name: str,
        ttl_seconds: int,
        client: Callable[[], DynamoDBClient],
    ) -> None:
        self._service = service
        self._table_name = table_name
        self._ttl_seconds = ttl_seconds
        self._client = client

    def _create_from_request(self, request: dict[str, Any]) -> Item:
        return self._service.create_item(NewItem(fields=request["payload"]), request["principal"])

    @functools.cached_property
    def _idempotent(self) -> tuple[Callable[..., Item], IdempotencyConfig]:
        # Imported at the first keyed POST: the idempotency utility loads boto3, which import must not pay.
        from aws_lambda_powertools.utilities.idempotency import (  # noqa: PLC0415
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        config = IdempotencyConfig(
            event_key_jmespath="[principal, key]",
            payload_validation_jmespath="payload",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=self._ttl_seconds,
        )
        persistence = DynamoDBPersistenceLayer(table_name=self._table_name, boto3_client=self._client())
        create = idempotent_function(
            data_keyword_argument="request", persistence_store=persistence, config=config
        )(self._create_from_request)
        return cast(Callable[..., Item], create), config

    def create(self, new_item: NewItem, principal: str, key: str, context: LambdaContext | None) -> Item:
        from aws_lambda_powertools.utilities.idempotency.exceptions import (  # noqa: PLC0415
            IdempotencyAlreadyInProgressError,
            IdempotencyPersistenceLayerError,
            IdempotencyValidationError,
        )

        create, config = self._idempotent
        if context is not None:
            config.register_lambda_context(context)
        request = {"key": key, "principal": principal, "payload": dict(new_item.fields)}
        try:
            return create(request=request)
        except IdempotencyValidationError:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was already used with a different request body: use a new key"
            ) from None
        except IdempotencyAlreadyInProgressError:
            raise IdempotencyInProgress(
                "a request with this Idempotency-Key is still being processed: retry shortly"
            ) from None
        except IdempotencyPersistenceLayerError as error:
            if _is_throttling(error.__cause__):
                raise ServiceUnavailable("the idempotency table is busy: retry after a moment") from error
            raise
