"""The deploy step against a real moto server over HTTP: upload, new code, new version, alias moved."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest

from ci.local.emulator import MotoServer
from ci.steps.deploy import Target, deploy, main

pytestmark = pytest.mark.integration


def _zip(body: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("api_handler/handler.py", body)
    return buffer.getvalue()


@pytest.fixture
def deployed_function(moto_server: MotoServer, fake_aws_env: dict[str, str]) -> tuple[Target, dict[str, Any]]:
    moto_server.reset()
    endpoint = moto_server.endpoint_url
    clients = {name: boto3.client(name, endpoint_url=endpoint) for name in ("s3", "lambda", "iam")}
    clients["s3"].create_bucket(Bucket="items-service-dev-artifacts-123456789012")
    role = clients["iam"].create_role(
        RoleName="lambda", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
    )["Role"]["Arn"]
    clients["lambda"].create_function(
        FunctionName="items-service-dev-api",
        Runtime="python3.13",
        Role=role,
        Handler="api_handler.handler.lambda_handler",
        Code={"ZipFile": _zip("VERSION = 1\n")},
        Publish=True,
    )
    clients["lambda"].create_alias(FunctionName="items-service-dev-api", Name="live", FunctionVersion="1")
    target = Target("items-service-dev-api", "live", "items-service-dev-artifacts-123456789012")
    return target, clients


def test_deploy_moves_live_to_a_new_version_of_the_uploaded_code(
    deployed_function: tuple[Target, dict[str, Any]],
) -> None:
    target, clients = deployed_function
    new_zip = _zip("VERSION = 2\n")

    deployment = deploy(target, new_zip, clients["s3"], clients["lambda"])

    digest = hashlib.sha256(new_zip).hexdigest()
    assert deployment.artifact == f"s3://{target.bucket}/functions/api_handler/{digest}.zip"
    stored = clients["s3"].get_object(Bucket=target.bucket, Key=f"functions/api_handler/{digest}.zip")
    assert stored["Body"].read() == new_zip
    assert stored["ContentType"] == "application/zip"  # as Terraform stores it
    alias = clients["lambda"].get_alias(FunctionName=target.function_name, Name="live")
    assert alias["FunctionVersion"] == deployment.version != "1"
    assert deployment.previous_version == "1"
    assert deployment.rollback_command == (
        "aws lambda update-alias --function-name items-service-dev-api --name live --function-version 1"
    )


def test_deploy_leaves_the_object_terraform_uploaded_as_it_is(
    deployed_function: tuple[Target, dict[str, Any]],
) -> None:
    # Given the zip already stored at its key by Terraform's apply, with Terraform's content type and tags
    target, clients = deployed_function
    new_zip = _zip("VERSION = 2\n")
    key = f"functions/api_handler/{hashlib.sha256(new_zip).hexdigest()}.zip"
    clients["s3"].put_object(
        Bucket=target.bucket, Key=key, Body=new_zip, ContentType="application/zip", Tagging="project=items"
    )
    stored = clients["s3"].head_object(Bucket=target.bucket, Key=key)

    # When the deploy step deploys that zip
    deployment = deploy(target, new_zip, clients["s3"], clients["lambda"])

    # Then it deployed the code without rewriting the object: a later plan finds nothing to undo
    assert deployment.previous_version == "1" != deployment.version
    after = clients["s3"].head_object(Bucket=target.bucket, Key=key)
    assert (after["ETag"], after["LastModified"]) == (stored["ETag"], stored["LastModified"])
    tags = clients["s3"].get_object_tagging(Bucket=target.bucket, Key=key)["TagSet"]
    assert tags == [{"Key": "project", "Value": "items"}]
    assert after["ContentType"] == "application/zip"


def test_cli_reads_terraform_outputs_prints_rollback_and_records(
    deployed_function: tuple[Target, dict[str, Any]],
    moto_server: MotoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target, _ = deployed_function
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.endpoint_url)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(
        json.dumps(
            {
                "function_name": {"value": target.function_name},
                "function_alias_name": {"value": "live"},
                "artifact_bucket": {"value": target.bucket},
            }
        )
    )
    artifact = tmp_path / "api_handler.zip"
    artifact.write_bytes(_zip("VERSION = 3\n"))

    code = main(
        [
            "--env",
            "dev",
            "--outputs",
            str(outputs),
            "--artifact",
            str(artifact),
            "--record",
            str(tmp_path / "d.json"),
        ]
    )

    assert code == 0
    printed = capsys.readouterr().out
    assert "traffic shift: at once" in printed  # dev's contract: no gradual deployment
    assert "rollback: python -m ci rollback --env dev   (or: aws lambda update-alias" in printed
    assert json.loads((tmp_path / "d.json").read_text())["previous_version"] == "1"


def test_cli_without_outputs_deploys_by_naming_convention(
    moto_server: MotoServer,
    fake_aws_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given the dev function exists under the contract's names in account 123456789012 (the emulator's)
    moto_server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.endpoint_url)
    clients = {name: boto3.client(name) for name in ("s3", "lambda", "iam")}
    clients["s3"].create_bucket(Bucket="items-service-dev-artifacts-123456789012")
    role = clients["iam"].create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    clients["lambda"].create_function(
        FunctionName="items-service-dev-api",
        Runtime="python3.13",
        Role=role,
        Handler="h.h",
        Code={"ZipFile": _zip("VERSION = 1\n")},
        Publish=True,
    )
    clients["lambda"].create_alias(FunctionName="items-service-dev-api", Name="live", FunctionVersion="1")
    artifact = tmp_path / "api_handler.zip"
    artifact.write_bytes(_zip("VERSION = 4\n"))

    # When deploying without Terraform outputs (a code-only deployment)
    code = main(["--env", "dev", "--outputs", str(tmp_path / "absent.json"), "--artifact", str(artifact)])

    # Then the convention's names are used and live moves
    assert code == 0
    assert "using the naming convention" in capsys.readouterr().out
    alias = clients["lambda"].get_alias(FunctionName="items-service-dev-api", Name="live")
    assert alias["FunctionVersion"] != "1"


def test_cli_without_the_artifact_says_to_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["--env", "dev", "--outputs", str(tmp_path / "o.json"), "--artifact", str(tmp_path / "a.zip")]
    )
    assert code == 1
    assert "run the package stage" in capsys.readouterr().err
