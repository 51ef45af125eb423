"""Matching a request path to the deployed REST API's resources, and MOCK (CORS preflight) integrations."""

from __future__ import annotations

import pytest

from ci.local.function_ref import FunctionRef
from ci.local.mapping_template import TemplateError, render
from ci.local.rest_api import DeployedRestApi, Method, Resource

NO_PARAMETERS: dict[str, dict[str, str]] = {"header": {}, "querystring": {}, "path": {}}
PROXY = Method("GET", "AWS_PROXY", function=FunctionRef("fn", "live"))


def api_with(*paths: str, methods: dict[str, Method] | None = None) -> DeployedRestApi:
    return DeployedRestApi(
        id="api",
        name="items-service-local-api",
        stage_name="local",
        deployment_id="d1",
        stage_variables={},
        binary_media_types=(),
        resources=tuple(Resource(f"r{i}", path, methods or {"GET": PROXY}) for i, path in enumerate(paths)),
    )


def test_a_path_template_binds_its_parameter() -> None:
    # Given /items and /items/{id}
    api = api_with("/", "/items", "/items/{id}")
    # When a concrete item path is matched
    match = api.match("/items/3f2a", "GET")
    # Then the template resource answers with the id bound
    assert match is not None
    assert match.resource.path == "/items/{id}"
    assert match.path_parameters == {"id": "3f2a"}


def test_a_literal_segment_wins_over_a_parameter_and_a_parameter_over_a_greedy_path() -> None:
    api = api_with("/{proxy+}", "/items/{id}", "/items/search")
    assert api.match("/items/search", "GET").resource.path == "/items/search"  # type: ignore[union-attr]
    assert api.match("/items/42", "GET").resource.path == "/items/{id}"  # type: ignore[union-attr]
    greedy = api.match("/files/a/b.txt", "GET")
    assert greedy is not None
    assert greedy.path_parameters == {"proxy": "files/a/b.txt"}


def test_percent_encoded_parameters_are_decoded_and_unknown_paths_do_not_match() -> None:
    api = api_with("/items/{id}")
    assert api.match("/items/a%20b", "GET").path_parameters == {"id": "a b"}  # type: ignore[union-attr]
    assert api.match("/items", "GET") is None
    assert api.match("/items/1/extra", "GET") is None


def test_any_method_is_the_fallback_and_a_missing_verb_has_no_method() -> None:
    api = api_with("/things", methods={"ANY": PROXY})
    assert api.match("/things", "DELETE").method is PROXY  # type: ignore[union-attr]
    assert api_with("/things").match("/things", "POST").method is None  # type: ignore[union-attr]


def test_integration_uri_of_an_alias_names_function_and_qualifier() -> None:
    uri = (
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:items-service-local-api:live/invocations"
    )
    assert FunctionRef.from_integration_uri(uri) == FunctionRef("items-service-local-api", "live")
    assert FunctionRef.from_integration_uri("arn:aws:apigateway:us-east-1:dynamodb:action/GetItem") is None


def test_mock_integration_answers_with_the_selected_integration_response_headers() -> None:
    # Given an OPTIONS method with a default integration response and a 4xx one picked by pattern
    method = Method(
        "OPTIONS",
        "MOCK",
        request_templates={"application/json": '{"statusCode": 200}'},
        integration_responses={
            "400": {"statusCode": "400", "selectionPattern": "4\\d\\d"},
            "200": {
                "statusCode": "200",
                "responseParameters": {
                    "method.response.header.Access-Control-Allow-Origin": "'https://app.example.com'",
                    "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'",
                },
            },
        },
    )
    # When it is answered
    response = method.mock_response(NO_PARAMETERS, {})
    # Then status and static headers come from the default integration response
    assert response.status == 200
    assert response.headers == {
        "Access-Control-Allow-Origin": "https://app.example.com",
        "Access-Control-Allow-Methods": "GET,OPTIONS",
    }


CORS_TEMPLATE = """#set($origin = $input.params().header.get("Origin"))
#if($origin == "")#set($origin = $input.params().header.get("origin"))#end
#set($allowed = ["http://localhost:3000","http://127.0.0.1:3000"])
#if($allowed.contains($origin))
#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)
#set($context.responseOverride.header.Vary = "Origin")
#end
{}
"""


def preflight_method() -> Method:
    return Method(
        "OPTIONS",
        "MOCK",
        request_templates={"application/json": '{"statusCode": 204}'},
        integration_responses={
            "204": {
                "statusCode": "204",
                "responseParameters": {
                    "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'"
                },
                "responseTemplates": {"application/json": CORS_TEMPLATE},
            }
        },
    )


def with_origin(origin: str) -> dict[str, dict[str, str]]:
    return {**NO_PARAMETERS, "header": {"Origin": origin}}


def test_preflight_template_echoes_an_allowed_origin() -> None:
    # Given the Terraform module's preflight: a template that echoes the Origin when it is on the allowlist
    # When an allowed origin asks
    response = preflight_method().mock_response(with_origin("http://127.0.0.1:3000"), {})
    # Then the origin is echoed with Vary, next to the static headers, with the requested status
    assert response.status == 204
    assert response.headers == {
        "Access-Control-Allow-Methods": "GET,OPTIONS",
        "Access-Control-Allow-Origin": "http://127.0.0.1:3000",
        "Vary": "Origin",
    }
    assert response.body.strip() == "{}"


def test_preflight_template_does_not_allow_an_unknown_origin() -> None:
    response = preflight_method().mock_response(with_origin("https://evil.example"), {})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.headers["Access-Control-Allow-Methods"] == "GET,OPTIONS"


def test_template_constructs_outside_the_supported_subset_are_refused() -> None:
    with pytest.raises(TemplateError):
        render("#foreach($x in $list)$x#end", {}, {})
    with pytest.raises(TemplateError):
        render("#if($a == 1", {}, {})
    with pytest.raises(TemplateError):
        render("#set($x = $input.body.unknownCall())", {}, {})


def test_template_branches_and_text_references() -> None:
    template = "#set($n = 2)#if($n == 1)one#elseif($n == 2 && !false)two $n#else other#end"
    assert render(template, {}, {}).body == "two 2"
    assert render("#set($context.responseOverride.status = 418)", {}, {}).status_override == 418
