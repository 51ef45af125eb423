"""An environment's Terraform outputs as plain values, whatever shape the file has.

Each environment root exposes one object output, ``service`` (everything ``modules/items_service`` returns),
plus ``api_url`` for people typing ``terraform output``. ``terraform output -json`` wraps each in
``{"value": ..., "type": ..., "sensitive": ...}``; tests and tools also write flat ``{name: value}`` files.
Every reader goes through :func:`stack_outputs`, so ``outputs["function_name"]`` means the same everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SERVICE_OUTPUT = "service"
TERRAFORM_OUTPUT_KEYS = {"value", "type", "sensitive"}


def _unwrapped(value: Any) -> Any:
    if isinstance(value, Mapping) and "value" in value and set(value) <= TERRAFORM_OUTPUT_KEYS:
        return value["value"]
    return value


def stack_outputs(document: Mapping[str, Any]) -> dict[str, Any]:
    """``{name: value}`` with the ``service`` object's fields lifted to the top level."""
    values = {name: _unwrapped(value) for name, value in document.items()}
    service = values.pop(SERVICE_OUTPUT, None)
    return {**service, **values} if isinstance(service, Mapping) else values


def read_stack_outputs(path: Path) -> dict[str, Any]:
    """The outputs file at ``path`` (the apply stage's ``build/terraform/<env>/outputs.json``).

    Raises OSError when it cannot be read and ValueError when it is not a JSON object."""
    document = json.loads(path.read_text())
    if not isinstance(document, Mapping):
        raise ValueError("expected a JSON object of Terraform outputs")
    return stack_outputs(document)
