"""Lambda entry point `api_handler.handler.lambda_handler` (source root `functions/`).

Importing this module loads Powertools' resolver, logger and metrics only: no boto3, no client, no settings,
no network. Those come with the first request (see wiring.py) and are reused by later ones.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from api_handler import wiring
from api_handler.app import error_payload, json_body
from api_handler.observability import logger, metrics
from api_handler.settings import SettingsError


def _misconfigured() -> dict[str, Any]:
    return {
        "statusCode": 500,
        "headers": {"Content-Type": "application/json"},
        "body": json_body(error_payload("SERVICE_MISCONFIGURED", "the service is not configured correctly")),
        "isBase64Encoded": False,
    }


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        handle = wiring.request_handler()
    except SettingsError:
        # The full reason goes to the log, where operators look; the client only learns it is not its fault.
        logger.exception("the items API cannot serve requests")
        return _misconfigured()
    return handle(event, context)
