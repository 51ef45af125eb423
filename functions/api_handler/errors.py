"""Domain errors: each one knows the HTTP status and the UPPER_SNAKE code the client sees.

The logic and data layers raise these; only the app layer turns them into responses, so the mapping to
`{"error": {"code", "message", "details"?}}` lives in one place.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ApiError(Exception):
    """An error the client caused or may retry; its message is safe to show."""

    http_status: ClassVar[int] = 400
    code: ClassVar[str] = "BAD_REQUEST"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidJsonBody(ApiError):
    code = "INVALID_JSON"


class ValidationFailed(ApiError):
    code = "VALIDATION_ERROR"


class InvalidQueryParameter(ApiError):
    code = "INVALID_QUERY_PARAMETER"


class InvalidCursor(ApiError):
    code = "INVALID_CURSOR"


class InvalidItemId(ApiError):
    code = "INVALID_ITEM_ID"


class InvalidIdempotencyKey(ApiError):
    code = "INVALID_IDEMPOTENCY_KEY"


class ItemNotFound(ApiError):
    http_status = 404
    code = "ITEM_NOT_FOUND"

    def __init__(self, item_id: str) -> None:
        super().__init__(f"item {item_id} does not exist")


class VersionConflict(ApiError):
    http_status = 409
    code = "VERSION_CONFLICT"

    def __init__(self, item_id: str, expected_version: int, current_version: int) -> None:
        super().__init__(
            f"item {item_id} is at version {current_version}, not {expected_version}: read it and retry",
            details={"expectedVersion": expected_version, "currentVersion": current_version},
        )


class IdempotencyInProgress(ApiError):
    http_status = 409
    code = "IDEMPOTENCY_IN_PROGRESS"


class IdempotencyKeyReused(ApiError):
    http_status = 422
    code = "IDEMPOTENCY_KEY_REUSED"


class ServiceUnavailable(ApiError):
    """DynamoDB kept throttling after the SDK's retries: the client should come back later."""

    http_status = 503
    code = "SERVICE_UNAVAILABLE"
    retry_after_seconds: ClassVar[int] = 1
