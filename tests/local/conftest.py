"""A hand-made deployment in a moto server, shaped like the Terraform one, for the data plane's tests.

Artifact bucket with the content-addressed zip, functions created from S3 with a published version behind
the ``live`` alias, and a REST API whose methods integrate with the alias (AWS_PROXY) or answer CORS
preflight (MOCK).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ci.local.data_plane import DataPlaneSettings, LocalDataPlane
from ci.local.deployment_watcher import emulator_client_session
from ci.local.emulator import MotoServer, running_moto_server

ENV = "local"
API_NAME = f"items-service-{ENV}-api"
FUNCTION_NAME = f"items-service-{ENV}-api"
SLOW_FUNCTION_NAME = f"items-service-{ENV}-slow"
AUTHORIZER_FUNCTION_NAME = f"items-service-{ENV}-authorizer"
BUCKET = f"items-service-{ENV}-artifacts-123456789012"
ALLOWED_ORIGIN = "http://localhost:3000"
ACCESS_LOG_GROUP = f"/aws/apigateway/{API_NAME}"
ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath",'
    '"status":"$context.status","ip":"$context.identity.sourceIp","error":"$context.error.message"}'
)
PROBE_SOURCE = Path(__file__).with_name("probe_function.py")


def build_probe_zip(extra_source: str = "") -> bytes:
    """The probe function as a deterministic zip (package ``probe`` at the root, like the real artifact)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (
            ("probe/__init__.py", ""),
            ("probe/handler.py", PROBE_SOURCE.read_text() + extra_source),
        ):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(info, text)
    return buffer.getvalue()


@dataclass
class ProbeDeployment:
    endpoint: str
    rest_api_id: str

    def session_client(self, service: str):  # type: ignore[no-untyped-def]
        return emulator_client_session().client(service, endpoint_url=self.endpoint)

    def upload(self, archive: bytes) -> str:
        key = f"functions/api_handler/{hashlib.sha256(archive).hexdigest()}.zip"
        self.session_client("s3").put_object(Bucket=BUCKET, Key=key, Body=archive)
        return key

    def redeploy(self, function_name: str, archive: bytes, environment: dict[str, str] | None = None) -> str:
        """What the pipeline's deploy stage does: new code, publish a version, move the alias."""
        lambda_client = self.session_client("lambda")
        key = self.upload(archive)
        lambda_client.update_function_code(FunctionName=function_name, S3Bucket=BUCKET, S3Key=key)
        if environment is not None:
            lambda_client.update_function_configuration(
                FunctionName=function_name, Environment={"Variables": environment}
            )
        version = lambda_client.publish_version(FunctionName=function_name)["Version"]
        lambda_client.update_alias(FunctionName=function_name, Name="live", FunctionVersion=version)
        return version


