"""API Gateway's decision from a Lambda authorizer's policy, and its per-token cache."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ci.local.authorizers import (
    Authorized,
    AuthorizerCache,
    Refused,
    TokenAuthorizer,
    authorize,
    evaluate_policy,
    method_arn,
)
from ci.local.function_ref import FunctionRef
from ci.local.worker_pool import FunctionFailed, InvocationOutcome, Succeeded

ARN = method_arn("us-east-1", "123456789012", "api1", "local", "GET", "/items/42")
AUTHORIZER = TokenAuthorizer("auth1", FunctionRef("authorizer", "live"), "Authorization", ttl_seconds=300)


def policy(*statements: tuple[str, str]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": e, "Action": "execute-api:Invoke", "Resource": r} for e, r in statements],
    }


def test_stage_wide_wildcard_allows_and_an_explicit_deny_wins() -> None:
    stage_wide = "arn:aws:execute-api:us-east-1:123456789012:api1/local/*"
    assert evaluate_policy(policy(("Allow", stage_wide)), ARN)
    assert not evaluate_policy(policy(("Allow", stage_wide), ("Deny", "*/GET/items/*")), ARN)
    assert not evaluate_policy(
        policy(("Allow", "arn:aws:execute-api:us-east-1:123456789012:api1/local/POST/*")), ARN
    )
    assert not evaluate_policy({}, ARN)


def test_authorizer_result_is_cached_per_token_and_reevaluated_per_method() -> None:
    calls: list[Mapping[str, Any]] = []

    def invoke(event: Mapping[str, Any]) -> InvocationOutcome:
        calls.append(event)
        return Succeeded({"principalId": "alice", "policyDocument": policy(("Allow", event["methodArn"]))})

    cache = AuthorizerCache()
    headers = {"authorization": "token-1"}  # header names are case-insensitive
    first = authorize(AUTHORIZER, headers, ARN, invoke, cache)
    assert first == Authorized({"principalId": "alice"})
    assert calls == [{"type": "TOKEN", "authorizationToken": "token-1", "methodArn": ARN}]
    # The cached policy was issued for /items/42 only: another method is refused without a new call
    other = method_arn("us-east-1", "123456789012", "api1", "local", "DELETE", "/items/42")
    assert isinstance(authorize(AUTHORIZER, headers, other, invoke, cache), Refused)
    assert len(calls) == 1


def test_unauthorized_error_is_401_and_other_failures_are_500() -> None:
    cache = AuthorizerCache()
    refused = authorize(
        AUTHORIZER, {"Authorization": "t"}, ARN, lambda _: FunctionFailed("Exception", "Unauthorized"), cache
    )
    assert refused == Refused(401, {"message": "Unauthorized"})
    broken = authorize(
        AUTHORIZER, {"Authorization": "t"}, ARN, lambda _: FunctionFailed("KeyError", "'sub'"), cache
    )
    assert broken == Refused(500, {"message": None})
    malformed = authorize(
        AUTHORIZER, {"Authorization": "u"}, ARN, lambda _: Succeeded({"no": "principal"}), cache
    )
    assert malformed == Refused(500, {"message": None})
