"""Follow what is deployed in the emulator: the REST API's routes and, per integrated function, warm workers.

A background thread re-reads the stage's deployment and each integrated function's configuration (through
its alias) every ``interval`` seconds. When the deploy stage moves the alias to a new version, or the code,
env vars, timeout or memory change, a new worker pool is built for it and the old one retired, so the data
plane can start before anything is deployed (it answers 503 until then) and never serves stale code for
long. An alias with weighted routing (a canary, ``RoutingConfig.AdditionalVersionWeights``) gets a pool for
each version, and requests are shared between them by weight, as Lambda does.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from ci.local.deployed_function import (
    ArtifactNotFound,
    ArtifactStore,
    FunctionConfiguration,
    load_function_configuration,
)
from ci.local.emulator import FAKE_AWS_ENV
from ci.local.function_ref import FunctionRef
from ci.local.rest_api import DeployedRestApi, RestApiNotDeployed, load_deployed_rest_api
from ci.local.runtime_libraries import runtime_library_dir
from ci.local.worker_pool import FunctionRuntimeSpec, LogSink, WorkerPool

if TYPE_CHECKING:
    from mypy_boto3_apigateway import APIGatewayClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client

# API Gateway ends any integration after 29 s, whatever the function's own timeout.
API_GATEWAY_INTEGRATION_LIMIT_SECONDS = 29.0


@dataclass(frozen=True)
class VersionPool:
    configuration: FunctionConfiguration
    pool: WorkerPool


@dataclass(frozen=True)
class AliasTarget:
    """One read of an alias: its ARN, the version it points at, and a canary version with its share."""

    arn: str
    version: str
    canary_version: str | None = None
    canary_weight: float = 0.0


class FunctionBinding:
    """The warm workers behind one integrated function reference: its version, and a canary's if routed.

    Requests go to the canary in the proportion of its weight, spread evenly (every tenth request at 10 %)
    rather than at random, so a canary is observable and the local tests are deterministic."""

    def __init__(self, primary: VersionPool, canary: VersionPool | None = None, weight: float = 0.0) -> None:
        self.primary = primary
        self.canary = canary
        self.weight = weight if canary else 0.0
        self._credit = 0.0
        self._lock = threading.Lock()

    @property
    def configuration(self) -> FunctionConfiguration:
        return self.primary.configuration

    @property
    def pool(self) -> WorkerPool:
        return self.primary.pool

    def pools(self) -> list[WorkerPool]:
        return [self.primary.pool] + ([self.canary.pool] if self.canary else [])

    def choose(self) -> WorkerPool:
        """The pool that serves the next request."""
        if self.canary is None:
            return self.primary.pool
        with self._lock:
            self._credit += self.weight
            if self._credit >= 1.0 - 1e-9:
                self._credit -= 1.0
                return self.canary.pool
        return self.primary.pool


@dataclass(frozen=True)
class ServedApi:
    """One consistent view: the API and, per function it integrates, warm workers or why there are none."""

    api: DeployedRestApi
    functions: Mapping[FunctionRef, FunctionBinding] = field(default_factory=dict)
    unavailable: Mapping[FunctionRef, str] = field(default_factory=dict)


def emulator_credentials(credentials: Mapping[str, str] | None) -> dict[str, str]:
    """The fake credentials, or the given ones (whose absent session token must not be the fake one)."""
    if not credentials:
        return dict(FAKE_AWS_ENV)
    region = {key: FAKE_AWS_ENV[key] for key in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    return {**region, **credentials}


def emulator_client_session(credentials: Mapping[str, str] | None = None) -> boto3.session.Session:
    """A session for the emulator: its fake credentials, or real ones of an emulator that enforces IAM."""
    values = emulator_credentials(credentials)
    return boto3.session.Session(
        aws_access_key_id=values["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=values["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=values.get("AWS_SESSION_TOKEN"),
        region_name=values["AWS_REGION"],
    )


class DeploymentWatcher:
    def __init__(
        self,
        emulator_endpoint: str,
        api_name: str,
        stage_name: str,
        cache_dir: Path,
        log_sink_for_group: Callable[[str], LogSink],
        worker_environment: Mapping[str, str],
        max_workers_per_function: int = 4,
        interval: float = 1.0,
        bucket_hints: tuple[str, ...] = (),
        credentials: Mapping[str, str] | None = None,
    ) -> None:
        session = emulator_client_session(credentials)
        self._apigateway: APIGatewayClient = session.client("apigateway", endpoint_url=emulator_endpoint)
        self._lambda: LambdaClient = session.client("lambda", endpoint_url=emulator_endpoint)
        s3: S3Client = session.client("s3", endpoint_url=emulator_endpoint)
        self._artifacts = ArtifactStore(s3, cache_dir / "functions", bucket_hints)
        self._runtime_dir = runtime_library_dir(cache_dir)
        self._api_name = api_name
        self._stage_name = stage_name
        self._log_sink_for_group = log_sink_for_group
        self._worker_environment = dict(worker_environment)
        self._max_workers = max_workers_per_function
        self._interval = interval
        self._deployment: ServedApi | None = None
        self.not_deployed_reason = "the local cloud has not looked for a deployment yet"
        self._refresh_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="deployment-watcher")
        self._last_reported = ""

    @property
    def current(self) -> ServedApi | None:
        return self._deployment

    def start(self) -> None:
        self.refresh()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        with self._refresh_lock:
            deployment, self._deployment = self._deployment, None
        for binding in deployment.functions.values() if deployment else ():
            for pool in binding.pools():
                pool.kill_all()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.refresh()

    def refresh(self) -> None:
        with self._refresh_lock:
            if self._stop.is_set() and self._thread.is_alive():
                return
            try:
                self._refresh()
            except (BotoCoreError, ClientError) as exc:
                # Emulator hiccup: keep serving what we had, say so once.
                self._report(f"could not read the deployment from the emulator: {exc}")

    def _refresh(self) -> None:
        previous = self._deployment
        try:
            api = load_deployed_rest_api(
                self._apigateway, self._api_name, self._stage_name, previous.api if previous else None
            )
        except RestApiNotDeployed as exc:
            self.not_deployed_reason = str(exc)
            self._swap(None)
            return
        functions: dict[FunctionRef, FunctionBinding] = {}
        unavailable: dict[FunctionRef, str] = {}
        for ref in sorted(api.functions(), key=lambda r: (r.name, r.qualifier or "")):
            known = previous.functions.get(ref) if previous else None
            try:
                functions[ref] = self._binding(ref, known)
            except ClientError as exc:
                unavailable[ref] = f"function {ref.name}:{ref.qualifier} is not deployed: {exc}"
            except (ArtifactNotFound, ValueError) as exc:
                unavailable[ref] = str(exc)
        for reason in unavailable.values():
            self._report(reason)
        self._swap(ServedApi(api, functions, unavailable))

    def _binding(self, ref: FunctionRef, known: FunctionBinding | None) -> FunctionBinding:
        """The workers for ``ref``: reused where nothing changed, new pools for new versions or settings.

        For an alias, the version it points at and the version it routes a share to come from one read of
        the alias: read separately, an alias update in between paired the new version with the old routing
        (both "versions" the same) until the next refresh."""
        target = self._alias_target(ref)
        canary: FunctionConfiguration | None = None
        weight = 0.0
        if target is None:
            configuration = load_function_configuration(self._lambda, ref)
        else:
            configuration = self._through_alias(ref.name, target.version, target)
            if target.canary_version is not None:
                canary = self._through_alias(ref.name, target.canary_version, target)
                weight = target.canary_weight
        existing = [known.primary, *([known.canary] if known.canary else [])] if known else []
        primary_pool = self._version_pool(configuration, existing)
        canary_pool = self._version_pool(canary, existing) if canary else None
        if (
            known is not None
            and known.primary == primary_pool
            and known.canary == canary_pool
            and known.weight == (weight if canary else 0.0)
        ):
            return known
        return FunctionBinding(primary_pool, canary_pool, weight)

    def _version_pool(self, configuration: FunctionConfiguration, existing: list[VersionPool]) -> VersionPool:
        for candidate in existing:
            if candidate.configuration == configuration:
                return candidate
        return VersionPool(configuration, self._new_pool(configuration))

    def _alias_target(self, ref: FunctionRef) -> AliasTarget | None:
        """What an alias points at, from one read; None for a version or an unqualified function."""
        if not ref.qualifier or ref.qualifier == "$LATEST" or ref.qualifier.isdigit():
            return None
        alias = self._lambda.get_alias(FunctionName=ref.name, Name=ref.qualifier)
        weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        # Lambda allows one extra version
        canary = next(((version, float(w)) for version, w in weights.items() if w > 0), (None, 0.0))
        return AliasTarget(alias["AliasArn"], alias["FunctionVersion"], *canary)

    def _through_alias(self, name: str, version: str, target: AliasTarget) -> FunctionConfiguration:
        """``version``'s configuration, invoked through the alias: its context shows the alias ARN, as on
        Lambda."""
        configuration = load_function_configuration(self._lambda, FunctionRef(name, version))
        return dataclasses.replace(configuration, invoked_arn=target.arn)

    def _new_pool(self, configuration: FunctionConfiguration) -> WorkerPool:
        if not configuration.runtime.startswith("python3"):
            raise ValueError(
                f"function {configuration.name} uses runtime {configuration.runtime!r}; the local data plane "
                f"runs Python functions with this machine's Python {sys.version_info.major}."
                f"{sys.version_info.minor}"
            )
        spec = FunctionRuntimeSpec(
            function_name=configuration.name,
            function_version=configuration.version,
            invoked_function_arn=configuration.invoked_arn,
            handler=configuration.handler,
            runtime=configuration.runtime,
            timeout_seconds=min(float(configuration.timeout_seconds), API_GATEWAY_INTEGRATION_LIMIT_SECONDS),
            memory_mb=configuration.memory_mb,
            task_root=self._artifacts.task_root(configuration),
            runtime_paths=(self._runtime_dir,),
            environment=configuration.environment,
        )
        sink = self._log_sink_for_group(spec.log_group_name)
        return WorkerPool(spec, self._worker_environment, sink, self._pool_size(configuration.name))

    def _pool_size(self, function_name: str) -> int:
        """At most as many environments as the function's reserved concurrency allows (Lambda's cap too)."""
        reserved = self._lambda.get_function_concurrency(FunctionName=function_name).get(
            "ReservedConcurrentExecutions"
        )
        return max(1, min(self._max_workers, reserved)) if reserved is not None else self._max_workers

    def _swap(self, deployment: ServedApi | None) -> None:
        previous, self._deployment = self._deployment, deployment
        kept = {
            id(pool)
            for binding in (deployment.functions.values() if deployment else ())
            for pool in binding.pools()
        }
        for binding in previous.functions.values() if previous else ():
            for pool in binding.pools():
                if id(pool) not in kept:
                    pool.close()

    def _report(self, message: str) -> None:
        if message != self._last_reported:
            print(f"local cloud: {message}", file=sys.stderr)
            self._last_reported = message