def deploy_probe(endpoint: str) -> ProbeDeployment:
    session = emulator_client_session()
    s3 = session.client("s3", endpoint_url=endpoint)
    iam = session.client("iam", endpoint_url=endpoint)
    lambda_client = session.client("lambda", endpoint_url=endpoint)
    apigateway = session.client("apigateway", endpoint_url=endpoint)

    s3.create_bucket(Bucket=BUCKET)
    archive = build_probe_zip()
    deployment = ProbeDeployment(endpoint, "")
    key = deployment.upload(archive)
    role = iam.create_role(
        RoleName="probe-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"})
    )
    alias_arns = {}
    for name, timeout, handler in (
        (FUNCTION_NAME, 10, "probe.handler.lambda_handler"),
        (SLOW_FUNCTION_NAME, 1, "probe.handler.lambda_handler"),
        (AUTHORIZER_FUNCTION_NAME, 3, "probe.handler.authorizer_handler"),
    ):
        lambda_client.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=role["Role"]["Arn"],
            Handler=handler,
            Code={"S3Bucket": BUCKET, "S3Key": key},
            Timeout=timeout,
            MemorySize=256,
            Environment={"Variables": {"ITEMS_TABLE_NAME": f"items-service-{ENV}-items", "ENVIRONMENT": ENV}},
            Publish=True,
        )
        lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=3)
        alias_arns[name] = lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")[
            "AliasArn"
        ]

    api_id = apigateway.create_rest_api(name=API_NAME)["id"]
    root_id = next(r["id"] for r in apigateway.get_resources(restApiId=api_id)["items"] if r["path"] == "/")

    def resource(parent: str, part: str) -> str:
        return apigateway.create_resource(restApiId=api_id, parentId=parent, pathPart=part)["id"]

    def proxy_method(
        resource_id: str, verb: str, function: str, authorizer_id: str | None = None, **method: Any
    ) -> None:
        apigateway.put_method(
            restApiId=api_id,
            resourceId=resource_id,
            httpMethod=verb,
            authorizationType="CUSTOM" if authorizer_id else "NONE",
            **({"authorizerId": authorizer_id} if authorizer_id else {}),
            **method,
        )
        apigateway.put_integration(
            restApiId=api_id,
            resourceId=resource_id,
            httpMethod=verb,
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{alias_arns[function]}/invocations",
        )

    def cors_preflight(resource_id: str, methods: str) -> None:
        apigateway.put_method(
            restApiId=api_id, resourceId=resource_id, httpMethod="OPTIONS", authorizationType="NONE"
        )
        apigateway.put_integration(
            restApiId=api_id,
            resourceId=resource_id,
            httpMethod="OPTIONS",
            type="MOCK",
            requestTemplates={"application/json": '{"statusCode": 200}'},
        )
        headers = {
            "Access-Control-Allow-Origin": f"'{ALLOWED_ORIGIN}'",
            "Access-Control-Allow-Methods": f"'{methods}'",
            "Access-Control-Allow-Headers": "'Content-Type,Idempotency-Key'",
        }
        apigateway.put_method_response(
            restApiId=api_id,
            resourceId=resource_id,
            httpMethod="OPTIONS",
            statusCode="200",
            responseParameters={f"method.response.header.{h}": True for h in headers},
        )
        apigateway.put_integration_response(
            restApiId=api_id,
            resourceId=resource_id,
            httpMethod="OPTIONS",
            statusCode="200",
            responseParameters={f"method.response.header.{h}": v for h, v in headers.items()},
        )

    items = resource(root_id, "items")
    item = resource(items, "{id}")
    probe = resource(root_id, "probe")
    probe_proxy = resource(probe, "{proxy+}")
    slow = resource(root_id, "slow")
    slow_proxy = resource(slow, "{proxy+}")
    validation = request_validation(apigateway, api_id)
    for verb in ("GET", "POST"):
        proxy_method(items, verb, FUNCTION_NAME, **validation[verb])
    for verb in ("GET", "PUT", "DELETE"):
        proxy_method(item, verb, FUNCTION_NAME)
    proxy_method(probe_proxy, "ANY", FUNCTION_NAME)
    proxy_method(slow_proxy, "ANY", SLOW_FUNCTION_NAME)
    authorizer_id = apigateway.create_authorizer(
        restApiId=api_id,
        name="probe-token",
        type="TOKEN",
        authorizerUri=(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
            f"{alias_arns[AUTHORIZER_FUNCTION_NAME]}/invocations"
        ),
        identitySource="method.request.header.Authorization",
        authorizerResultTtlInSeconds=0,
    )["id"]
    secure_proxy = resource(resource(root_id, "secure"), "{proxy+}")
    proxy_method(secure_proxy, "ANY", FUNCTION_NAME, authorizer_id)
    cors_preflight(items, "GET,POST,OPTIONS")
    cors_preflight(item, "GET,PUT,DELETE,OPTIONS")
    apigateway.create_deployment(restApiId=api_id, stageName=ENV, variables={"tier": "local"})
    session.client("logs", endpoint_url=endpoint).create_log_group(logGroupName=ACCESS_LOG_GROUP)
    access_log_arn = f"arn:aws:logs:us-east-1:123456789012:log-group:{ACCESS_LOG_GROUP}"
    apigateway.update_stage(
        restApiId=api_id,
        stageName=ENV,
        patchOperations=[
            {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": access_log_arn},
            {"op": "replace", "path": "/accessLogSettings/format", "value": ACCESS_LOG_FORMAT},
        ],
    )
    deployment.rest_api_id = api_id
    return deployment


ITEM_MODEL = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "properties": {"name": {"type": "string", "maxLength": 5}},
    "required": ["name"],
    "additionalProperties": False,
}


def request_validation(apigateway: Any, api_id: str) -> dict[str, dict[str, Any]]:
    """Like the Terraform module: POST /items validates its body (a model), GET /items its parameters."""
    apigateway.create_model(
        restApiId=api_id, name="ProbeItem", contentType="application/json", schema=json.dumps(ITEM_MODEL)
    )
    body = apigateway.create_request_validator(
        restApiId=api_id, name="body", validateRequestBody=True, validateRequestParameters=True
    )
    parameters = apigateway.create_request_validator(
        restApiId=api_id, name="parameters", validateRequestBody=False, validateRequestParameters=True
    )
    return {
        "POST": {"requestValidatorId": body["id"], "requestModels": {"application/json": "ProbeItem"}},
        "GET": {
            "requestValidatorId": parameters["id"],
            "requestParameters": {"method.request.querystring.limit": True},
        },
    }


@pytest.fixture(scope="module")
def emulator() -> Iterator[MotoServer]:
    """A moto server of this module's own, so no other test's reset can pull the deployment away mid-test."""
    with running_moto_server() as server:
        yield server


@pytest.fixture(scope="module")
def probe_deployment(emulator: MotoServer) -> ProbeDeployment:
    return deploy_probe(emulator.endpoint_url)


@pytest.fixture(scope="module")
def data_plane(
    emulator: MotoServer, probe_deployment: ProbeDeployment, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalDataPlane]:
    settings = DataPlaneSettings(
        emulator_endpoint=emulator.endpoint_url,
        cache_dir=tmp_path_factory.mktemp("local-cloud"),
        refresh_interval=0.2,
        max_workers_per_function=8,  # the probe's reserved concurrency (3) is the tighter cap
    )
    plane = LocalDataPlane(settings)
    plane.start()
    yield plane
    plane.stop()
