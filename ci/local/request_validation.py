"""API Gateway request validators: required parameters and the body against the method's model.

A method with a request validator is checked before its integration runs (after its authorizer), with API
Gateway's own answers: ``400 Missing required request parameters: [...]`` and ``400 Invalid request body``.
Models are JSON Schema draft-04, as API Gateway uses them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import fastjsonschema

PARAMETER_PREFIX = "method.request."


@dataclass(frozen=True)
class RequestValidator:
    validate_body: bool
    validate_parameters: bool


@functools.lru_cache(maxsize=64)
def _compiled(schema_json: str) -> Any:
    return fastjsonschema.compile(json.loads(schema_json))


def missing_parameters(
    required: Mapping[str, bool],
    headers: Mapping[str, str],
    query: Mapping[str, str],
    path: Mapping[str, str],
) -> list[str]:
    """Names of required ``method.request.{querystring,header,path}.*`` parameters the request lacks."""
    lowered_headers = {name.lower() for name, value in headers.items() if value != ""}
    missing = []
    for key, is_required in required.items():
        location, _, name = key.removeprefix(PARAMETER_PREFIX).partition(".")
        present = {
            "querystring": name in query,
            "header": name.lower() in lowered_headers,
            "path": bool(path.get(name)),
        }.get(location, True)
        if is_required and not present:
            missing.append(name)
    return missing


def body_matches_model(body: bytes, schema: Mapping[str, Any]) -> bool:
    try:
        document = json.loads(body.decode("utf-8")) if body else None
        _compiled(json.dumps(schema, sort_keys=True))(document)
    except (UnicodeDecodeError, ValueError, RecursionError, fastjsonschema.JsonSchemaException):
        return False  # RecursionError: JSON nested deeper than a validator walks is no valid body either
    return True


def validation_error(
    validator: RequestValidator | None,
    required_parameters: Mapping[str, bool],
    model_schema: Mapping[str, Any] | None,
    headers: Mapping[str, str],
    query: Mapping[str, str],
    path: Mapping[str, str],
    body: bytes,
) -> str | None:
    """API Gateway's message when the request fails the method's validator; None when it passes."""
    if validator is None:
        return None
    if validator.validate_parameters:
        missing = missing_parameters(required_parameters, headers, query, path)
        if missing:
            return f"Missing required request parameters: [{', '.join(missing)}]"
    if validator.validate_body and model_schema is not None and not body_matches_model(body, model_schema):
        return "Invalid request body"
    return None
