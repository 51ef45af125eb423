"""Tokens shaped like GitHub Actions' OIDC tokens, and their exchange for a role's credentials.

The claims are GitHub's (docs/OIDC_SETUP.md lists them); the signature is not real, because the emulator's
STS does not verify it. What the emulator does not check, ``trust.accepts`` does before the exchange.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from ci.rehearsal.trust import GITHUB_TOKEN_HOST, accepts

AUDIENCE = "sts.amazonaws.com"


@dataclass(frozen=True)
class Workflow:
    """Where a GitHub Actions job runs: which repository, and on which ref / environment / event."""

    repository: str  # OWNER/REPO
    ref: str = "refs/heads/main"
    environment: str | None = None
    event_name: str = "push"

    @property
    def subject(self) -> str:
        prefix = f"repo:{self.repository}"
        if self.environment is not None:
            return f"{prefix}:environment:{self.environment}"
        if self.event_name == "pull_request":
            return f"{prefix}:pull_request"
        return f"{prefix}:ref:{self.ref}"

    def claims(self) -> dict[str, str]:
        owner = self.repository.split("/", 1)[0]
        claims = {
            "iss": f"https://{GITHUB_TOKEN_HOST}",
            "aud": AUDIENCE,
            "sub": self.subject,
            "repository": self.repository,
            "repository_owner": owner,
            "ref": self.ref,
            "event_name": self.event_name,
            "job_workflow_ref": f"{self.repository}/.github/workflows/deploy.yml@{self.ref}",
        }
        if self.environment is not None:
            claims["environment"] = self.environment
        return claims


def _segment(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def token(claims: dict[str, str]) -> str:
    now = int(time.time())
    header = {"alg": "RS256", "typ": "JWT", "kid": "rehearsal"}
    payload = {**claims, "iat": now, "nbf": now, "exp": now + 300}
    signature = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    return f"{_segment(header)}.{_segment(payload)}.{signature}"


class TrustRefusedError(RuntimeError):
    """The role's trust policy does not accept the workflow's token (STS would refuse it)."""


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def as_env(self) -> dict[str, str]:
        env = {"AWS_ACCESS_KEY_ID": self.access_key_id, "AWS_SECRET_ACCESS_KEY": self.secret_access_key}
        if self.session_token:
            env["AWS_SESSION_TOKEN"] = self.session_token
        return env


def exchange(sts: Any, role: dict[str, Any], workflow: Workflow) -> Credentials:
    """``AssumeRoleWithWebIdentity`` for ``role`` (an IAM GetRole answer) with a token of ``workflow``."""
    claims = workflow.claims()
    if not accepts(role["AssumeRolePolicyDocument"], claims):
        raise TrustRefusedError(f"{role['RoleName']} does not trust sub={claims['sub']}")
    answer = sts.assume_role_with_web_identity(
        RoleArn=role["Arn"], RoleSessionName="rehearsal", WebIdentityToken=token(claims)
    )["Credentials"]
    return Credentials(answer["AccessKeyId"], answer["SecretAccessKey"], answer["SessionToken"])
