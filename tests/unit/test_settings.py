"""Settings: read at first use, every problem reported at once."""

from __future__ import annotations

import pytest
from api_handler.settings import DEFAULT_IDEMPOTENCY_TTL_SECONDS, SettingsError, load_settings

VALID = {
    "ITEMS_TABLE_NAME": "items-service-dev-items",
    "IDEMPOTENCY_TABLE_NAME": "items-service-dev-idempotency",
    "ENVIRONMENT": "dev",
    "CORS_ALLOWED_ORIGINS": "https://app.example.com, http://localhost:3000",
}


def test_valid_environment_is_read() -> None:
    settings = load_settings(VALID)
    assert settings.items_table_name == "items-service-dev-items"
    assert settings.idempotency_table_name == "items-service-dev-idempotency"
    assert settings.environment == "dev"
    assert settings.cors_allowed_origins == ("https://app.example.com", "http://localhost:3000")
    assert settings.idempotency_ttl_seconds == DEFAULT_IDEMPOTENCY_TTL_SECONDS


def test_every_problem_is_named_in_one_error() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(
            {
                "IDEMPOTENCY_TABLE_NAME": "bad name!",
                "ENVIRONMENT": "qa",
                "CORS_ALLOWED_ORIGINS": "https://ok.example.com,not-an-origin,https://x.example.com/path",
                "IDEMPOTENCY_TTL_SECONDS": "-5",
            }
        )
    message = str(raised.value)
    assert "ITEMS_TABLE_NAME is not set" in message
    assert "IDEMPOTENCY_TABLE_NAME='bad name!'" in message
    assert "ENVIRONMENT='qa' must be one of local, dev, staging, prod" in message
    assert "not-an-origin" in message
    assert "https://x.example.com/path" in message
    assert "IDEMPOTENCY_TTL_SECONDS='-5'" in message


@pytest.mark.parametrize("ttl", ["0", "abc", "1.5"])
def test_ttl_must_be_positive_whole_seconds(ttl: str) -> None:
    with pytest.raises(SettingsError, match="IDEMPOTENCY_TTL_SECONDS"):
        load_settings({**VALID, "IDEMPOTENCY_TTL_SECONDS": ttl})


def test_wildcard_origin_is_allowed_for_development() -> None:
    assert load_settings({**VALID, "CORS_ALLOWED_ORIGINS": "*"}).cors_allowed_origins == ("*",)
