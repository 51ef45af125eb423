"""The OIDC roles' policies as the rehearsal uses them: rendered, widened for the emulator, and matched.

moto evaluates *actions* only. For every service but S3 it authorises a request against the resource ``*``
(so a statement scoped to ``arn:…:function:items-service-*`` never matches), it evaluates no condition keys
of identity policies (a statement with a ``Condition`` is treated as failing), and it names a few actions
differently from IAM. ``widen_for_emulator`` adapts a copy of each policy to those limits, in this one
place, and returns a note per change for the report; the real policies are never altered. Resource scoping,
which the emulator cannot check, is proven separately (``resource_matches`` and tests/rehearsal).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template
from typing import Any

from ci.common.paths import REPO_ROOT

POLICY_DIR = REPO_ROOT / "infrastructure" / "bootstrap" / "policies"
# bootstrap's role_policy_files: role suffix -> policy file.
ROLE_POLICY_FILES = {
    "infrastructure": "infrastructure.json",
    "plan-readonly": "plan_readonly.json",
    "lambda-deploy": "lambda_deploy.json",
}
# moto signs CloudWatch requests as "monitoring"; IAM calls the service "cloudwatch".
SERVICE_ALIASES = {"cloudwatch": "monitoring"}
# IAM authorises API Gateway by HTTP verb (apigateway:POST); moto names the operation (CreateRestApi).
VERB_ACTION_SERVICES = ("apigateway",)
# IAM actions moto spells differently (it names some S3 subresources after the operation).
EMULATOR_SPELLINGS = {
    "s3:ListBucket": ("s3:HeadBucket",),
    "s3:PutBucketPublicAccessBlock": ("s3:PutPublicAccessBlock", "s3:DeletePublicAccessBlock"),
    "s3:GetBucketPublicAccessBlock": ("s3:GetPublicAccessBlock",),
}
# IAM's action for an S3 request by subresource (query key); moto files the ones it does not know under
# s3:ListBucket (GET) or s3:CreateBucket (PUT), so the report names them here as IAM does.
S3_BUCKET_SUBRESOURCES = {
    "encryption": "EncryptionConfiguration",
    "ownershipControls": "BucketOwnershipControls",
    "publicAccessBlock": "BucketPublicAccessBlock",
    "lifecycle": "LifecycleConfiguration",
    "versioning": "BucketVersioning",
    "policy": "BucketPolicy",
    "tagging": "BucketTagging",
    "logging": "BucketLogging",
    "acl": "BucketAcl",
    "cors": "BucketCORS",
    "website": "BucketWebsite",
    "accelerate": "AccelerateConfiguration",
    "requestPayment": "BucketRequestPayment",
    "replication": "ReplicationConfiguration",
    "object-lock": "BucketObjectLockConfiguration",
    "notification": "BucketNotification",
    "location": "BucketLocation",
    "policyStatus": "BucketPolicyStatus",
}
S3_DELETE_AS_PUT = (
    "lifecycle", "tagging", "cors", "publicAccessBlock", "encryption", "replication", "ownershipControls",
)  # fmt: skip
# Services whose requests moto checks against their real resource ARN, so their scoping is kept.
RESOURCE_CHECKED_SERVICES = ("s3",)


def render(path: Path, variables: Mapping[str, str]) -> dict[str, Any]:
    """A policy file with its ``${name}`` placeholders filled, as Terraform's templatefile renders it."""
    rendered: dict[str, Any] = json.loads(Template(path.read_text()).substitute(variables))
    return rendered


