"""The JWT TOKEN authorizer with real RSA-signed tokens: valid ones pass, untrusted ones are denied (403),
missing, malformed or expired ones are Unauthorized (401)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
from authorizer import handler
from authorizer.settings import AuthorizerSettingsError, load_authorizer_settings
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

ISSUER = "https://issuer.example.com/"
AUDIENCE = "items-api"
METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/POST/items"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


SIGNING_KEY = new_key()
OTHER_KEY = new_key()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def jwks(*keys: tuple[str, rsa.RSAPrivateKey]) -> str:
    documents = []
    for kid, key in keys:
        document = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        documents.append({**document, "kid": kid, "use": "sig", "alg": "RS256"})
    return json.dumps({"keys": documents})


def token(key: Any = SIGNING_KEY, kid: str | None = "key-1", algorithm: str = "RS256", **claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-42", "iat": now, "exp": now + 300, **claims}
    return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid} if kid else None)


@pytest.fixture
def authorize(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], dict[str, Any]]]:
    monkeypatch.setenv("JWT_ISSUER", ISSUER)
    monkeypatch.setenv("JWT_AUDIENCE", AUDIENCE)
    monkeypatch.setenv("JWT_JWKS", jwks(("key-1", SIGNING_KEY)))
    handler.settings.cache_clear()

    def call(authorization: str) -> dict[str, Any]:
        event = {"type": "TOKEN", "authorizationToken": authorization, "methodArn": METHOD_ARN}
        return handler.lambda_handler(event, None)

    yield call
    handler.settings.cache_clear()


def test_valid_token_allows_the_whole_stage_as_its_subject(
    authorize: Callable[[str], dict[str, Any]],
) -> None:
    # Given a token our issuer signed for this API / When API Gateway asks the authorizer
    answer = authorize(f"Bearer {token(scope='items:write')}")
    # Then the caller is user-42, allowed on every route of the stage (so the cached answer serves them all)
    assert answer["principalId"] == "user-42"
    statement = answer["policyDocument"]["Statement"][0]
    assert statement == {
        "Action": "execute-api:Invoke",
        "Effect": "Allow",
        "Resource": "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/*",
    }
    assert answer["context"] == {"issuer": ISSUER, "scope": "items:write"}


@pytest.mark.parametrize(
    ("case", "authorization"),
    [
        ("expired", f"Bearer {token(exp=int(time.time()) - 3600)}"),
        ("not yet valid", f"Bearer {token(nbf=int(time.time()) + 3600)}"),
        ("garbage", "Bearer not.a.jwt"),
        ("random text", "Bearer hello"),
        ("no scheme", token()),
        ("basic auth", "Basic dXNlcjpwYXNz"),
        ("empty", ""),
        ("bearer without token", "Bearer "),
    ],
    ids=lambda value: value if len(value) < 40 else "token",  # stable ids: the tokens differ per run
)
def test_no_usable_token_is_unauthorized_so_the_client_gets_a_new_one(
    authorize: Callable[[str], dict[str, Any]], case: str, authorization: str
) -> None:
    # API Gateway turns exactly this message into a 401
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(authorization)


@pytest.mark.parametrize(
    ("case", "authorization"),
    [
        ("wrong audience", f"Bearer {token(aud='another-api')}"),
        ("wrong issuer", f"Bearer {token(iss='https://evil.example.com/')}"),
        ("signed by another key", f"Bearer {token(key=OTHER_KEY)}"),
        ("unknown kid", f"Bearer {token(kid='key-9')}"),
        ("no subject", f"Bearer {token(sub='')}"),
        (
            "alg none",
            "Bearer " + jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": "x"}, None, algorithm="none"),
        ),
        (
            "HS256 with the public key as secret",
            "Bearer "
            + jwt.encode(
                {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 300},
                "a-shared-secret-of-at-least-32-bytes!!",
                algorithm="HS256",
                headers={"kid": "key-1"},
            ),
        ),
    ],
    ids=lambda value: value if len(value) < 40 else "token",  # stable ids: the tokens differ per run
)
def test_a_token_the_api_does_not_trust_is_denied_for_the_whole_stage(
    authorize: Callable[[str], dict[str, Any]], case: str, authorization: str
) -> None:
    # A Deny policy: API Gateway answers 403 (a fresh token from the same signer would not help)
    answer = authorize(authorization)
    assert answer["principalId"] == "untrusted"
    assert answer["policyDocument"]["Statement"] == [
        {
            "Action": "execute-api:Invoke",
            "Effect": "Deny",
            "Resource": "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/*",
        }
    ]
    assert "context" not in answer


def test_tokens_without_exp_are_denied(authorize: Callable[[str], dict[str, Any]]) -> None:
    now = int(time.time())
    unbounded = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "iat": now},
        SIGNING_KEY,
        algorithm="RS256",
        headers={"kid": "key-1"},
    )
    assert authorize(f"Bearer {unbounded}")["policyDocument"]["Statement"][0]["Effect"] == "Deny"


def test_pem_keys_are_tried_in_turn(
    authorize: Callable[[str], dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two PEM keys configured (e.g. during a key rotation) and no JWKS
    monkeypatch.delenv("JWT_JWKS")
    monkeypatch.setenv("JWT_PUBLIC_KEYS", public_pem(OTHER_KEY) + "\n" + public_pem(SIGNING_KEY))
    handler.settings.cache_clear()
    # Then a token signed by either one, with no kid, passes
    assert authorize(f"Bearer {token(kid=None)}")["principalId"] == "user-42"
    assert authorize(f"Bearer {token(key=OTHER_KEY, kid=None)}")["principalId"] == "user-42"


def test_keys_of_another_type_than_the_tokens_algorithm_are_skipped_not_a_500(
    authorize: Callable[[str], dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an EC key listed before the RSA key that signs, both algorithms allowed (rotating across families)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_pem = ec_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    monkeypatch.delenv("JWT_JWKS")
    monkeypatch.setenv("JWT_PUBLIC_KEYS", ec_pem.decode() + "\n" + public_pem(SIGNING_KEY))
    monkeypatch.setenv("JWT_ALGORITHMS", "ES256,RS256")
    handler.settings.cache_clear()
    # Then a valid RS256 token passes (the EC key is skipped); one of another RSA key is a Deny, not an error
    assert authorize(f"Bearer {token(kid=None)}")["principalId"] == "user-42"
    forged = authorize(f"Bearer {token(key=OTHER_KEY, kid=None)}")
    assert forged["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    # And an ES256 token signed by the EC key passes too
    assert authorize(f"Bearer {token(key=ec_key, kid=None, algorithm='ES256')}")["principalId"] == "user-42"


def test_a_token_naming_a_key_of_another_type_is_denied(
    authorize: Callable[[str], dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a JWKS with an Ed25519 key "ed-1" and EdDSA + RS256 allowed
    ed_key = ed25519.Ed25519PrivateKey.generate()
    ed_jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(ed_key.public_key()))
    monkeypatch.setenv("JWT_JWKS", json.dumps({"keys": [{**ed_jwk, "kid": "ed-1"}]}))
    monkeypatch.setenv("JWT_ALGORITHMS", "EdDSA,RS256")
    handler.settings.cache_clear()
    # When a forged RS256 token names that kid / Then it is a Deny (403), never an exception (500)
    answer = authorize(f"Bearer {token(kid='ed-1')}")
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Deny"


def test_misconfiguration_names_every_problem() -> None:
    with pytest.raises(AuthorizerSettingsError) as raised:
        load_authorizer_settings({"JWT_ALGORITHMS": "HS256,none", "JWT_JWKS": "{not json"})
    message = str(raised.value)
    for expected in ("JWT_ISSUER is not set", "JWT_AUDIENCE is not set", "HS256", "JWT_JWKS is not a usable"):
        assert expected in message


def test_pem_setting_without_a_key_is_refused() -> None:
    with pytest.raises(AuthorizerSettingsError, match="no '-----BEGIN PUBLIC KEY-----' block"):
        load_authorizer_settings({"JWT_ISSUER": ISSUER, "JWT_AUDIENCE": AUDIENCE, "JWT_PUBLIC_KEYS": "nope"})


def test_broken_pem_is_refused() -> None:
    broken = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"
    with pytest.raises(AuthorizerSettingsError, match="key #1 cannot be loaded"):
        load_authorizer_settings({"JWT_ISSUER": ISSUER, "JWT_AUDIENCE": AUDIENCE, "JWT_PUBLIC_KEYS": broken})


def test_keys_are_required() -> None:
    with pytest.raises(AuthorizerSettingsError, match="set JWT_JWKS"):
        load_authorizer_settings({"JWT_ISSUER": ISSUER, "JWT_AUDIENCE": AUDIENCE})


def test_unusual_method_arn_is_passed_through() -> None:
    assert handler.stage_wide_resource("not-an-arn") == "not-an-arn"
