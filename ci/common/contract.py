"""The project's naming and environment contract (``data/contract.json``), read once.

Terraform reads the same file with ``jsondecode(file(...))``; this module is the only Python that reads it, so
an environment or a name pattern is spelled in exactly one place. Patterns use ``${name}`` placeholders, which
both ``string.Template`` here and Terraform's ``templatestring`` understand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from string import Template
from typing import Any

from ci.common.paths import REPO_ROOT

CONTRACT_PATH = REPO_ROOT / "data" / "contract.json"

# Lambda architecture -> the pip/uv platform tag its wheels are built for.
_PLATFORM_TAGS = {"x86_64": "x86_64-manylinux2014", "arm64": "aarch64-manylinux2014"}


@dataclass(frozen=True)
class RuntimeTarget:
    """What an environment's Lambda runs on, as Terraform declares it and as the package stage builds for."""

    lambda_runtime: str  # e.g. python3.13
    lambda_architecture: str  # x86_64 | arm64

    @property
    def python_version(self) -> str:
        return self.lambda_runtime.removeprefix("python")

    @property
    def platform(self) -> str:
        return _PLATFORM_TAGS[self.lambda_architecture]


@cache
def _contract() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(CONTRACT_PATH.read_text())
    return loaded


def project() -> str:
    return str(_contract()["project"])


def default_region() -> str:
    return str(_contract()["default_region"])


def environments() -> tuple[str, ...]:
    """Every environment, in promotion order (local first, prod last)."""
    return tuple(_contract()["environments"])


def protected_environments() -> tuple[str, ...]:
    return tuple(env for env, spec in _contract()["environments"].items() if spec["protected"])


def runtime_target(env: str) -> RuntimeTarget:
    spec = _environment(env)
    return RuntimeTarget(spec["lambda_runtime"], spec["lambda_architecture"])


def function_alias() -> str:
    return str(_contract()["function_alias"])


def name(pattern: str, env: str | None = None, **values: str) -> str:
    """The contract's name ``pattern`` (a key of ``names``) filled in, e.g. ``name("items_table", "dev")``."""
    template = Template(_contract()["names"][pattern])
    if env is not None:
        _environment(env)
        values["env"] = env
    return template.substitute(project=project(), **values)


def _environment(env: str) -> dict[str, Any]:
    try:
        spec: dict[str, Any] = _contract()["environments"][env]
    except KeyError:
        raise ValueError(
            f"unknown environment {env!r}; expected one of {', '.join(environments())}"
        ) from None
    return spec


def gradual_deployment(env: str) -> dict[str, Any] | None:
    """How a new Lambda version reaches ``env``'s alias: None = at once, else its percent steps and timing."""
    value = _environment(env).get("gradual_deployment")
    return dict(value) if value else None
