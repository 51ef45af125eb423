"""The rehearsal's phases: the path to a real AWS account, run in order against an IAM-enforcing emulator.

1. bootstrap, applied by an administrator (the OIDC provider and the three roles);
2. global, by the administrator too (state bucket, lock table): the infrastructure role, exchanged from a
   GitHub-shaped token, is shown to be refused the state bucket it must not own;
3. the environment on the S3 backend: init + plan as plan-readonly, apply as infrastructure, deploy as
   lambda-deploy, each role shown to be refused what it must not do; smoke tests through the local data
   plane; the ops tools;
4. the state object (versioned, encrypted) and the lock (a held lock stops a second plan);
5. destroy check, destroy, nothing left, apply again, and a last plan with no changes.

A phase that fails raises ``RehearsalFailedError`` naming the command and the actions IAM denied.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import boto3
from botocore.exceptions import ClientError

from ci.common import contract
from ci.common.paths import REPO_ROOT
from ci.common.stack_outputs import stack_outputs
from ci.common.terraform_cli import terraform_env
from ci.local.data_plane import DataPlaneSettings, LocalDataPlane, find_openapi_document
from ci.local.emulator import FAKE_AWS_ENV, MotoServer
from ci.rehearsal.emulator_server import IAM_LOG_ENV_VAR
from ci.rehearsal.oidc import Credentials, Workflow, exchange
from ci.rehearsal.policies import Decision, read_decisions
from ci.rehearsal.workspace import Workspace

API_HANDLER_MAX_BYTES = 5 * 1024 * 1024  # the package stage's budget (ci/stages.py)
# moto serves this many requests before it enforces IAM: exactly the three that create the administrator.
UNAUTHENTICATED_REQUESTS = 3
ADMINISTRATOR = "rehearsal-administrator"
GITHUB_REPOSITORY = "example-org/items-service"
# moto's bucket policies deny everything when a condition (aws:SecureTransport) is present: see policies.py.
EMULATOR_VARS = ("-var=s3_tls_only_policy_enabled=false",)
LOCK_WAIT_SECONDS = 3


class RehearsalFailedError(RuntimeError):
    """A phase did not do what the real deployment must do."""


@dataclass
class PhaseResult:
    number: int
    title: str
    seconds: float = 0.0
    figures: list[str] = field(default_factory=list)
    passed: bool = False
    error: str | None = None


@dataclass(frozen=True)
class Refusal:
    """A request a role was expected to be refused, and whether it was."""

    role: str
    what: str
    refused: bool
    error_code: str


@dataclass
class RehearsalState:
    """What the phases learn and hand to each other (and to the report)."""

    env: str
    workspace: Workspace
    endpoint: str
    decisions_path: Path
    region: str = contract.default_region()
    administrator: Credentials | None = None
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    credentials: dict[str, Credentials] = field(default_factory=dict)
    global_outputs: dict[str, Any] = field(default_factory=dict)
    env_outputs_path: Path | None = None
    refusals: list[Refusal] = field(default_factory=list)
    # Line ranges of the decision log that belong to the refusal probes (their denials are the point).
    probe_ranges: list[tuple[int, int]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)  # ARNs in the env's state after its first apply
    deployment_events: list[dict[str, Any]] = field(default_factory=list)

    def decisions(self) -> list[Decision]:
        return read_decisions(self.decisions_path)

    def unexpected_denials(self, since: int = 0) -> list[Decision]:
        decisions = self.decisions()
        return [
            decision
            for index, decision in enumerate(decisions)
            if index >= since
            and not decision.allowed
            and not any(start <= index < end for start, end in self.probe_ranges)
        ]


def start_emulator(work: Path) -> MotoServer:
    decisions = work / "logs" / "iam-decisions.jsonl"
    server = MotoServer(
        log_path=work / "logs" / "moto-server.log",
        module="ci.rehearsal.emulator_server",
        extra_env={
            "INITIAL_NO_AUTH_ACTION_COUNT": str(UNAUTHENTICATED_REQUESTS),
            IAM_LOG_ENV_VAR: str(decisions),
            # global attaches AmazonAPIGatewayPushToCloudWatchLogs, an AWS managed policy.
            "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
        },
    )
    server.start()
    return server


class Rehearsal:
    def __init__(self, state: RehearsalState, out: TextIO) -> None:
        self.state = state
        self.out = out
        self.results: list[PhaseResult] = []
        self._step = 0

    # --- plumbing --------------------------------------------------------------------------------------

    def _say(self, line: str) -> None:
        print(line, file=self.out, flush=True)

    def _session(self, credentials: Credentials) -> boto3.session.Session:
        return boto3.session.Session(
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
            region_name=self.state.region,
        )

    def _client(self, service: str, credentials: Credentials) -> Any:
        return self._session(credentials).client(service, endpoint_url=self.state.endpoint)  # type: ignore[call-overload]

    def _env(self, credentials: Credentials) -> dict[str, str]:
        # The caller's own AWS settings (profile, keys) must never leak into a rehearsal command.
        env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
        python_path = os.pathsep.join(filter(None, (str(REPO_ROOT), os.environ.get("PYTHONPATH"))))
        env.update(
            credentials.as_env(),
            AWS_ENDPOINT_URL=self.state.endpoint,
            AWS_REGION=self.state.region,
            AWS_DEFAULT_REGION=self.state.region,
            AWS_EC2_METADATA_DISABLED="true",
            PYTHONPATH=python_path,
            # The project's tools (uv for packaging) live beside this interpreter.
            PATH=os.pathsep.join((str(Path(sys.executable).parent), os.environ.get("PATH", ""))),
        )
        return env

    def _decision_count(self) -> int:
        return len(self.state.decisions())

    def run_command(self, argv: Sequence[str], credentials: Credentials, label: str) -> str:
        """Run one command of the path (terraform or a project tool) with a role's credentials."""
        self._step += 1
        log = self.state.workspace.logs / f"{self._step:02d}-{label}.log"
        mark = self._decision_count()
        # Its own CLI config and plugin cache: rehearsals running at once (make test runs three) must not
        # share one, since an init can replace a cached provider under another run's apply.
        env = terraform_env(self._env(credentials), build_dir=self.state.workspace.root / "terraform")
        completed = subprocess.run(  # noqa: S603 - our own commands
            list(argv), env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=False
        )
        log.write_text(f"$ {' '.join(argv)}\n{completed.stdout}\n{completed.stderr}")
        if completed.returncode != 0:
            raise RehearsalFailedError(self._failure(argv, completed, log, mark))
        return completed.stdout

    def _failure(self, argv: Sequence[str], completed: Any, log: Path, mark: int) -> str:
        denied = sorted({f"{_role_label(d)}: {d.action}" for d in self.state.unexpected_denials(mark)})
        command = list(argv[argv.index("--") + 1 :]) if "--" in argv else list(argv)
        shown = " ".join(a for a in command[:3] if not a.startswith("-chdir")) if command else "?"
        reason = f"denied {', '.join(denied)}" if denied else _last_error(completed.stdout + completed.stderr)
        return f"`{shown}` exited {completed.returncode}: {reason} (log: {log})"

    def terraform(self, root: Path, args: Sequence[str], credentials: Credentials, label: str) -> str:
        return self.run_command(("terraform", f"-chdir={root}", *args), credentials, label)

    def python_tool(self, module: str, args: Sequence[str], credentials: Credentials, label: str) -> str:
        return self.run_command((sys.executable, "-m", module, *args), credentials, label)

    @contextmanager
    def probe(self) -> Iterator[None]:
        """Mark the decisions of a refusal probe, so that its (wanted) denials are not counted."""
        start = self._decision_count()
        try:
            yield
        finally:
            self.state.probe_ranges.append((start, self._decision_count()))

    def expect_refusal(self, role: str, what: str, call: Callable[[], Any]) -> str:
        with self.probe():
            try:
                call()
            except ClientError as error:
                code = str(error.response.get("Error", {}).get("Code", "?"))
                status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
                refusal = Refusal(role, what, status == 403 or "AccessDenied" in code, code)
            else:
                refusal = Refusal(role, what, False, "allowed")
        self.state.refusals.append(refusal)
        if not refusal.refused:
            raise RehearsalFailedError(
                f"{role} may {what} (got {refusal.error_code}); the policy is too wide"
            )
        return f"{role} refused {what} ({refusal.error_code})"

    def phase(self, number: int, title: str, body: Callable[[PhaseResult], None]) -> None:
        result = PhaseResult(number, title)
        self.results.append(result)
        self._say(f"phase {number}: {title}")
        started = time.monotonic()
        try:
            body(result)
        except RehearsalFailedError as error:
            result.error = str(error)
            raise
        finally:
            result.seconds = time.monotonic() - started
        denied = self.state.unexpected_denials()
        if denied:
            result.error = "denied " + ", ".join(sorted({f"{_role_label(d)}: {d.action}" for d in denied}))
            raise RehearsalFailedError(result.error)
        result.passed = True
        for figure in result.figures:
            self._say(f"  {figure}")
        self._say(f"  passed in {result.seconds:.1f} s")

    # --- the phases ------------------------------------------------------------------------------------

    def create_administrator(self) -> Credentials:
        """The emulator's first (unauthenticated) requests: an administrator user with an access key."""
        fake = Credentials(FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"], FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"])
        iam = self._client("iam", fake)
        iam.create_user(UserName=ADMINISTRATOR)
        iam.put_user_policy(
            UserName=ADMINISTRATOR,
            PolicyName="AdministratorAccess",
            PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
            ),
        )
        key = iam.create_access_key(UserName=ADMINISTRATOR)["AccessKey"]
        self.state.administrator = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
        return self.state.administrator

    @property
    def admin(self) -> Credentials:
        if self.state.administrator is None:
            raise RehearsalFailedError("the administrator was not created")
        return self.state.administrator

    def bootstrap(self, result: PhaseResult) -> None:
        root = self.state.workspace.bootstrap
        owner, repository = GITHUB_REPOSITORY.split("/")
        self.terraform(root, ("init", "-input=false", "-no-color"), self.admin, "bootstrap-init")
        self.terraform(
            root,
            (
                "apply",
                "-input=false",
                "-no-color",
                "-auto-approve",
                f"-var=github_owner={owner}",
                f"-var=github_repository={repository}",
            ),
            self.admin,
            "bootstrap-apply",
        )
        iam = self._client("iam", self.admin)
        prefix = contract.name("github_role_prefix")
        for role in ("infrastructure", "plan-readonly", "lambda-deploy"):
            self.state.roles[role] = iam.get_role(RoleName=f"{prefix}{role}")["Role"]
        result.figures.append(f"OIDC provider and {len(self.state.roles)} roles for {GITHUB_REPOSITORY}")

    def assume(self, role: str, workflow: Workflow) -> Credentials:
        credentials = exchange(self._client("sts", self.admin), self.state.roles[role], workflow)
        self.state.credentials[role] = credentials
        return credentials

    def global_stack(self, result: PhaseResult) -> None:
        root = self.state.workspace.global_root
        self.terraform(root, ("init", "-input=false", "-no-color"), self.admin, "global-init")
        self.terraform(
            root,
            ("apply", "-input=false", "-no-color", "-auto-approve", *EMULATOR_VARS),
            self.admin,
            "global-apply",
        )
        outputs = json.loads(self.terraform(root, ("output", "-json"), self.admin, "global-outputs"))
        self.state.global_outputs = stack_outputs(outputs)
        infrastructure = self.assume(
            "infrastructure", Workflow(GITHUB_REPOSITORY, environment=self.state.env)
        )
        s3 = self._client("s3", infrastructure)
        result.figures.append(
            f"state bucket {self.state.global_outputs['state_bucket']}, lock table "
            f"{self.state.global_outputs['lock_table']}"
        )
        result.figures.append(
            self.expect_refusal(
                "infrastructure",
                "to delete the state bucket",
                lambda: s3.delete_bucket(Bucket=self.state.global_outputs["state_bucket"]),
            )
        )

    def _backend_config(self) -> Path:
        """The partial backend configuration: the bucket from global, and the emulator's endpoints."""
        path = self.state.workspace.root / "emulator.s3.tfbackend"
        endpoint = self.state.endpoint
        path.write_text(
            f'bucket = "{self.state.global_outputs["state_bucket"]}"\n'
            "endpoints = { "
            + ", ".join(f'{service} = "{endpoint}"' for service in ("s3", "dynamodb", "iam", "sts"))
            + " }\n"
            "use_path_style = true\n"
        )
        return path

    def _plan(self, credentials: Credentials, label: str, *extra: str) -> str:
        return self.terraform(
            self.state.workspace.env_root(self.state.env),
            ("plan", "-input=false", "-no-color", *EMULATOR_VARS, *extra),
            credentials,
            label,
        )

    def _apply_env(self, label: str) -> None:
        root = self.state.workspace.env_root(self.state.env)
        plan_file = self.state.workspace.root / f"{label}.tfplan"
        self._plan(self.credentials("plan-readonly"), f"{label}-plan", f"-out={plan_file}")
        self.run_command(
            (
                *self._recorded("apply"),
                "terraform", f"-chdir={root}", "apply", "-input=false", "-no-color", "-auto-approve",
                str(plan_file),
            ),
            self.credentials("infrastructure"),
            f"{label}-apply",
        )  # fmt: skip

    def _recorded(self, stage: str, *extra: str) -> tuple[str, ...]:
        """The pipeline's own wrapper: run the command, then write its deployment event."""
        return (
            sys.executable, "-m", "ci.steps.deployment_event", "--env", self.state.env, "--stage", stage,
            *extra, "--",
        )  # fmt: skip

    def credentials(self, role: str) -> Credentials:
        return self.state.credentials[role]

    def environment(self, result: PhaseResult) -> None:
        env, workspace = self.state.env, self.state.workspace
        root = workspace.env_root(env)
        target = contract.runtime_target(env)
        artifact = workspace.dist / "api_handler.zip"
        self.python_tool(
            "ci.steps.package",
            (
                "--function", "api_handler", "--group", "api-handler",
                "--python-version", target.python_version, "--python-platform", target.platform,
                "--output", str(artifact), "--max-bytes", str(API_HANDLER_MAX_BYTES),
                "--work-dir", str(workspace.root / "build" / "package"),
            ),
            self.admin,
            "package",
        )  # fmt: skip
        plan_role = self.assume("plan-readonly", Workflow(GITHUB_REPOSITORY, event_name="pull_request"))
        self.assume("lambda-deploy", Workflow(GITHUB_REPOSITORY, environment=env))
        self.terraform(
            root,
            ("init", "-input=false", "-no-color", f"-backend-config={self._backend_config()}"),
            plan_role,
            "env-init",
        )
        self._apply_env("env")
        result.figures.append(
            f"init on the S3 backend, plan as plan-readonly, apply as infrastructure ({env})"
        )
        state_bucket = self.state.global_outputs["state_bucket"]
        state_key = contract.name("state_key", env)
        plan_s3 = self._client("s3", plan_role)
        result.figures.append(
            self.expect_refusal(
                "plan-readonly",
                "to write the state",
                lambda: plan_s3.put_object(Bucket=state_bucket, Key=state_key, Body=b"{}"),
            )
        )
        plan_dynamodb = self._client("dynamodb", plan_role)
        result.figures.append(
            self.expect_refusal(
                "plan-readonly",
                "to delete the items table",
                lambda: plan_dynamodb.delete_table(TableName=contract.name("items_table", env)),
            )
        )
        outputs_path = workspace.root / f"outputs-{env}.json"
        outputs_path.write_text(
            self.terraform(root, ("output", "-json"), self.credentials("infrastructure"), "env-outputs")
        )
        self.state.env_outputs_path = outputs_path
        self.state.created = _state_arns(
            self.terraform(root, ("show", "-json"), self.credentials("plan-readonly"), "env-state")
        )
        self._deploy(result, artifact)
        self._smoke_and_ops(result)

    def _deploy(self, result: PhaseResult, artifact: Path) -> None:
        env, deployer = self.state.env, self.credentials("lambda-deploy")
        record = self.state.workspace.root / f"deploy-{env}.json"
        outputs = str(self.state.env_outputs_path)
        self.run_command(
            (
                *self._recorded("deploy", "--record", str(record)),
                sys.executable, "-m", "ci.steps.deploy",
                "--env", env, "--outputs", outputs, "--artifact", str(artifact), "--record", str(record),
            ),
            deployer,
            "deploy",
        )  # fmt: skip
        version = json.loads(record.read_text())["version"]
        result.figures.append(f"deployed version {version} as lambda-deploy (alias live)")
        # `ci rollback` as lambda-deploy, twice: back to the version Terraform published, then undone, so
        # the smoke suite runs against the deployed version again.
        for _ in range(2):
            self.run_command((sys.executable, "-m", "ci", "rollback", "--env", env), deployer, "rollback")
        serving = self._client("lambda", deployer).get_alias(
            FunctionName=contract.name("api_function", env), Name=contract.function_alias()
        )["FunctionVersion"]
        if serving != version:
            raise RehearsalFailedError(f"two rollbacks left live on version {serving}, expected {version}")
        result.figures.append(f"ci rollback as lambda-deploy: live -> previous -> {version} again")
        result.figures.append(self._deployment_events())
        iam, s3 = self._client("iam", deployer), self._client("s3", deployer)
        probe_role = f"{contract.name('env_prefix', env)}-rehearsal-probe"
        result.figures.append(
            self.expect_refusal(
                "lambda-deploy",
                "to create an IAM role",
                lambda: iam.create_role(RoleName=probe_role, AssumeRolePolicyDocument="{}"),
            )
        )
        result.figures.append(
            self.expect_refusal(
                "lambda-deploy",
                "to read the state",
                lambda: s3.get_object(
                    Bucket=self.state.global_outputs["state_bucket"], Key=contract.name("state_key", env)
                ),
            )
        )

    def _deployment_events(self) -> str:
        group = contract.name("deployment_log_group", self.state.env)
        logs = self._client("logs", self.admin)
        events = [json.loads(e["message"]) for e in logs.filter_log_events(logGroupName=group)["events"]]
        recorded = [(e["stage"], e["result"]) for e in events]
        expected = [("apply", "success"), ("deploy", "success"), ("rollback", "success")]
        if any(event not in recorded for event in expected):
            raise RehearsalFailedError(f"deployment events in {group}: {recorded}, expected {expected}")
        self.state.deployment_events = events
        return f"deployment events in {group}: " + ", ".join(
            f"{stage} {result}" for stage, result in recorded
        )

    def _smoke_and_ops(self, result: PhaseResult) -> None:
        env, outputs = self.state.env, str(self.state.env_outputs_path)
        with self.data_plane() as api_url:
            junit = self.state.workspace.root / "smoke-junit.xml"
            self._smoke(api_url, outputs, junit)
            result.figures.append(f"smoke tests passed against {api_url}")
        reader = self.credentials("plan-readonly")
        for tool in ("validate_infrastructure", "cost_analysis"):
            self.python_tool(f"infrastructure.ops.{tool}", ("--env", env, "--outputs", outputs), reader, tool)
        state_file = self.state.workspace.root / f"state-{env}.json"
        state_file.write_text(
            self.terraform(self.state.workspace.env_root(env), ("state", "pull"), reader, "state-pull")
        )
        orphans = json.loads(
            self.python_tool(
                "infrastructure.ops.detect_orphaned_resources",
                ("--env", env, "--outputs", outputs, "--state-file", str(state_file), "--json"),
                reader,
                "orphans",
            )
        )
        if orphans["orphans"] or orphans["missing"]:
            raise RehearsalFailedError(f"detect_orphaned_resources found {orphans}")
        result.figures.append("ops tools as plan-readonly: validate, cost, orphans (none)")

    def _smoke(self, api_url: str, outputs: str, junit: Path) -> None:
        self._step += 1
        log = self.state.workspace.logs / f"{self._step:02d}-smoke.log"
        env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
        env["API_URL"] = api_url
        completed = subprocess.run(  # noqa: S603 - our own command
            [sys.executable, "-m", "ci.steps.smoke", "--outputs", outputs, "--junitxml", str(junit)],
            env=env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        log.write_text(completed.stdout + completed.stderr)
        if completed.returncode != 0:
            raise RehearsalFailedError(
                f"smoke tests failed against {api_url}: {_last_error(completed.stdout)} (log: {log})"
            )

    @contextmanager
    def data_plane(self) -> Iterator[str]:
        env = self.state.env
        account = self._client("sts", self.admin).get_caller_identity()["Account"]
        plane = LocalDataPlane(
            DataPlaneSettings(
                emulator_endpoint=self.state.endpoint,
                cache_dir=self.state.workspace.root / "data-plane",
                env_name=env,
                openapi_document=find_openapi_document(REPO_ROOT),
                bucket_hints=(contract.name("artifacts_bucket", env, account_id=account),),
                aws_credentials={**self.admin.as_env(), "AWS_REGION": self.state.region},
            )
        )
        url = plane.start()
        try:
            yield url
        finally:
            plane.stop()

    def state_and_lock(self, result: PhaseResult) -> None:
        env = self.state.env
        bucket, key = self.state.global_outputs["state_bucket"], contract.name("state_key", env)
        s3 = self._client("s3", self.admin)
        versions = s3.list_object_versions(Bucket=bucket, Prefix=key).get("Versions", [])
        head = s3.head_object(Bucket=bucket, Key=key)
        encryption = head.get("ServerSideEncryption")
        if not versions or not encryption:
            raise RehearsalFailedError(
                f"state s3://{bucket}/{key}: {len(versions)} version(s), encryption {encryption!r}"
            )
        status = s3.get_bucket_versioning(Bucket=bucket).get("Status")
        result.figures.append(
            f"state s3://{bucket}/{key}: {len(versions)} version(s), {encryption}, versioning {status}"
        )
        lock_table = self.state.global_outputs["lock_table"]
        dynamodb = self._client("dynamodb", self.admin)
        lock_id = f"{bucket}/{key}"
        held = {
            "ID": "rehearsal",
            "Operation": "OperationTypeApply",
            "Who": "rehearsal@ci",
            "Version": "1.11.4",
        }
        dynamodb.put_item(
            TableName=lock_table, Item={"LockID": {"S": lock_id}, "Info": {"S": json.dumps(held)}}
        )
        started = time.monotonic()
        try:
            self._plan(
                self.credentials("plan-readonly"), "plan-while-locked", f"-lock-timeout={LOCK_WAIT_SECONDS}s"
            )
        except RehearsalFailedError as error:
            if "state lock" not in _log_text(self.state.workspace.logs, "plan-while-locked"):
                raise RehearsalFailedError(
                    f"a plan under a held lock failed for another reason: {error}"
                ) from None
        else:
            raise RehearsalFailedError("a plan ran while the state lock was held")
        finally:
            dynamodb.delete_item(TableName=lock_table, Key={"LockID": {"S": lock_id}})
        waited = time.monotonic() - started
        result.figures.append(f"a second plan waited {waited:.1f} s on the held lock, then was refused")

    def destroy_and_redeploy(self, result: PhaseResult) -> None:
        env, outputs = self.state.env, str(self.state.env_outputs_path)
        reader, infrastructure = self.credentials("plan-readonly"), self.credentials("infrastructure")
        self.python_tool(
            "infrastructure.ops.destroy_validation",
            ("check", "--env", env, "--outputs", outputs),
            reader,
            "destroy-check",
        )
        root = self.state.workspace.env_root(env)
        self.terraform(
            root,
            ("destroy", "-input=false", "-no-color", "-auto-approve", *EMULATOR_VARS),
            infrastructure,
            "destroy",
        )
        self.python_tool(
            "infrastructure.ops.destroy_validation",
            ("verify", "--env", env, "--outputs", outputs),
            reader,
            "destroy-verify",
        )
        result.figures.append(f"destroy check passed, destroyed, nothing of {env} left")
        self._apply_env("reapply")
        try:
            self._plan(reader, "final-plan", "-detailed-exitcode")
        except RehearsalFailedError as error:
            raise RehearsalFailedError(f"the plan after re-applying is not empty: {error}") from None
        result.figures.append("applied again; the next plan shows no changes")


def _role_label(decision: Decision) -> str:
    """``infrastructure`` for items-service-github-infrastructure; ``administrator`` for the user."""
    if decision.role is None:
        return "administrator"
    return decision.role.removeprefix(contract.name("github_role_prefix"))


def _state_arns(show_json: str) -> list[str]:
    state = json.loads(show_json)
    arns: list[str] = []

    def walk(module: Mapping[str, Any]) -> None:
        for resource in module.get("resources", []):
            arn = resource.get("values", {}).get("arn")
            if resource.get("mode") == "managed" and isinstance(arn, str) and arn:
                arns.append(arn)
        for child in module.get("child_modules", []):
            walk(child)

    walk(state.get("values", {}).get("root_module", {}))
    return sorted(set(arns))


# Enough of a Terraform error to tell a refused call from a held lock or an emulator fault.
ERROR_DETAIL_LINES = 12


def _last_error(output: str) -> str:
    """Why a command failed, in one line: Terraform's last ``Error:`` with the lines that explain it (the
    SDK's status code and exception, a held lock's ID and time), else the last line that reports an error,
    else the last line. Boxed (``│``) and ``-no-color`` output alike."""
    lines = [line.strip().removeprefix("│").strip() for line in output.splitlines()]
    lines = [line for line in lines if line and line not in ("╷", "╵")]
    titles = [index for index, line in enumerate(lines) if line.startswith("Error:")]
    if titles:
        return " ".join(" ".join(lines[titles[-1] : titles[-1] + ERROR_DETAIL_LINES]).split())[:700]
    errors = [line for line in lines if line.startswith(("Error", "error", "FAILED"))]
    return (errors or lines or ["no output"])[-1][:300]


def _log_text(logs: Path, label: str) -> str:
    return "\n".join(path.read_text() for path in sorted(logs.glob(f"*-{label}.log")))
