"""`python -m ci rollback --env E [--to VERSION] [--confirm E]`: point alias `live` back, record the event.

Without ``--to``: a canary in progress is ended (100 % to the version the alias points at); otherwise the
alias goes back to the version it served before the current one (the deploy stage notes it in the alias's
description; run twice, a rollback undoes itself), or, without that note, the newest older version.
Protected environments (prod) refuse without ``--confirm <env>``. Env local talks to the running
`python -m ci local up` (or to AWS_ENDPOINT_URL when set); other envs use the caller's AWS credentials
(the lambda-deploy role in CI).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from ci.common import contract
from ci.common.local_cloud_discovery import find_running
from ci.local.emulator import FAKE_AWS_ENV
from ci.steps import deployment_event
from ci.steps.traffic_shift import route, served_before

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient


class RollbackRefused(Exception):
    """The rollback cannot be done as asked (nothing to go back to, an unknown version)."""


@dataclass(frozen=True)
class Rollback:
    function_name: str
    alias: str
    version: str
    previous_version: str
    ended_canary: str | None


def published_versions(lambda_client: LambdaClient, function: str) -> list[int]:
    versions: list[int] = []
    for page in lambda_client.get_paginator("list_versions_by_function").paginate(FunctionName=function):
        versions += [int(item["Version"]) for item in page["Versions"] if item["Version"].isdigit()]
    return sorted(versions)


def roll_back(lambda_client: LambdaClient, function: str, alias: str, to: str | None) -> Rollback:
    current = lambda_client.get_alias(FunctionName=function, Name=alias)
    serving = current["FunctionVersion"]
    weights = (current.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    canary = next(iter(weights), None)
    published = {str(version) for version in published_versions(lambda_client, function)}
    if to is not None:
        if str(to) not in published:
            raise RollbackRefused(f"{function} has no published version {to}")
        target = str(to)
    elif canary is not None:
        target = serving  # end the canary: everything back on the version the alias points at
    else:
        target = _previous(function, alias, serving, current.get("Description"), published)
    route(lambda_client, function, alias, target, {}, served_before=serving if target != serving else None)
    return Rollback(function, alias, target, serving, canary)


def _previous(function: str, alias: str, serving: str, description: str | None, published: set[str]) -> str:
    """The version served before this one (noted on the alias by the deploy stage), else the newest older."""
    noted = served_before(description)
    if noted is not None and noted in published and noted != serving:
        return noted
    older = sorted(int(v) for v in published if serving.isdigit() and int(v) < int(serving))
    if not older:
        raise RollbackRefused(f"{function}:{alias} serves version {serving}; there is no older version")
    print(f"note: the alias does not say which version it served before; using the newest older, {older[-1]}")
    return str(older[-1])


def _connect(env: str) -> None:
    """Env local: aim boto3 at the running local cloud (with its fake credentials)."""
    if env != "local" or os.environ.get("AWS_ENDPOINT_URL"):
        return
    running = find_running()
    if running is None:
        raise RollbackRefused("no local cloud is running: start one with `python -m ci local up`")
    os.environ["AWS_ENDPOINT_URL"] = running.endpoint_url
    for name, value in FAKE_AWS_ENV.items():
        os.environ.setdefault(name, value)


def _record(env: str, result: Rollback, started: float) -> None:
    event = {
        "env": env,
        "stage": "rollback",
        "commit": deployment_event.commit(os.environ),
        "actor": deployment_event.actor(os.environ),
        "principal": deployment_event.caller_arn(),
        "run_id": os.environ.get("GITHUB_RUN_ID"),
        "versions": {"version": result.version, "previous_version": result.previous_version},
        "result": "success",
        "exit_code": 0,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(started)),
        "duration_seconds": round(time.time() - started, 1),
    }
    log_group = contract.name("deployment_log_group", env)
    try:
        stream = deployment_event.write_event(event, log_group)
    except (BotoCoreError, ClientError) as error:
        print(f"note: deployment event not recorded in {log_group}: {error}")
    else:
        print(f"deployment event recorded in {log_group} ({stream})")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ci rollback", description=__doc__.split("\n")[0])
    parser.add_argument("--env", required=True, choices=contract.environments())
    parser.add_argument(
        "--to", metavar="VERSION", help="the published version to serve (default: the previous)"
    )
    parser.add_argument(
        "--confirm", metavar="ENV", help="required for protected environments: the env's name"
    )
    args = parser.parse_args(argv)
    if args.env in contract.protected_environments() and args.confirm != args.env:
        print(
            f"error: {args.env} is protected: repeat its name to roll it back (--confirm {args.env})",
            file=sys.stderr,
        )
        return 2
    started = time.time()
    function, alias = contract.name("api_function", args.env), contract.function_alias()
    try:
        _connect(args.env)
        result = roll_back(boto3.client("lambda"), function, alias, args.to)
    except RollbackRefused as refused:
        print(f"error: {refused}", file=sys.stderr)
        return 1
    except NoCredentialsError:
        print(
            f"error: no AWS credentials for env {args.env} (configure a profile or assume a role)",
            file=sys.stderr,
        )
        return 1
    except NoRegionError:
        print(
            f"error: no AWS region for env {args.env}: set AWS_DEFAULT_REGION ({contract.default_region()}?)",
            file=sys.stderr,
        )
        return 1
    except (BotoCoreError, ClientError) as error:
        print(f"error: rollback of {function}:{alias} failed: {error}", file=sys.stderr)
        return 1
    ended = f", canary of version {result.ended_canary} ended" if result.ended_canary else ""
    print(
        f"rolled back: {function}:{alias} -> version {result.version} (was {result.previous_version}{ended})"
    )
    _record(args.env, result, started)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
