"""Entry point of the rehearsal's emulator: the local cloud's moto server, plus a log of every IAM decision.

moto enforces IAM once ``INITIAL_NO_AUTH_ACTION_COUNT`` requests have been served; each decision it takes
is appended here as one JSON line (who, which action, which resource, allowed or not), which is what the
rehearsal's report is built from. Run as ``python -m ci.rehearsal.emulator_server -H 127.0.0.1 -p PORT``
with ``REHEARSAL_IAM_LOG`` naming the log file.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from moto.core.authorization import ActionAuthenticatorMixin
from moto.iam.access_control import IAMRequestBase

from ci.local import moto_server

IAM_LOG_ENV_VAR = "REHEARSAL_IAM_LOG"


def install_decision_log(path: Path) -> None:
    """Wrap moto's permission check so that each decision is written to ``path`` before it takes effect."""
    original: Callable[[IAMRequestBase, str], None] = IAMRequestBase.check_action_permitted
    lock = threading.Lock()

    def logged(self: IAMRequestBase, resource: str) -> None:
        record: dict[str, Any] = {
            "principal": getattr(self._access_key, "arn", "?"),
            "action": self._action,
            "method": self._method,
            "path": self._path.split("?", 1)[0],
            "query": sorted(parse_qs(self._path.partition("?")[2], keep_blank_values=True)),
            "resource": resource,
        }
        try:
            original(self, resource)
        except Exception:
            record["allowed"] = False
            raise
        else:
            record["allowed"] = True
        finally:
            with lock, path.open("a", encoding="utf-8") as log:
                log.write(json.dumps(record) + "\n")

    IAMRequestBase.check_action_permitted = logged  # type: ignore[method-assign]


# Calls AWS authenticates by what they carry (a web identity token), not by a signature.
UNSIGNED_ACTIONS = ("AssumeRoleWithWebIdentity",)


def allow_unsigned_web_identity() -> None:
    """Let ``AssumeRoleWithWebIdentity`` through unsigned, as STS does (moto expects a signature)."""
    original = ActionAuthenticatorMixin._authenticate_and_authorize_action

    def authenticate(self: Any, iam_request_cls: type, resource: str = "*") -> None:
        if "Authorization" not in self.headers and self._get_action() in UNSIGNED_ACTIONS:
            return
        original(self, iam_request_cls, resource)

    ActionAuthenticatorMixin._authenticate_and_authorize_action = authenticate  # type: ignore[method-assign]


def verify_bodyless_signatures() -> None:
    """Check the signature of a request without a body over an empty payload, as SigV4 signs it.

    moto rebuilds the request from its parsed parameters when the body is empty, so every GET of a
    REST-JSON service (Lambda GetFunction, API Gateway GetRestApi) fails with SignatureDoesNotMatch.
    """
    original = IAMRequestBase._create_aws_request

    def create(self: IAMRequestBase) -> Any:
        if self._body or self._method == "POST":
            return original(self)
        saved, self._data = self._data, {}
        try:
            request = original(self)
        finally:
            self._data = saved
        request.data = b""
        return request

    IAMRequestBase._create_aws_request = create  # type: ignore[method-assign]


def main() -> None:
    allow_unsigned_web_identity()
    verify_bodyless_signatures()
    install_decision_log(Path(os.environ[IAM_LOG_ENV_VAR]))
    moto_server.main()


if __name__ == "__main__":
    main()
