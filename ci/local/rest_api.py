"""The REST API as deployed in the emulator: resources, methods, integrations, and matching a path to a
resource.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ci.local.access_log import AccessLogSettings
from ci.local.authorizers import TokenAuthorizer
from ci.local.function_ref import FunctionRef
from ci.local.gateway_responses import GatewayResponse
from ci.local.mapping_template import render
from ci.local.request_validation import RequestValidator

if TYPE_CHECKING:
    from mypy_boto3_apigateway import APIGatewayClient

DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000


@dataclass(frozen=True)
class MockResponse:
    status: int
    headers: Mapping[str, str]
    body: str


@dataclass(frozen=True)
class Method:
    http_method: str
    integration_type: str
    authorization_type: str = "NONE"
    authorizer_id: str | None = None
    request_validator_id: str | None = None
    request_models: Mapping[str, str] = field(default_factory=dict)
    request_parameters: Mapping[str, bool] = field(default_factory=dict)
    function: FunctionRef | None = None
    timeout_ms: int = DEFAULT_INTEGRATION_TIMEOUT_MS
    request_templates: Mapping[str, str] = field(default_factory=dict)
    integration_responses: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def mock_response(
        self, request_parameters: Mapping[str, Mapping[str, str]], context: Mapping[str, Any]
    ) -> MockResponse:
        """What a MOCK integration answers (CORS preflight): the status from the request template's
        ``statusCode``, then the integration response whose selection pattern matches it (or the default one):
        its static header mappings (``'value'`` literals) and its response template, which may override
        headers and status through ``$context.responseOverride``."""
        request_template = self.request_templates.get("application/json", "")
        requested = 200
        if request_template:
            rendered = render(request_template, request_parameters, context).body
            try:
                requested = int(json.loads(rendered).get("statusCode", 200))
            except (ValueError, AttributeError, TypeError):
                requested = 200
        chosen = self._integration_response_for(requested)
        if chosen is None:
            return MockResponse(requested, {}, "")
        headers = {
            name.removeprefix("method.response.header."): value.strip("'")
            for name, value in (chosen.get("responseParameters") or {}).items()
            if name.startswith("method.response.header.") and value.startswith("'")
        }
        status = int(chosen.get("statusCode", requested))
        template = (chosen.get("responseTemplates") or {}).get("application/json") or ""
        result = render(template, request_parameters, context)
        return MockResponse(
            result.status_override or status, {**headers, **result.header_overrides}, result.body
        )

    def _integration_response_for(self, status: int) -> Mapping[str, Any] | None:
        default: Mapping[str, Any] | None = None
        for response in self.integration_responses.values():
            pattern = response.get("selectionPattern")
            if pattern and re.fullmatch(pattern, str(status)):
                return response
            if not pattern and default is None:
                default = response
        return default


@dataclass(frozen=True)
class Resource:
    id: str
    path: str
    methods: Mapping[str, Method]

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(part for part in self.path.split("/") if part)


@dataclass(frozen=True)
class RouteMatch:
    resource: Resource
    method: Method | None
    path_parameters: Mapping[str, str]


@dataclass(frozen=True)
class DeployedRestApi:
    id: str
    name: str
    stage_name: str
    deployment_id: str
    stage_variables: Mapping[str, str]
    binary_media_types: tuple[str, ...]
    resources: tuple[Resource, ...]
    access_log: AccessLogSettings | None = None
    authorizers: Mapping[str, TokenAuthorizer] = field(default_factory=dict)
    validators: Mapping[str, RequestValidator] = field(default_factory=dict)
    models: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    gateway_responses: Mapping[str, GatewayResponse] = field(default_factory=dict)

    def model_for(self, method: Method, content_type: str) -> Mapping[str, Any] | None:
        """The schema of the method's request model for this content type (or its ``$default``)."""
        media_type = content_type.split(";")[0].strip().lower() or "application/json"
        name = method.request_models.get(media_type) or method.request_models.get("$default")
        return self.models.get(name) if name else None

    def functions(self) -> set[FunctionRef]:
        """Every function the stage invokes: integrations and authorizers."""
        integrated = {
            method.function
            for resource in self.resources
            for method in resource.methods.values()
            if method.function is not None
        }
        return integrated | {authorizer.function for authorizer in self.authorizers.values()}

    def match(self, path: str, http_method: str) -> RouteMatch | None:
        """The most specific resource whose path template matches (literal > {param} > {greedy+})."""
        segments = [unquote(part) for part in path.split("/") if part]
        best: tuple[tuple[int, ...], Resource, dict[str, str]] | None = None
        for resource in self.resources:
            matched = _match_template(resource.segments, segments)
            if matched is None:
                continue
            rank, parameters = matched
            if best is None or rank > best[0]:
                best = (rank, resource, parameters)
        if best is None:
            return None
        _, resource, parameters = best
        method = resource.methods.get(http_method) or resource.methods.get("ANY")
        return RouteMatch(resource, method, parameters)


