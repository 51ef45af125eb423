"""The local cloud's test identity: the key env local's JWT authorizer trusts, and tokens signed with it.

The Ed25519 key is derived from a fixed phrase, so it is public by construction: anyone can mint a token
env local accepts, which is the point (tests, docs examples and a developer's curl need one) and why no other
environment may trust it (tests/ci/test_contract.py fails when any Terraform outside env local holds this
key, its issuer or its JWKS file). No
private key file lives in the repository for a secrets scanner to flag or a user to mistake for a real one.

    python -m ci local token [--subject NAME] [--ttl SECONDS]     # prints a bearer token for env local
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ci.common.paths import REPO_ROOT

ISSUER = "https://issuer.local-cloud.invalid/"
AUDIENCE = "items-api"
ALGORITHM = "EdDSA"
KEY_ID = "local-test-key-1"
DEFAULT_SUBJECT = "local-developer"
DEFAULT_TTL_SECONDS = 12 * 3600
_SEED_PHRASE = b"items-service local cloud test signing key: public by design, trusted by env local only"
# What env local's Terraform hands the authorizer (file() in infrastructure/environments/local/main.tf).
JWKS_PATH = REPO_ROOT / "infrastructure" / "environments" / "local" / "test-jwks.json"


def _signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(_SEED_PHRASE).digest())


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def jwks() -> dict[str, Any]:
    """The public half as a JWKS document (RFC 8037 OKP key)."""
    public = _signing_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key = {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": _b64url(public),
        "kid": KEY_ID,
        "use": "sig",
        "alg": ALGORITHM,
    }
    return {"keys": [key]}


def jwks_document() -> str:
    """The committed test-jwks.json, byte for byte."""
    return json.dumps(jwks(), indent=2) + "\n"


def mint_token(
    subject: str = DEFAULT_SUBJECT,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    *,
    audience: str = AUDIENCE,
    issuer: str = ISSUER,
    now: float | None = None,
) -> str:
    """A bearer token env local's authorizer accepts for ``ttl_seconds``, naming ``subject`` the caller."""
    issued = int(time.time() if now is None else now)
    claims = {"sub": subject, "iss": issuer, "aud": audience, "iat": issued, "exp": issued + ttl_seconds}
    return jwt.encode(claims, _signing_key(), algorithm=ALGORITHM, headers={"kid": KEY_ID})
