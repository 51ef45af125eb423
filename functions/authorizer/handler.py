"""Lambda entry `authorizer.handler.lambda_handler`: API Gateway TOKEN authorizer.

A valid bearer JWT yields an Allow policy for the whole API stage (so API Gateway's authorizer cache serves
every route) with `principalId` = the token's `sub`, which the items API records as `createdBy`.
A well-formed token the API does not trust (another signer, issuer or audience, a refused algorithm) yields
a Deny policy: API Gateway answers 403. No usable token (missing, malformed, expired) raises "Unauthorized",
the exact message API Gateway turns into a 401, so the client knows a new token may help.
"""

from __future__ import annotations

import functools
import logging
import os
from typing import Any

from authorizer.settings import AuthorizerSettings, load_authorizer_settings
from authorizer.tokens import InvalidToken, UntrustedToken, verify_token

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
    resource = stage_wide_resource(str(event.get("methodArn", "")))
    try:
        claims = verify_token(bearer_token(event.get("authorizationToken")), settings())
    except UntrustedToken as reason:
        logger.info("token denied: %s", reason)
        return {"principalId": "untrusted", "policyDocument": _policy("Deny", resource)}
    except InvalidToken as reason:
        logger.info("token refused: %s", reason)
        raise Exception(UNAUTHORIZED) from None
    return {
        "principalId": claims["sub"],
        "policyDocument": _policy("Allow", resource),
        "context": {"issuer": str(claims["iss"]), "scope": str(claims.get("scope", ""))},
    }


def _policy(effect: str, resource: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
    }
