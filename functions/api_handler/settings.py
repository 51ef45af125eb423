"""Configuration from environment variables, read and validated once, at the first request.

Validating at first use (not import) keeps the import free of side effects, and one error lists every
problem, so a misconfigured deployment is fixed in one round.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

ENVIRONMENTS = ("local", "dev", "staging", "prod")
DEFAULT_IDEMPOTENCY_TTL_SECONDS = 3600
# DynamoDB's own rule for table names.
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
# An origin is scheme://host[:port], nothing after it (browsers send exactly that in the Origin header).
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


class SettingsError(RuntimeError):
    """The function's environment variables are missing or invalid."""


@dataclass(frozen=True)
class Settings:
    items_table_name: str
    idempotency_table_name: str
    environment: str
    cors_allowed_origins: tuple[str, ...]
    idempotency_ttl_seconds: int


def load_settings(environ: Mapping[str, str]) -> Settings:
    problems: list[str] = []

    def table_name(variable: str) -> str:
        value = environ.get(variable, "").strip()
        if not value:
            problems.append(f"{variable} is not set")
        elif not _TABLE_NAME.match(value):
            problems.append(f"{variable}={value!r} is not a valid DynamoDB table name")
        return value

    items_table_name = table_name("ITEMS_TABLE_NAME")
    idempotency_table_name = table_name("IDEMPOTENCY_TABLE_NAME")

    environment = environ.get("ENVIRONMENT", "").strip()
    if environment not in ENVIRONMENTS:
        problems.append(f"ENVIRONMENT={environment!r} must be one of {', '.join(ENVIRONMENTS)}")

    origins = tuple(o.strip() for o in environ.get("CORS_ALLOWED_ORIGINS", "").split(",") if o.strip())
    bad_origins = [o for o in origins if o != "*" and not _ORIGIN.match(o)]
    if bad_origins:
        problems.append(
            f"CORS_ALLOWED_ORIGINS has entries that are not scheme://host[:port] origins: {bad_origins}"
        )

    raw_ttl = environ.get("IDEMPOTENCY_TTL_SECONDS", "").strip() or str(DEFAULT_IDEMPOTENCY_TTL_SECONDS)
    ttl = int(raw_ttl) if raw_ttl.isdigit() else 0
    if ttl < 1:
        problems.append(f"IDEMPOTENCY_TTL_SECONDS={raw_ttl!r} must be a positive whole number of seconds")

    if problems:
        raise SettingsError("invalid configuration of the items API: " + "; ".join(problems))
    return Settings(
        items_table_name=items_table_name,
        idempotency_table_name=idempotency_table_name,
        environment=environment,
        cors_allowed_origins=origins,
        idempotency_ttl_seconds=ttl,
    )
