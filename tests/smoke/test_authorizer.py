"""Smoke tests of the JWT authorizer, where the environment deploys one (env local: `ci local up --auth`).

A valid token reaches the function and names the caller; no token is API Gateway's 401; a token the
authorizer does not trust is its 403. Skipped, with the reason, for a public API.
"""

from __future__ import annotations

import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from tests.smoke.api_client import request
from tests.smoke.conftest import SmokeTarget


@pytest.fixture(scope="module")
def guarded(target: SmokeTarget) -> SmokeTarget:
    if target.authorizer is None:
        pytest.skip(f"env {target.env}'s API is public (no authorizer in its Terraform outputs)")
    if target.token is None:
        pytest.skip(f"env {target.env} is guarded by an authorizer: set API_TOKEN to a token it accepts")
    return target


def test_a_valid_token_reaches_the_function_and_names_the_caller(guarded: SmokeTarget) -> None:
    subject = str(jwt.decode(guarded.token or "", options={"verify_signature": False})["sub"])
    created = guarded.request("POST", "/items", {"name": f"auth-smoke-{uuid.uuid4()}"})
    assert created.status == 201, created.body
    item = created.json()
    assert item["createdBy"] == subject
    assert guarded.request("DELETE", f"/items/{item['id']}").status == 204


def test_a_request_without_a_token_is_a_401_in_the_error_envelope(guarded: SmokeTarget) -> None:
    response = request(guarded.api_url, "GET", "/items?limit=1")
    assert response.status == 401, response.body
    assert response.json()["error"]["code"]


def forger_for(algorithm: str) -> Any:
    """A fresh private key of the family ``algorithm`` signs with (never one the authorizer trusts)."""
    if algorithm == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    if algorithm.startswith(("RS", "PS")):
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    curves = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}
    return ec.generate_private_key(curves[algorithm])


def test_a_token_signed_by_another_key_is_a_403_in_the_error_envelope(guarded: SmokeTarget) -> None:
    authorizer = guarded.authorizer or {}
    # Right issuer, audience, algorithm and key id (when the env's keys have ids), wrong key: only the
    # signature gives it away.
    algorithm = authorizer["algorithms"][0]
    key_ids = [key_id for key_id in authorizer.get("key_ids") or [] if key_id]
    forged = jwt.encode(
        {"sub": "mallory", "iss": authorizer["issuer"], "aud": authorizer["audience"], "exp": 4102444800},
        forger_for(algorithm),
        algorithm=algorithm,
        headers={"kid": key_ids[0]} if key_ids else None,
    )
    response = request(
        guarded.api_url, "GET", "/items?limit=1", headers={"Authorization": f"Bearer {forged}"}
    )
    assert response.status == 403, response.body
    assert response.json()["error"]["code"]
