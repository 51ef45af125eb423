"""What the ops tools share: the naming contract, the AWS session and an inventory of the resources.

The tools run against real AWS or the local cloud alike: the endpoint comes from ``--endpoint-url`` or the
standard ``AWS_ENDPOINT_URL`` (boto3 reads it too), so nothing here knows which one it talks to. For
``--env local`` without either, the running `python -m ci local up` is found through its discovery file;
with none running the tool refuses, because falling through to real AWS is never what `local` means.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import boto3
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

from ci.common import contract
from ci.common.local_cloud_discovery import find_running
from ci.common.paths import REPO_ROOT
from ci.common.stack_outputs import read_stack_outputs
from ci.local.emulator import FAKE_AWS_ENV

ENVIRONMENTS = contract.environments()
DEFAULT_REGION = contract.default_region()
LOCAL_ENV = "local"


class ToolError(Exception):
    """A problem the operator can fix (a missing file, no local cloud): one line, exit ``code``."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ServiceNames:
    """Names every environment uses (team contract), plus the outputs a real apply reported."""

    env: str
    account_id: str
    outputs: dict[str, Any]

    @property
    def prefix(self) -> str:
        return contract.name("env_prefix", self.env)

    def output(self, name: str, default: str) -> str:
        value = self.outputs.get(name, default)
        return str(value)

    @property
    def items_table(self) -> str:
        return self.output("items_table_name", contract.name("items_table", self.env))

    @property
    def idempotency_table(self) -> str:
        return self.output("idempotency_table_name", contract.name("idempotency_table", self.env))

    @property
    def function(self) -> str:
        return self.output("function_name", contract.name("api_function", self.env))

    @property
    def alias(self) -> str:
        return self.output("function_alias_name", contract.function_alias())

    @property
    def api_name(self) -> str:
        return contract.name("rest_api", self.env)

    @property
    def stage(self) -> str:
        return self.output("stage_name", self.env)

    @property
    def lambda_log_group(self) -> str:
        return self.output("lambda_log_group_name", f"/aws/lambda/{self.prefix}-api")

    @property
    def access_log_group(self) -> str:
        return f"/aws/apigateway/{self.prefix}-api"

    @property
    def artifact_bucket(self) -> str:
        return self.output(
            "artifact_bucket", contract.name("artifacts_bucket", self.env, account_id=self.account_id)
        )

    @property
    def alarm_topic(self) -> str:
        return f"{self.prefix}-alarms"


