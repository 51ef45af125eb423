"""The local cloud's control plane: a moto server process answering boto3 over HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from wsgiref.types import StartResponse, WSGIEnvironment

import boto3

from ci.local.emulator import MotoServer, running_moto_server
from ci.local.moto_server import OneRequestAtATime

CLIENTS = 12


def test_moto_server_answers_boto3_and_stops(fake_aws_env: dict[str, str]) -> None:
    # Given a moto server started on a free loopback port
    with running_moto_server() as server:
        s3 = boto3.client("s3", endpoint_url=server.endpoint_url)
        # When a bucket is created over HTTP
        s3.create_bucket(Bucket="emulator-check")
        # Then the emulator lists it
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["emulator-check"]
        process = server._process
    # And leaving the block stops the process
    assert process is not None
    assert process.poll() is not None


def test_reset_forgets_resources(moto_server: MotoServer, fake_aws_env: dict[str, str]) -> None:
    s3 = boto3.client("s3", endpoint_url=moto_server.endpoint_url)
    s3.create_bucket(Bucket="to-be-forgotten")
    moto_server.reset()
    assert s3.list_buckets()["Buckets"] == []


def test_emulator_applies_one_request_at_a_time() -> None:
    # Given an application that notes how many requests it is handling at once, and lingers in each
    in_flight = 0
    most_in_flight = 0
    counter_lock = threading.Lock()

    def slow_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        nonlocal in_flight, most_in_flight
        with counter_lock:
            in_flight += 1
            most_in_flight = max(most_in_flight, in_flight)
        time.sleep(0.02)
        with counter_lock:
            in_flight -= 1
        start_response("200 OK", [])
        return [b"ok"]

    app = OneRequestAtATime(slow_app)
    start = threading.Barrier(CLIENTS)

    def request(_: int) -> bytes:
        start.wait()
        return b"".join(app({}, lambda status, headers, exc_info=None: lambda data: None))

    # When many clients call it at the same moment
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        bodies = list(pool.map(request, range(CLIENTS)))
    # Then every request was answered, never two at once (check-then-write stays atomic, as in DynamoDB)
    assert bodies == [b"ok"] * CLIENTS
    assert most_in_flight == 1
