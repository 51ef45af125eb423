"""Lambda entry `authorizer.handler.lambda_handler`: API Gateway TOKEN authorizer.

A valid bearer JWT yields an Allow policy for the whole API stage (so API Gateway's authorizer cache serves
every route) with `principalId` = the token's `sub`, which the items API records as `createdBy`. Anything
else raises "Unauthorized", the exact message API Gateway turns into a 401.
"""

from __future__ import annotations

import functools
import logging
import os
from typing import Any

from authorizer.settings import AuthorizerSettings, load_authorizer_settings
from authorizer.tokens import InvalidToken, verify_token

logger = logging.getLogger(__name__)
logger.setLevel(os.environ.get("POWERTOOLS_LOG_LEVEL", "INFO").upper())

UNAUTHORIZED = "Unauthorized"


@functools.cache
def settings() -> AuthorizerSettings:
    return load_authorizer_settings(os.environ)


def stage_wide_resource(method_arn: str) -> str:
    """`arn:aws:execute-api:<region>:<account>:<api>/<stage>/<verb>/<path>` -> `...:<api>/<stage>/*`."""
    arn_prefix, _, resource_path = method_arn.partition(":execute-api:")
    parts = resource_path.split("/")
    if not arn_prefix or len(parts) < 2:
        return method_arn
    return f"{arn_prefix}:execute-api:{parts[0]}/{parts[1]}/*"


def bearer_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("expected 'Authorization: Bearer <jwt>'")
    return token.strip()


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        claims = verify_token(bearer_token(event.get("authorizationToken")), settings())
    except InvalidToken as reason:
        logger.info("token refused: %s", reason)
        raise Exception(UNAUTHORIZED) from None
    return {
        "principalId": claims["sub"],
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow",
                    "Resource": stage_wide_resource(str(event.get("methodArn", ""))),
                }
            ],
        },
        "context": {"issuer": str(claims["iss"]), "scope": str(claims.get("scope", ""))},
    }
