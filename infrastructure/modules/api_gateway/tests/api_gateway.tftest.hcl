mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  api_name                = "items-service-test-api"
  stage_name              = "test"
  item_schema_path        = "../../../data/schemas/item.schema.json"
  lambda_function_name    = "items-service-test-api"
  lambda_alias_invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:items-service-test-api:live/invocations"
  cors_allowed_origins    = ["https://app.example.com"]
  throttling_rate_limit   = 25
  throttling_burst_limit  = 50
}

run "stage_is_throttled_traced_and_access_logged" {
  command = apply

  assert {
    condition     = aws_api_gateway_method_settings.all.settings[0].throttling_rate_limit == 25 && aws_api_gateway_method_settings.all.settings[0].throttling_burst_limit == 50
    error_message = "Stage throttling must follow the environment's variables."
  }

  assert {
    condition     = aws_api_gateway_stage.this.xray_tracing_enabled
    error_message = "X-Ray must be on by default."
  }

  assert {
    condition     = aws_cloudwatch_log_group.access.retention_in_days == 30 && aws_cloudwatch_log_group.access.kms_key_id == module.access_logs_key.arn
    error_message = "Access logs must be kept 30 days, encrypted with the API's CMK."
  }

  assert {
    condition     = aws_api_gateway_stage.this.access_log_settings[0].destination_arn == aws_cloudwatch_log_group.access.arn && can(jsondecode(aws_api_gateway_stage.this.access_log_settings[0].format).requestId)
    error_message = "Access logs must be JSON lines in the API's log group."
  }
}

run "every_route_proxies_to_the_live_alias_with_validation" {
  command = apply

  assert {
    condition     = alltrue([for integration in aws_api_gateway_integration.proxied : integration.type == "AWS_PROXY" && integration.uri == var.lambda_alias_invoke_arn])
    error_message = "Every route must be a Lambda proxy integration of the live alias."
  }

  assert {
    condition     = toset([for method in aws_api_gateway_method.proxied : method.http_method]) == toset(["GET", "POST", "PUT", "DELETE"])
    error_message = "The API must serve GET, POST, PUT and DELETE."
  }

  assert {
    condition     = aws_api_gateway_resource.items.path_part == "items" && aws_api_gateway_resource.item.path_part == "{id}"
    error_message = "Routes must be /items and /items/{id}."
  }

  assert {
    condition     = aws_api_gateway_method.proxied["create-item"].request_models["application/json"] == "ItemCreate" && aws_api_gateway_method.proxied["update-item"].request_models["application/json"] == "ItemUpdate"
    error_message = "POST and PUT bodies must be documented by the shared schema's models."
  }

  assert {
    condition     = alltrue([for method in aws_api_gateway_method.proxied : method.request_validator_id == null || method.request_validator_id == ""])
    error_message = "No request validator: the function validates, so every refusal carries details and CORS headers."
  }

  assert {
    condition = alltrue([
      for name, model in aws_api_gateway_model.this :
      jsondecode(model.schema)["$schema"] == "http://json-schema.org/draft-04/schema#" &&
      jsondecode(model.schema).definitions == jsondecode(file(var.item_schema_path)).definitions &&
      jsondecode(model.schema).required == jsondecode(file(var.item_schema_path)).definitions[name].required
    ])
    error_message = "Models must be draft-04 documents carrying the shared definitions."
  }

  assert {
    condition     = aws_lambda_permission.api.qualifier == "live" && aws_lambda_permission.api.principal == "apigateway.amazonaws.com"
    error_message = "API Gateway may invoke only the live alias."
  }

  assert {
    condition     = alltrue([for method in aws_api_gateway_method.preflight : method.http_method == "OPTIONS"]) && strcontains(aws_api_gateway_integration_response.preflight["items"].response_templates["application/json"], "\"https://app.example.com\"")
    error_message = "Both resources must answer CORS preflight from the origin allowlist."
  }

  assert {
    condition     = length(aws_api_gateway_authorizer.jwt) == 0 && alltrue([for method in aws_api_gateway_method.proxied : method.authorization == "NONE"])
    error_message = "Without an authorizer the API is public."
  }
}

run "deployment_changes_only_with_the_api_definition" {
  command = plan

  assert {
    condition     = aws_api_gateway_deployment.this.triggers.api_definition == local.api_definition_sha
    error_message = "The deployment must be keyed on the API definition's hash."
  }
}

run "jwt_authorizer_protects_every_route_when_given" {
  command = apply

  variables {
    authorizer = {
      function_name = "items-service-test-authorizer"
      invoke_arn    = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:items-service-test-authorizer/invocations"
    }
  }

  assert {
    condition     = length(aws_api_gateway_authorizer.jwt) == 1 && alltrue([for method in aws_api_gateway_method.proxied : method.authorization == "CUSTOM" && method.authorizer_id == aws_api_gateway_authorizer.jwt[0].id])
    error_message = "With an authorizer every proxied route must require it."
  }

  assert {
    condition     = alltrue([for method in aws_api_gateway_method.preflight : method.authorization == "NONE"])
    error_message = "Preflight must stay unauthenticated."
  }
}

run "out_of_range_throttling_is_rejected" {
  command = plan

  variables {
    throttling_rate_limit = 0
  }

  expect_failures = [var.throttling_rate_limit]
}
