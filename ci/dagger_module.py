"""The pipeline as a Dagger module: `dagger call <stage>`, `dagger call pipeline`, `dagger check`.

dagger.json (repo root) hands the engine's Python runtime the folder .dagger/, whose pyproject.toml names
``ItemsService`` below as the module's main object and puts the repo root on the module's import path,
so this module runs the repo's own stage specs (ci/stages.py) with the same chains and run logic as
`python -m ci run --executor dagger`. One function per stage (a test keeps the two lists equal); the
deterministic stages are also checks. A function runs its stage after the stages it needs and returns
the stage's outputs laid out like the repo, e.g.::

    dagger check                                   # lint, test, coverage, iac-scan, sast, package
    dagger call test export --path .               # -> build/reports/junit.xml, build/coverage/.coverage
    dagger call --env dev --aws-access-key-id env:AWS_ACCESS_KEY_ID \\
        --aws-secret-access-key env:AWS_SECRET_ACCESS_KEY plan export --path .

Cloud stages and the audit never come from Dagger's function cache (``cache="never"``); env local is not
offered here because its cloud is started on the host by `python -m ci run`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from dagger import DefaultPath, Directory, Doc, Ignore, Secret, check, field, function, object_type

from ci.executors.dagger_chains import SOURCE_EXCLUDES
from ci.executors.in_module import ModuleSettings
from ci.module_pipeline import credentials_from, run_module_stages

F = TypeVar("F", bound=Callable[..., Any])
# dagger-io 0.21's typing overloads of `function` leave out its `cache` keyword (the implementation has it).
_function_with_cache: Any = function


def never_cached(func: F) -> F:
    """``@never_cached``: results that depend on a cloud or on today's data are never reused."""
    decorated: F = _function_with_cache(cache="never")(func)
    return decorated


Source = Annotated[
    Directory,
    DefaultPath("/"),
    Ignore(list(SOURCE_EXCLUDES)),
    Doc("the repository (default: the module's context, i.e. this repo, without local caches and build/)"),
]


@object_type
class ItemsService:
    """The items-service pipeline: one function per stage, and `pipeline` for all of them."""

    env: Annotated[str, Doc("target environment: local (default), dev, staging or prod")] = field(
        default="local"
    )
    aws_region: Annotated[str, Doc("AWS region of the cloud stages")] = field(default="us-east-1")
    state_bucket: Annotated[str, Doc("Terraform state bucket (default: derived from the account)")] = field(
        default=""
    )
    aws_access_key_id: Secret | None = field(default=None)
    aws_secret_access_key: Secret | None = field(default=None)
    aws_session_token: Secret | None = field(default=None)

    def _settings(self) -> ModuleSettings:
        return ModuleSettings(
            env=self.env,
            aws_region=self.aws_region,
            state_bucket=self.state_bucket,
            credentials=credentials_from(
                {
                    "AWS_ACCESS_KEY_ID": self.aws_access_key_id,
                    "AWS_SECRET_ACCESS_KEY": self.aws_secret_access_key,
                    "AWS_SESSION_TOKEN": self.aws_session_token,
                }
            ),
        )

    async def _stage(self, name: str | None, source: Directory) -> Directory:
        return await run_module_stages(source, name, self._settings())

    @function
    @check
    async def lint(self, source: Source) -> Directory:
        """ruff check, ruff format --check, mypy (strict)."""
        return await self._stage("lint", source)

    @function
    @check
    async def test(self, source: Source) -> Directory:
        """pytest unit + integration (moto server over HTTP) -> junit.xml and coverage data."""
        return await self._stage("test", source)

    @function
    @check
    async def coverage(self, source: Source) -> Directory:
        """Coverage of functions/ and data/ >= 90 % -> coverage.xml + html."""
        return await self._stage("coverage", source)

    @function(name="iac-scan")
    @check
    async def iac_scan(self, source: Source) -> Directory:
        """Checkov over infrastructure/ -> checkov.sarif."""
        return await self._stage("iac-scan", source)

    @never_cached
    @check
    async def sast(self, source: Source) -> Directory:
        """Bandit, detect-secrets and pip-audit (today's vulnerability data, so never cached)."""
        return await self._stage("sast", source)

    @function
    @check
    async def package(self, source: Source) -> Directory:
        """Reproducible Lambda zips for the env's runtime -> build/dist/."""
        return await self._stage("package", source)

    @never_cached
    async def plan(self, source: Source) -> Directory:
        """Terraform plan for --env -> saved plan, JSON and summary (needs AWS credentials)."""
        return await self._stage("plan", source)

    @never_cached
    async def apply(self, source: Source) -> Directory:
        """Terraform apply of this call's plan -> build/terraform/<env>/outputs.json."""
        return await self._stage("apply", source)

    @never_cached
    async def deploy(self, source: Source) -> Directory:
        """Upload the zip, publish a version, move alias live."""
        return await self._stage("deploy", source)

    @never_cached
    async def smoke(self, source: Source) -> Directory:
        """Smoke suite against the env's API."""
        return await self._stage("smoke", source)

    @never_cached
    async def contract(self, source: Source) -> Directory:
        """Schemathesis against the env's API, judged by data/openapi.json."""
        return await self._stage("contract", source)

    @never_cached
    async def pipeline(self, source: Source) -> Directory:
        """Every stage for --env, in DAG order; all their outputs."""
        return await self._stage(None, source)
