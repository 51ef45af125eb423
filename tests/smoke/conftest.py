"""Where the smoke suite points: one deployed environment, local or real.

Configuration, first found wins:
- API base URL: ``API_URL``; else ``api_url`` from the Terraform outputs (not for env local: its outputs
  name an API Gateway host that only exists inside the emulator, so the data plane's URL must be given).
- Terraform outputs: ``SMOKE_OUTPUTS`` or ``TERRAFORM_OUTPUTS`` (path, the pipeline's smoke step sets the
  latter), else ``build/terraform/<env>/outputs.json`` (written by the apply stage).
- Environment name: ``SMOKE_ENV``, else ``ENVIRONMENT`` (set by the pipeline's stages), else ``local``.
- Terraform plan (to compare the function with): ``SMOKE_PLAN``, else ``build/reports/plan-<env>.json``.
- AWS endpoint: ``AWS_ENDPOINT_URL`` (the emulator); without it boto3 talks to AWS with the usual credentials.
- Bearer token, when the outputs show an authorizer: ``API_TOKEN``; for env local one is minted with the local
  test key (ci/local/identity.py). Every call of ``target.request`` carries it.

Without an API URL every test is skipped with the reason, so `make test` collecting this suite is harmless.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from ci.common.paths import REPO_ROOT
from ci.common.stack_outputs import read_stack_outputs
from ci.local import identity
from tests.smoke.api_client import Response, request

EMULATOR_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@dataclass(frozen=True)
class SmokeTarget:
    env: str
    api_url: str
    outputs: Mapping[str, Any]
    aws_endpoint_url: str | None
    region: str
    token: str | None = None

    @property
    def authorizer(self) -> Mapping[str, Any] | None:
        """The JWT authorizer guarding the API (its issuer, audience, ...), None for a public API."""
        value = self.outputs.get("authorizer")
        return value if isinstance(value, Mapping) else None

    def request(
        self, method: str, path: str, body: Any = None, headers: Mapping[str, str] | None = None
    ) -> Response:
        """A call to the API as its usual client: with the target's token when it has one."""
        sent = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return request(self.api_url, method, path, body, {**sent, **(headers or {})})

    def output(self, name: str, default: str) -> str:
        value = self.outputs.get(name)
        return str(value) if value else default

    @property
    def table_name(self) -> str:
        return self.output(
            "items_table_name", os.environ.get("TABLE_NAME") or f"items-service-{self.env}-items"
        )

    @property
    def idempotency_table_name(self) -> str:
        return self.output("idempotency_table_name", f"items-service-{self.env}-idempotency")

    @property
    def function_name(self) -> str:
        return self.output("function_name", f"items-service-{self.env}-api")

    @property
    def function_alias(self) -> str:
        return self.output("function_alias_name", "live")

    @property
    def log_group_name(self) -> str:
        return self.output("lambda_log_group_name", f"/aws/lambda/{self.function_name}")

    def planned_function(self) -> Mapping[str, Any] | None:
        """The function as the env's Terraform plan describes it (``build/reports/plan-<env>.json``)."""
        path = Path(os.environ.get("SMOKE_PLAN") or REPO_ROOT / "build" / "reports" / f"plan-{self.env}.json")
        if not path.is_file():
            return None
        modules = [json.loads(path.read_text()).get("planned_values", {}).get("root_module", {})]
        while modules:
            module = modules.pop()
            modules.extend(module.get("child_modules", []))
            for resource in module.get("resources", []):
                values = resource.get("values", {})
                if (
                    resource.get("type") == "aws_lambda_function"
                    and values.get("function_name") == self.function_name
                ):
                    return dict(values)
        return None

    @property
    def aws_reachable(self) -> bool:
        """Env local is only reachable through the emulator; real envs through the usual AWS credentials."""
        return self.aws_endpoint_url is not None or self.env != "local"

    def client(self, service: str) -> Any:
        extra: dict[str, str] = {}
        if self.aws_endpoint_url:
            extra["endpoint_url"] = self.aws_endpoint_url
            if not os.environ.get("AWS_ACCESS_KEY_ID"):
                extra.update(EMULATOR_CREDENTIALS)
        return boto3.client(service, region_name=self.region, **extra)  # type: ignore[call-overload]


def resolve_target(environ: Mapping[str, str]) -> SmokeTarget | str:
    """The target, or why there is none."""
    env = environ.get("SMOKE_ENV") or environ.get("ENVIRONMENT") or "local"
    outputs_path = Path(
        environ.get("SMOKE_OUTPUTS")
        or environ.get("TERRAFORM_OUTPUTS")  # what the pipeline's smoke step passes
        or REPO_ROOT / "build" / "terraform" / env / "outputs.json"
    )
    outputs: dict[str, Any] = read_stack_outputs(outputs_path) if outputs_path.is_file() else {}
    api_url = environ.get("API_URL")
    if not api_url and env != "local":
        api_url = outputs.get("api_url")
    if not api_url:
        return (
            f"no smoke target for env {env}: set API_URL (env local: the data plane URL printed by "
            f"`python -m ci local up`), or run the pipeline's smoke stage"
        )
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    token = environ.get("API_TOKEN") or None
    if token is None and env == "local" and isinstance(outputs.get("authorizer"), Mapping):
        token = identity.mint_token(subject="smoke-suite")
    return SmokeTarget(env, api_url.rstrip("/"), outputs, environ.get("AWS_ENDPOINT_URL"), region, token)


@pytest.fixture(scope="session")
def target() -> SmokeTarget:
    resolved = resolve_target(os.environ)
    if isinstance(resolved, str):
        pytest.skip(resolved)
    return resolved


@pytest.fixture(scope="session")
def aws(target: SmokeTarget) -> SmokeTarget:
    """The target, when its AWS side (tables, function, logs) can be inspected too."""
    if not target.aws_reachable:
        pytest.skip("env local: set AWS_ENDPOINT_URL to the emulator to inspect tables, function and logs")
    return target