def statements(policy: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = policy["Statement"]
    return [dict(statement) for statement in (found if isinstance(found, list) else [found])]


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _service(action: str) -> str:
    return action.split(":", 1)[0].lower()


def widen_for_emulator(policy: Mapping[str, Any], label: str) -> tuple[dict[str, Any], list[str]]:
    """A copy of ``policy`` the emulator can evaluate, and what was changed (one note per change)."""
    widened: list[dict[str, Any]] = []
    notes: list[str] = []
    for statement in statements(policy):
        sid = statement.get("Sid", "?")
        conditions = statement.pop("Condition", None)
        if conditions is not None and statement["Effect"] == "Deny":
            notes.append(f"{label}/{sid}: conditional Deny left out (the emulator cannot evaluate it)")
            continue
        if conditions is not None:
            notes.append(f"{label}/{sid}: Condition {json.dumps(conditions)} not evaluated")
        actions = as_list(statement["Action"])
        services = {_service(action) for action in actions}
        if not services <= set(RESOURCE_CHECKED_SERVICES) and statement.get("Resource") != "*":
            statement["Resource"] = "*"
            notes.append(f"{label}/{sid}: Resource widened to * (the emulator checks actions only)")
        elif services == {"s3"}:
            resources = as_list(statement.get("Resource", "*"))
            buckets = [r.removesuffix("/*") for r in resources if r.endswith("/*")]
            if buckets:
                # DeleteObjects: IAM checks s3:DeleteObject per object, moto against the bucket's ARN.
                statement["Resource"] = resources + [b for b in buckets if b not in resources]
                notes.append(f"{label}/{sid}: bucket ARNs added beside bucket/* (moto's DeleteObjects)")
        extra = sorted(
            {
                spelling
                for iam_action, spellings in EMULATOR_SPELLINGS.items()
                if any(action_matches(a, iam_action) for a in actions)
                for spelling in spellings
            }
            | {
                f"{SERVICE_ALIASES[_service(a)]}:{a.split(':', 1)[1]}"
                for a in actions
                if _service(a) in SERVICE_ALIASES
            }
            | {f"{_service(a)}:*" for a in actions if _service(a) in VERB_ACTION_SERVICES}
        )
        if extra:
            statement["Action"] = actions + extra
            notes.append(f"{label}/{sid}: emulator spellings added ({', '.join(extra)})")
        widened.append(statement)
    return {**copy.deepcopy(dict(policy)), "Statement": widened}, notes


@dataclass(frozen=True)
class Decision:
    """One IAM decision the emulator logged."""

    principal: str
    action: str  # as IAM names it (see canonical_action)
    resource: str
    allowed: bool

    @property
    def role(self) -> str | None:
        """The role name for an assumed-role principal, else None (a user: the administrator)."""
        match = re.match(r"arn:[^:]+:sts::\d+:assumed-role/([^/]+)/", self.principal)
        return match.group(1) if match else None


def s3_iam_action(method: str, path: str, query: list[str]) -> str | None:
    """IAM's action for an S3 request on a bucket's subresource, or None when moto's name is IAM's."""
    is_bucket = path.strip("/").count("/") == 0
    if method == "HEAD":
        return "s3:ListBucket" if is_bucket else "s3:GetObject"
    if not is_bucket:
        return None
    known = [key for key in query if key in S3_BUCKET_SUBRESOURCES]
    if not known:
        return "s3:ListBucketVersions" if method == "GET" and "versions" in query else None
    key, subresource = known[0], S3_BUCKET_SUBRESOURCES[known[0]]
    if method == "GET":
        return f"s3:Get{subresource}"
    verb = "Put" if method == "PUT" or key in S3_DELETE_AS_PUT else "Delete"
    return f"s3:{verb}{subresource}"


def canonical_action(action: str, method: str, path: str = "/", query: list[str] | None = None) -> str:
    """The IAM name of an action as the emulator logged it."""
    service, _, name = action.partition(":")
    if service == "s3":
        return s3_iam_action(method, path, query or []) or action
    for iam_service, emulator_service in SERVICE_ALIASES.items():
        if service == emulator_service:
            return f"{iam_service}:{name}"
    if service in VERB_ACTION_SERVICES:
        return f"{service}:{method.upper()}"
    return action


def read_decisions(path: Path) -> list[Decision]:
    decisions = []
    for line in path.read_text().splitlines() if path.is_file() else ():
        record = json.loads(line)
        resource = record["resource"]
        if record["action"] == "s3:DeleteObject" and "delete" in record.get("query", []):
            resource = f"{resource}/*"  # DeleteObjects: the objects of the bucket, as IAM checks it
        decisions.append(
            Decision(
                principal=record["principal"],
                action=canonical_action(
                    record["action"], record["method"], record["path"], record.get("query", [])
                ),
                resource=resource,
                allowed=record["allowed"],
            )
        )
    return decisions


@cache
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    # IAM wildcards: * is any run of characters (":" and "/" included), ? exactly one.
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", re.IGNORECASE if ignore_case else 0)


def action_matches(pattern: str, action: str) -> bool:
    return _wildcard(pattern, True).match(action) is not None


def resource_matches(pattern: str, arn: str) -> bool:
    return _wildcard(pattern, False).match(arn) is not None


def granted_actions(policy: Mapping[str, Any]) -> list[str]:
    """Every action pattern an Allow statement grants, in order, once."""
    granted: dict[str, None] = {}
    for statement in statements(policy):
        if statement["Effect"] == "Allow":
            granted.update(dict.fromkeys(as_list(statement["Action"])))
    return list(granted)


def unused_grants(policy: Mapping[str, Any], used: Iterable[str]) -> list[str]:
    used_actions = list(used)
    return [
        pattern
        for pattern in granted_actions(policy)
        if not any(action_matches(pattern, action) for action in used_actions)
    ]


def allowed_resources(policy: Mapping[str, Any], action: str) -> list[str]:
    """The Resource patterns of the Allow statements that grant ``action``."""
    patterns: list[str] = []
    for statement in statements(policy):
        if statement["Effect"] == "Allow" and any(
            action_matches(pattern, action) for pattern in as_list(statement["Action"])
        ):
            patterns.extend(as_list(statement.get("Resource", "*")))
    return patterns
