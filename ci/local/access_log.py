"""API Gateway stage access logs: the stage's own format, with ``$context`` variables, to its log group."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_CONTEXT_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")
_LOG_GROUP_ARN = re.compile(r"^arn:[^:]+:logs:[^:]*:[^:]*:log-group:(?P<name>[^:]+)(?::\*)?$")


@dataclass(frozen=True)
class AccessLogSettings:
    group: str
    format: str

    @classmethod
    def from_stage(cls, stage: Mapping[str, Any]) -> AccessLogSettings | None:
        settings = stage.get("accessLogSettings") or {}
        match = _LOG_GROUP_ARN.match(settings.get("destinationArn") or "")
        if match is None or not settings.get("format"):
            return None
        return cls(match["name"], settings["format"])

    def render(self, values: Mapping[str, str]) -> str:
        """The format with each ``$context.x`` replaced (JSON-escaped, ``-`` when unknown, as AWS does)."""
        return _CONTEXT_VARIABLE.sub(lambda m: json.dumps(values.get(m[1], "-"))[1:-1], self.format)


def flatten_request_context(context: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """``requestContext`` as ``$context`` variable names: nested keys joined with dots, nulls left out."""
    flat: dict[str, str] = {}
    for key, value in context.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten_request_context(value, f"{name}."))
        elif value is not None:
            flat[name] = str(value)
    return flat
