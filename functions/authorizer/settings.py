"""Authorizer configuration from environment variables, validated at the first invocation.

JWT_ISSUER and JWT_AUDIENCE are required. Verification keys come from JWT_JWKS (a JWKS document as a JSON
string, keys picked by the token's `kid`) or JWT_PUBLIC_KEYS (one or more PEM public keys, tried in turn).
JWT_ALGORITHMS (comma-separated, default RS256) is the allowlist; symmetric and "none" algorithms are refused
because a public-key setting must never become a shared secret.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from jwt.algorithms import get_default_algorithms

DEFAULT_ALGORITHMS = ("RS256",)
_ASYMMETRIC = re.compile(r"^(RS|PS|ES)(256|384|512)$|^EdDSA$")
_PEM_BLOCK = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)


class AuthorizerSettingsError(RuntimeError):
    """The authorizer's environment variables are missing or invalid."""


@dataclass(frozen=True)
class VerificationKey:
    key: Any
    kid: str | None


@dataclass(frozen=True)
class AuthorizerSettings:
    issuer: str
    audience: str
    algorithms: tuple[str, ...]
    keys: tuple[VerificationKey, ...]


def _jwks_keys(document: str, problems: list[str]) -> list[VerificationKey]:
    try:
        jwk_set = jwt.PyJWKSet.from_dict(json.loads(document))
    except (ValueError, jwt.PyJWTError) as error:
        problems.append(f"JWT_JWKS is not a usable JWKS document: {error}")
        return []
    return [VerificationKey(key=jwk.key, kid=jwk.key_id) for jwk in jwk_set.keys]


def _pem_keys(pems: str, problems: list[str]) -> list[VerificationKey]:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key  # noqa: PLC0415

    blocks = _PEM_BLOCK.findall(pems)
    if not blocks:
        problems.append("JWT_PUBLIC_KEYS holds no '-----BEGIN PUBLIC KEY-----' block")
    keys = []
    for number, block in enumerate(blocks, start=1):
        try:
            keys.append(VerificationKey(key=load_pem_public_key(block.encode("ascii")), kid=None))
        except ValueError as error:
            problems.append(f"JWT_PUBLIC_KEYS key #{number} cannot be loaded: {error}")
    return keys


def load_authorizer_settings(environ: Mapping[str, str]) -> AuthorizerSettings:
    problems: list[str] = []
    issuer = environ.get("JWT_ISSUER", "").strip()
    audience = environ.get("JWT_AUDIENCE", "").strip()
    if not issuer:
        problems.append("JWT_ISSUER is not set")
    if not audience:
        problems.append("JWT_AUDIENCE is not set")

    raw_algorithms = environ.get("JWT_ALGORITHMS", "").strip()
    algorithms = tuple(a.strip() for a in raw_algorithms.split(",") if a.strip()) or DEFAULT_ALGORITHMS
    supported = get_default_algorithms()
    refused = [a for a in algorithms if not _ASYMMETRIC.match(a) or a not in supported]
    if refused:
        problems.append(f"JWT_ALGORITHMS may only name public-key algorithms; refused: {refused}")

    jwks, pems = environ.get("JWT_JWKS", "").strip(), environ.get("JWT_PUBLIC_KEYS", "").strip()
    keys: list[VerificationKey] = []
    if jwks:
        keys += _jwks_keys(jwks, problems)
    if pems:
        keys += _pem_keys(pems, problems)
    if not jwks and not pems:
        problems.append("set JWT_JWKS (a JWKS JSON document) or JWT_PUBLIC_KEYS (PEM public keys)")

    if problems:
        raise AuthorizerSettingsError("invalid authorizer configuration: " + "; ".join(problems))
    return AuthorizerSettings(issuer=issuer, audience=audience, algorithms=algorithms, keys=tuple(keys))
