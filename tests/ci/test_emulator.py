"""The local cloud's control plane: a moto server process answering boto3 over HTTP."""

from __future__ import annotations

import boto3

from ci.local.emulator import MotoServer, running_moto_server


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
