"""Composition root: settings -> repository -> logic -> HTTP app, built once at the first request."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from api_handler.app import build_app, vary_by_origin
from api_handler.idempotency import IdempotentCreation
from api_handler.observability import MetricsEvents, build_tracer, logger
from api_handler.repository import DynamoItemRepository
from api_handler.service import ItemService
from api_handler.settings import load_settings

RequestHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


@functools.cache
def request_handler() -> RequestHandler:
    """The resolver's entry point, traced when tracing is on. Raises SettingsError on bad configuration."""
    settings = load_settings(os.environ)
    repository = DynamoItemRepository(settings.items_table_name)
    service = ItemService(repository, MetricsEvents())
    creation = IdempotentCreation(
        service,
        table_name=settings.idempotency_table_name,
        ttl_seconds=settings.idempotency_ttl_seconds,
        client=lambda: repository.client,
    )
    app = build_app(settings, service, creation)
    logger.info("items API ready", extra={"environment": settings.environment})
    tracer = build_tracer()
    handle: RequestHandler = app.resolve
    if settings.cors_allowed_origins:

        def resolve_varying_by_origin(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
            return vary_by_origin(app.resolve(event, context))

        handle = resolve_varying_by_origin
    return tracer.capture_lambda_handler(handle) if tracer else handle