def _match_template(
    template: tuple[str, ...], segments: list[str]
) -> tuple[tuple[int, ...], dict[str, str]] | None:
    parameters: dict[str, str] = {}
    rank: list[int] = []
    for index, part in enumerate(template):
        if part.startswith("{") and part.endswith("+}"):
            rest = segments[index:]
            if not rest:
                return None
            parameters[part[1:-2]] = "/".join(rest)
            rank.append(0)
            return tuple(rank), parameters
        if index >= len(segments):
            return None
        if part.startswith("{") and part.endswith("}"):
            parameters[part[1:-1]] = segments[index]
            rank.append(1)
        elif part == segments[index]:
            rank.append(2)
        else:
            return None
    if len(template) != len(segments):
        return None
    return tuple(rank), parameters


class RestApiNotDeployed(LookupError):
    """No REST API (or no stage of it) is deployed in the emulator yet."""


def load_deployed_rest_api(
    apigateway: APIGatewayClient, api_name: str, stage_name: str, known: DeployedRestApi | None = None
) -> DeployedRestApi:
    """Read the REST API ``api_name`` and its stage; reuse ``known`` when the deployment did not change."""
    apis = [api for api in apigateway.get_rest_apis(limit=500)["items"] if api.get("name") == api_name]
    if not apis:
        raise RestApiNotDeployed(f"no REST API named {api_name!r} in the emulator yet")
    api = apis[-1]
    api_id = api["id"]
    try:
        stage = apigateway.get_stage(restApiId=api_id, stageName=stage_name)
    except apigateway.exceptions.NotFoundException as exc:
        raise RestApiNotDeployed(f"REST API {api_name!r} has no stage {stage_name!r} yet") from exc
    deployment_id = stage.get("deploymentId", "")
    if known is not None and (known.id, known.deployment_id) == (api_id, deployment_id):
        return known
    resources = apigateway.get_resources(restApiId=api_id, limit=500, embed=["methods"])["items"]
    return DeployedRestApi(
        id=api_id,
        name=api_name,
        stage_name=stage_name,
        deployment_id=deployment_id,
        stage_variables=dict(stage.get("variables") or {}),
        binary_media_types=tuple(api.get("binaryMediaTypes") or ()),
        access_log=AccessLogSettings.from_stage(stage),
        validators={
            item["id"]: RequestValidator(
                bool(item.get("validateRequestBody")), bool(item.get("validateRequestParameters"))
            )
            for item in apigateway.get_request_validators(restApiId=api_id, limit=500).get("items", [])
        },
        models={
            item["name"]: json.loads(item["schema"])
            for item in apigateway.get_models(restApiId=api_id, limit=500).get("items", [])
            if item.get("schema")
        },
        gateway_responses={
            item["responseType"]: GatewayResponse.from_api(item)
            for item in apigateway.get_gateway_responses(restApiId=api_id, limit=500).get("items", [])
            if not item.get("defaultResponse")
        },
        authorizers={
            authorizer.id: authorizer
            for item in apigateway.get_authorizers(restApiId=api_id, limit=500).get("items", [])
            if (authorizer := TokenAuthorizer.from_api(item)) is not None
        },
        resources=tuple(
            Resource(
                id=item["id"],
                path=item["path"],
                methods={
                    verb: _method(verb, spec) for verb, spec in (item.get("resourceMethods") or {}).items()
                },
            )
            for item in resources
        ),
    )


def _method(http_method: str, spec: Mapping[str, Any]) -> Method:
    integration = spec.get("methodIntegration") or {}
    uri = integration.get("uri", "")
    return Method(
        http_method=http_method,
        integration_type=integration.get("type", ""),
        authorization_type=spec.get("authorizationType", "NONE"),
        authorizer_id=spec.get("authorizerId"),
        request_validator_id=spec.get("requestValidatorId"),
        request_models=dict(spec.get("requestModels") or {}),
        request_parameters=dict(spec.get("requestParameters") or {}),
        function=FunctionRef.from_integration_uri(uri) if uri else None,
        timeout_ms=int(integration.get("timeoutInMillis") or DEFAULT_INTEGRATION_TIMEOUT_MS),
        request_templates=dict(integration.get("requestTemplates") or {}),
        integration_responses=dict(integration.get("integrationResponses") or {}),
    )
