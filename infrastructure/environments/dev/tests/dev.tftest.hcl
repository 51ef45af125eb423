# Plans the dev stack from its own main.tf against a mocked AWS provider.
mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  lambda_artifact_path = "../../tests/fixtures/artifact.zip"
}

run "dev_settings_reach_the_stack" {
  command = plan

  assert {
    condition     = output.service.api_throttling == { rate_limit = 20, burst_limit = 40 }
    error_message = "dev must throttle the stage at 20 rps with a burst of 40."
  }

  assert {
    condition     = output.service.lambda_platform == { runtime = "python3.13", architecture = "arm64" }
    error_message = "dev must run python3.13 on arm64."
  }

  assert {
    condition     = output.service.function_name == "items-service-dev-api" && output.service.items_table_name == "items-service-dev-items" && output.service.idempotency_table_name == "items-service-dev-idempotency" && output.service.function_alias_name == "live" && output.service.stage_name == "dev"
    error_message = "dev resources must follow the naming contract."
  }

  assert {
    condition     = output.service.lambda_log_group_name == "/aws/lambda/items-service-dev-api"
    error_message = "The function's log group must follow the naming contract."
  }
}

run "dev_is_public_until_an_identity_provider_is_configured" {
  command = plan

  assert {
    condition     = output.service.authorizer == null
    error_message = "dev ships without an authorizer (and never with the local test key)."
  }
}
