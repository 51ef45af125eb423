"""`python -m ci local up [--port N] [--seed] [--reload] [--auth]`: a whole local cloud in the foreground.

Starts the emulator and the data plane, deploys the project into it with the pipeline's own stages, and once
the API answers prints ``API_URL=``, ``DYNAMODB_ENDPOINT=`` and ``TABLE_NAME=`` lines on stdout (progress
goes to stderr) and publishes the same endpoints in build/local-cloud/running.json, where the pipeline and
the ops tools find it. SIGINT or SIGTERM stops everything it started and removes that file.

With ``--auth`` every /items method is guarded by the JWT authorizer (functions/authorizer) trusting the
local test key, and an ``API_TOKEN=`` line follows; ``python -m ci local token`` mints more tokens.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from ci.common.local_cloud_discovery import RunningCloud, announced
from ci.common.paths import REPO_ROOT
from ci.local import identity
from ci.local.cloud import LocalCloud, ephemeral_local_cloud
from ci.local.emulator import EmulatorError
from ci.local.pipeline_deploy import DeployError, deploy, redeploy_code

READY_TIMEOUT_SECONDS = 60.0
REFUSALS_BEFORE_FAILING = 5  # an authorizer's verdict on one token does not change: five refusals are final
RELOAD_POLL_SECONDS = 1.0
MAX_TOKEN_TTL_SECONDS = 86400


class _Stop(Exception):
    """SIGTERM, turned into an exception so every context manager gets to clean up."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ci local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start the local cloud, deploy into it, serve the API (foreground)")
    up.add_argument("--port", type=int, default=0, help="port of the API data plane (default: a free one)")
    up.add_argument(
        "--emulator-port", type=int, default=0, help="port of the moto server (default: a free one)"
    )
    up.add_argument("--seed", action="store_true", help="insert the deterministic development items")
    up.add_argument("--reload", action="store_true", help="repackage and redeploy when functions/ changes")
    up.add_argument(
        "--auth",
        action="store_true",
        help="guard the API with the JWT authorizer trusting the local test key; prints API_TOKEN=",
    )
    token = commands.add_parser("token", help="print a bearer token env local's authorizer accepts")
    token.add_argument(
        "--subject", default=identity.DEFAULT_SUBJECT, help="the caller (sub claim, createdBy)"
    )
    token.add_argument(
        "--ttl", type=int, default=identity.DEFAULT_TTL_SECONDS, help="seconds until it expires (1..86400)"
    )
    return parser


def wait_until_api_answers(
    cloud: LocalCloud, token: str | None = None, timeout: float = READY_TIMEOUT_SECONDS
) -> None:
    """Ready = a real answer from the function (anything but the data plane's 503 "not deployed").

    With a token (``--auth``) the authorizer answers first: a 401/403, a few times in a row, means it refuses
    the token it is meant to accept (a wrong key, issuer or audience): a failure to say, not readiness.
    """
    deadline = time.monotonic() + timeout
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    probe = urllib.request.Request(f"{cloud.api_url}/items?limit=1", headers=headers)  # noqa: S310 - loopback
    refusals: list[int] = []
    while time.monotonic() < deadline and len(refusals) < REFUSALS_BEFORE_FAILING:
        try:
            with urllib.request.urlopen(probe, timeout=10) as response:  # noqa: S310 - our loopback data plane
                if response.status < 500:
                    return
        except urllib.error.HTTPError as error:
            if token and error.code in {401, 403}:
                refusals.append(error.code)
            elif error.code < 500:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    if refusals:
        raise DeployError(
            f"the authorizer refused the local test token ({refusals[-1]}): check env local's JWKS and issuer"
        )
    raise DeployError(f"the API at {cloud.api_url} did not answer within {timeout:.0f}s after deploying")


def source_fingerprint(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def serve_until_stopped(cloud: LocalCloud, reload: bool, stop: threading.Event) -> None:
    functions_dir = REPO_ROOT / "functions"
    fingerprint = source_fingerprint(functions_dir) if reload else ""
    while not stop.wait(RELOAD_POLL_SECONDS if reload else 3600):
        if not reload:
            continue
        current = source_fingerprint(functions_dir)
        if current == fingerprint:
            continue
        fingerprint = current
        print("local cloud: functions/ changed, repackaging and redeploying", file=sys.stderr, flush=True)
        try:
            redeploy_code(cloud, sys.stderr)
            print("local cloud: redeployed", file=sys.stderr, flush=True)
        except DeployError as exc:
            print(f"local cloud: redeploy failed, still serving the previous version: {exc}", file=sys.stderr)


def up(args: argparse.Namespace) -> int:
    started = time.monotonic()
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()
        # A second Ctrl-C must not cut the clean-up short: ignore further signals while stopping.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        raise _Stop(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with ephemeral_local_cloud(
            emulator_port=args.emulator_port, api_port=args.port, auth=args.auth
        ) as cloud:
            print(f"local cloud: emulator {cloud.endpoint_url}, data plane {cloud.api_url}", file=sys.stderr)
            print(
                "local cloud: deploying (package, plan, apply, deploy, migrate)", file=sys.stderr, flush=True
            )
            deploy(cloud, sys.stderr, seed=args.seed)
            token = identity.mint_token() if args.auth else None
            wait_until_api_answers(cloud, token)
            print(
                f"local cloud: ready in {time.monotonic() - started:.1f}s (Ctrl-C to stop)", file=sys.stderr
            )
            running = RunningCloud(
                os.getpid(), cloud.endpoint_url, cloud.api_url, cloud.table_name, auth=args.auth
            )
            with announced(running):
                print(f"API_URL={cloud.api_url}")
                print(f"DYNAMODB_ENDPOINT={cloud.endpoint_url}")
                print(f"TABLE_NAME={cloud.table_name}", flush=True)
                if token:
                    print(f"API_TOKEN={token}", flush=True)
                serve_until_stopped(cloud, args.reload, stop)
    except _Stop as signalled:
        print(f"local cloud: {signalled}, stopped", file=sys.stderr)
        return 0
    except (DeployError, EmulatorError) as exc:
        print(f"local cloud: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # typically --port already in use
        print(f"local cloud: cannot serve the API: {exc}", file=sys.stderr)
        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def token(args: argparse.Namespace) -> int:
    if not 1 <= args.ttl <= MAX_TOKEN_TTL_SECONDS:
        print(f"local cloud: --ttl must be between 1 and {MAX_TOKEN_TTL_SECONDS} seconds", file=sys.stderr)
        return 2
    if not args.subject.strip():
        print("local cloud: --subject must not be empty", file=sys.stderr)
        return 2
    print(identity.mint_token(args.subject, args.ttl))
    return 0


def main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    if args.command == "up":
        return up(args)
    if args.command == "token":
        return token(args)
    return 2
