"""Evaluate a role's trust policy against the claims of a GitHub OIDC token, as STS would.

The emulator does not evaluate trust-policy conditions, so the rehearsal checks every token it exchanges
here first and refuses one the real STS would refuse. Supported: Allow statements for
``sts:AssumeRoleWithWebIdentity`` with ``StringEquals`` / ``StringLike`` conditions on token claims, which
is every form the bootstrap stack writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ci.rehearsal.policies import action_matches, as_list, statements

GITHUB_TOKEN_HOST = "token.actions.githubusercontent.com"  # noqa: S105 - a host name, not a secret
WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity"


def _condition_holds(operator: str, expected: str | list[str], actual: str | None) -> bool:
    if actual is None:
        return False
    if operator == "StringEquals":
        return actual in as_list(expected)
    if operator == "StringLike":
        return any(action_matches(pattern, actual) for pattern in as_list(expected))
    raise ValueError(f"trust condition operator {operator} is not evaluated by the rehearsal")


def accepts(trust_policy: Mapping[str, Any], claims: Mapping[str, str]) -> bool:
    """True when some Allow statement lets a token with ``claims`` assume the role."""
    for statement in statements(trust_policy):
        if statement["Effect"] != "Allow":
            continue
        if not any(action_matches(a, WEB_IDENTITY_ACTION) for a in as_list(statement["Action"])):
            continue
        conditions: dict[str, dict[str, Any]] = statement.get("Condition", {})
        if all(
            _condition_holds(operator, expected, claims.get(key.removeprefix(f"{GITHUB_TOKEN_HOST}:")))
            for operator, keys in conditions.items()
            for key, expected in keys.items()
        ):
            return True
    return False