def script_parser(doc: str, epilog: str | None = None) -> argparse.ArgumentParser:
    """An ops tool's parser from its module docstring (first paragraph = description, "Examples:" part =
    epilog unless given), with the arguments every tool shares."""
    parser = argparse.ArgumentParser(
        description=doc.split("\n\n")[0],
        epilog=epilog if epilog is not None else "Examples:" + doc.split("Examples:")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common_arguments(parser)
    return parser


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", required=True, choices=ENVIRONMENTS, help="environment to inspect")
    parser.add_argument(
        "--region",
        default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
        help="AWS region (default: $AWS_REGION or us-east-1)",
    )
    parser.add_argument(
        "--endpoint-url",
        default=os.environ.get("AWS_ENDPOINT_URL"),
        help="AWS endpoint, e.g. the local cloud's moto server (default: $AWS_ENDPOINT_URL, else AWS)",
    )
    parser.add_argument(
        "--outputs",
        type=Path,
        help="terraform outputs JSON (default: build/terraform/<env>/outputs.json when present)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


@dataclass(frozen=True)
class Aws:
    """boto3 clients bound to one region and (optionally) one endpoint."""

    session: boto3.session.Session
    endpoint_url: str | None

    def client(self, service: str) -> Any:
        # Typed as Any on purpose: the tools call many services by name, and boto3-stubs types clients only
        # for a literal service name.
        make_client: Any = self.session.client
        return make_client(service, endpoint_url=self.endpoint_url)

    def account_id(self) -> str:
        return str(self.client("sts").get_caller_identity()["Account"])


def local_endpoint(args: argparse.Namespace) -> str:
    """The endpoint of env local: the one given, else the running `ci local up`; never real AWS."""
    if args.endpoint_url:
        return str(args.endpoint_url)
    running = find_running()
    if running is None:
        raise ToolError(
            "--env local needs the local cloud: start `python -m ci local up`, or pass --endpoint-url URL",
            code=1,
        )
    return running.endpoint_url


def connect(args: argparse.Namespace) -> Aws:
    """The AWS session for the parsed arguments, after the checks every tool shares."""
    if args.outputs is not None and not args.outputs.is_file():  # every tool, whether it reads it or not
        raise ToolError(f"--outputs {args.outputs}: no such file")
    if args.env != LOCAL_ENV:
        return Aws(boto3.session.Session(region_name=args.region), args.endpoint_url)
    args.endpoint_url = local_endpoint(args)
    # The local emulator takes any key: without one in the environment, use the pipeline's fake ones, so
    # a machine with no AWS setup can still inspect its local cloud.
    key = os.environ.get("AWS_ACCESS_KEY_ID") or FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"]
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY") or FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"]
    session = boto3.session.Session(
        region_name=args.region, aws_access_key_id=key, aws_secret_access_key=secret
    )
    return Aws(session, args.endpoint_url)


def load_outputs(env: str, path: Path | None) -> dict[str, Any]:
    """Values of ``terraform output -json`` (either ``{name: {value: …}}`` or ``{name: value}``).

    The default file may be absent (nothing applied from this checkout); a file named with --outputs must
    exist and be JSON."""
    if path is not None and not path.is_file():
        raise ToolError(f"--outputs {path}: no such file")
    path = path or REPO_ROOT / "build" / "terraform" / env / "outputs.json"
    if not path.is_file():
        return {}
    try:
        return read_stack_outputs(path)
    except ValueError as error:
        raise ToolError(f"{path} is not terraform output JSON: {error}") from error


def service_names(args: argparse.Namespace, aws: Aws) -> ServiceNames:
    return ServiceNames(args.env, aws.account_id(), load_outputs(args.env, args.outputs))


# --- inventory: every resource carrying the environment's name prefix -------------------------------------


@dataclass(frozen=True, order=True)
class Resource:
    kind: str
    name: str


def _paginate(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def _tables(aws: Aws, prefix: str) -> Iterator[Resource]:
    for name in _paginate(aws.client("dynamodb"), "list_tables", "TableNames"):
        if name.startswith(prefix):
            yield Resource("dynamodb_table", name)


def _functions(aws: Aws, prefix: str) -> Iterator[Resource]:
    for function in _paginate(aws.client("lambda"), "list_functions", "Functions"):
        if function["FunctionName"].startswith(prefix):
            yield Resource("lambda_function", function["FunctionName"])


def _log_groups(aws: Aws, prefix: str) -> Iterator[Resource]:
    logs = aws.client("logs")
    for group_prefix in (f"/aws/lambda/{prefix}", f"/aws/apigateway/{prefix}"):
        for group in _paginate(logs, "describe_log_groups", "logGroups", logGroupNamePrefix=group_prefix):
            yield Resource("log_group", group["logGroupName"])


def _buckets(aws: Aws, prefix: str) -> Iterator[Resource]:
    for bucket in aws.client("s3").list_buckets().get("Buckets", []):
        if bucket["Name"].startswith(prefix):
            yield Resource("s3_bucket", bucket["Name"])


def _rest_apis(aws: Aws, prefix: str) -> Iterator[Resource]:
    for api in _paginate(aws.client("apigateway"), "get_rest_apis", "items"):
        if api["name"].startswith(prefix):
            yield Resource("rest_api", api["name"])


def _alarms(aws: Aws, prefix: str) -> Iterator[Resource]:
    cloudwatch = aws.client("cloudwatch")
    for alarm in _paginate(cloudwatch, "describe_alarms", "MetricAlarms", AlarmNamePrefix=prefix):
        yield Resource("metric_alarm", alarm["AlarmName"])


def _dashboards(aws: Aws, prefix: str) -> Iterator[Resource]:
    for dashboard in _paginate(
        aws.client("cloudwatch"), "list_dashboards", "DashboardEntries", DashboardNamePrefix=prefix
    ):
        yield Resource("dashboard", dashboard["DashboardName"])


def _topics(aws: Aws, prefix: str) -> Iterator[Resource]:
    for topic in _paginate(aws.client("sns"), "list_topics", "Topics"):
        name = topic["TopicArn"].rsplit(":", 1)[-1]
        if name.startswith(prefix):
            yield Resource("sns_topic", name)


def _roles(aws: Aws, prefix: str) -> Iterator[Resource]:
    for role in _paginate(aws.client("iam"), "list_roles", "Roles"):
        if role["RoleName"].startswith(prefix):
            yield Resource("iam_role", role["RoleName"])


def _key_aliases(aws: Aws, prefix: str) -> Iterator[Resource]:
    for alias in _paginate(aws.client("kms"), "list_aliases", "Aliases"):
        if alias["AliasName"].startswith(f"alias/{prefix}"):
            yield Resource("kms_alias", alias["AliasName"])


INVENTORY: tuple[Callable[[Aws, str], Iterator[Resource]], ...] = (
    _tables,
    _functions,
    _log_groups,
    _buckets,
    _rest_apis,
    _alarms,
    _dashboards,
    _topics,
    _roles,
    _key_aliases,
)


def inventory(aws: Aws, prefix: str) -> list[Resource]:
    """Every resource whose name starts with ``prefix`` (e.g. items-service-dev), sorted."""
    return sorted(resource for lister in INVENTORY for resource in lister(aws, prefix))


NO_CREDENTIALS = "no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)"


def run_tool(main: Callable[[], int]) -> NoReturn:
    """Exit with ``main()``'s code; an AWS problem (no credentials, an unreachable endpoint, a refused call)
    is one line on stderr and exit 1, never a traceback: it is the operator's setup, not a bug of the tool."""
    try:
        code = main()
    except ToolError as error:
        code = fail(str(error), error.code)
    except NoCredentialsError:
        code = fail(NO_CREDENTIALS, 1)
    except EndpointConnectionError as error:
        code = fail(f"cannot reach the AWS endpoint: {error}", 1)
    except (BotoCoreError, ClientError) as error:
        code = fail(f"AWS refused or failed the request: {error}", 1)
    sys.exit(code)


def fail(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code
