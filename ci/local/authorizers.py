"""Lambda TOKEN authorizers as API Gateway runs them in front of a method (``authorizationType: CUSTOM``).

The token comes from the identity source header (missing or not matching the validation expression: 401
without calling the function); the function gets ``{"type": "TOKEN", "authorizationToken", "methodArn"}``; an
error whose message is ``Unauthorized`` is a 401, any other failure a 500; the returned policy is evaluated
against the method ARN (explicit Deny wins, no Allow is a 403). Results are cached per token for the
authorizer's TTL, and the policy is re-evaluated for every method, as API Gateway does.
"""

from __future__ import annotations

import fnmatch
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ci.local.function_ref import FunctionRef
from ci.local.worker_pool import FunctionFailed, InvocationOutcome, Succeeded

UNAUTHORIZED = "Unauthorized"


@dataclass(frozen=True)
class TokenAuthorizer:
    id: str
    function: FunctionRef
    identity_header: str
    validation_expression: str | None = None
    ttl_seconds: int = 300

    @classmethod
    def from_api(cls, item: Mapping[str, Any]) -> TokenAuthorizer | None:
        """From ``get_authorizers``; None for types other than a Lambda TOKEN authorizer."""
        function = FunctionRef.from_integration_uri(item.get("authorizerUri", ""))
        source = item.get("identitySource", "")
        if item.get("type") != "TOKEN" or function is None or not source.startswith("method.request.header."):
            return None
        return cls(
            id=item["id"],
            function=function,
            identity_header=source.removeprefix("method.request.header."),
            validation_expression=item.get("identityValidationExpression") or None,
            ttl_seconds=int(item.get("authorizerResultTtlInSeconds", 300)),
        )

    def token_from(self, headers: Mapping[str, str]) -> str | None:
        token = next((v for k, v in headers.items() if k.lower() == self.identity_header.lower()), "")
        if not token:
            return None
        if self.validation_expression and not re.fullmatch(self.validation_expression, token):
            return None
        return token


@dataclass(frozen=True)
class Authorized:
    """What the method's integration sees as ``requestContext.authorizer``."""

    context: Mapping[str, Any]


@dataclass(frozen=True)
class Refused:
    status: int
    body: Mapping[str, Any]


def method_arn(region: str, account_id: str, api_id: str, stage: str, http_method: str, path: str) -> str:
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{http_method}{path}"


def evaluate_policy(policy: Any, arn: str) -> bool:
    """True when an Allow statement matches ``arn`` and no Deny statement does (IAM's rule)."""
    allowed = False
    statements = policy.get("Statement", []) if isinstance(policy, Mapping) else []
    for statement in statements if isinstance(statements, list) else [statements]:
        actions = _as_list(statement.get("Action"))
        resources = _as_list(statement.get("Resource"))
        if not any(fnmatch.fnmatchcase("execute-api:Invoke", action) for action in actions):
            continue
        if not any(fnmatch.fnmatchcase(arn, resource) for resource in resources):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)] if value else []


def outcome_of(result: Any, arn: str) -> Authorized | Refused:
    """Turn an authorizer function's result into the gateway's decision for one method ARN."""
    if not isinstance(result, Mapping) or "principalId" not in result:
        return Refused(500, {"message": None})  # AuthorizerConfigurationException
    if not evaluate_policy(result.get("policyDocument"), arn):
        return Refused(403, {"Message": "User is not authorized to access this resource"})
    extra = result.get("context") or {}
    context = {
        key: str(value) if isinstance(value, bool | int | float) else value for key, value in extra.items()
    }
    return Authorized({"principalId": str(result["principalId"]), **context})


class AuthorizerCache:
    """Authorizer results per (authorizer, token), kept for the authorizer's TTL."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, authorizer: TokenAuthorizer, token: str) -> Any | None:
        with self._lock:
            entry = self._entries.get((authorizer.id, token))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, authorizer: TokenAuthorizer, token: str, result: Any) -> None:
        if authorizer.ttl_seconds > 0:
            with self._lock:
                self._entries[(authorizer.id, token)] = (time.monotonic() + authorizer.ttl_seconds, result)


def authorize(
    authorizer: TokenAuthorizer,
    headers: Mapping[str, str],
    arn: str,
    invoke: Callable[[Mapping[str, Any]], InvocationOutcome],
    cache: AuthorizerCache,
) -> Authorized | Refused:
    token = authorizer.token_from(headers)
    if token is None:
        return Refused(401, {"message": UNAUTHORIZED})
    result = cache.get(authorizer, token)
    if result is None:
        outcome = invoke({"type": "TOKEN", "authorizationToken": token, "methodArn": arn})
        if isinstance(outcome, FunctionFailed) and outcome.message == UNAUTHORIZED:
            return Refused(401, {"message": UNAUTHORIZED})
        if not isinstance(outcome, Succeeded):
            return Refused(500, {"message": None})
        result = outcome.payload
        cache.put(authorizer, token, result)
    return outcome_of(result, arn)
