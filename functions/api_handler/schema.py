"""Validators compiled from the item JSON schema, the single source shared with OpenAPI, Terraform and tests.

`schemas/item.schema.json` is a symlink to `data/schemas/item.schema.json` (the packager dereferences it into
the zip), so the Lambda validates with exactly the schema the rest of the project reads. Validators are
compiled on first use: importing the handler stays cheap.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

SCHEMA_PATH = Path(__file__).parent / "schemas" / "item.schema.json"

Validator = Callable[[Any], Any]


class SchemaViolation(ValueError):
    """A document does not match a schema definition; `field` is its dotted path ("" for the whole body)."""

    def __init__(self, field: str, message: str, rule: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.rule = rule


@functools.cache
def item_schema() -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def definition(name: str) -> dict[str, Any]:
    return cast(dict[str, Any], item_schema()["definitions"][name])


def property_names(name: str) -> frozenset[str]:
    return frozenset(definition(name)["properties"])


@functools.cache
def _compiled(name: str) -> Validator:
    import fastjsonschema  # noqa: PLC0415 - compiled lazily, at the first request that needs it

    document = {"definitions": item_schema()["definitions"], "$ref": f"#/definitions/{name}"}
    return cast(Validator, fastjsonschema.compile(document, use_default=False))


def validate(name: str, document: Any) -> None:
    """Raise SchemaViolation unless `document` matches definition `name`."""
    import fastjsonschema  # noqa: PLC0415 - already imported by _compiled; cheap here

    try:
        _compiled(name)(document)
    except fastjsonschema.JsonSchemaValueException as error:
        path = [str(part) for part in (error.path or [])][1:]  # drop fastjsonschema's "data" root
        field = ".".join(path)
        subject = field or "body"
        message = str(error.message).replace(str(error.name), subject, 1)
        raise SchemaViolation(field, message, str(error.rule)) from None
