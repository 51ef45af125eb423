"""API Gateway request validation rules, with models built from the shared item schema as Terraform does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ci.local.request_validation import RequestValidator, missing_parameters, validation_error

BOTH = RequestValidator(validate_body=True, validate_parameters=True)


def api_gateway_model(repo_root: Path, definition: str) -> dict[str, Any]:
    """What modules/api_gateway deploys: the definition, draft-04, carrying every definition for its $refs."""
    schema = json.loads((repo_root / "data" / "schemas" / "item.schema.json").read_text())
    return {
        **schema["definitions"][definition],
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": definition,
        "definitions": schema["definitions"],
    }


def test_update_model_from_the_shared_schema_accepts_what_the_api_contract_allows(repo_root: Path) -> None:
    model = api_gateway_model(repo_root, "ItemUpdate")

    def check(body: dict[str, Any]) -> str | None:
        return validation_error(BOTH, {}, model, {}, {}, {}, json.dumps(body).encode())

    assert check({"status": "archived", "version": 1}) is None
    assert check({"name": "renamed", "version": 3}) is None
    assert check({"status": "deleted", "version": 1}) == "Invalid request body"
    assert check({"name": "x", "version": 1, "id": "not-yours"}) == "Invalid request body"


def test_missing_parameters_by_location_with_case_insensitive_headers() -> None:
    required = {
        "method.request.querystring.limit": True,
        "method.request.header.X-Api-Key": True,
        "method.request.path.id": True,
        "method.request.querystring.cursor": False,
    }
    assert missing_parameters(required, {"x-api-key": "k"}, {"limit": "5"}, {"id": "1"}) == []
    assert missing_parameters(required, {}, {}, {}) == ["limit", "X-Api-Key", "id"]


def test_no_validator_means_no_checks() -> None:
    assert (
        validation_error(
            None, {"method.request.querystring.limit": True}, {"type": "object"}, {}, {}, {}, b""
        )
        is None
    )
