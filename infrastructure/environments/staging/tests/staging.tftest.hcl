# Plans the staging stack from its own main.tf against a mocked AWS provider.
mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  lambda_artifact_path = "../../tests/fixtures/artifact.zip"
}

run "staging_settings_reach_the_stack" {
  command = plan

  assert {
    condition     = output.service.api_throttling == { rate_limit = 50, burst_limit = 100 }
    error_message = "staging must throttle the stage at 50 rps with a burst of 100."
  }

  assert {
    condition     = output.service.lambda_platform == { runtime = "python3.13", architecture = "arm64" }
    error_message = "staging must run python3.13 on arm64."
  }

  assert {
    condition     = output.service.function_name == "items-service-staging-api" && output.service.items_table_name == "items-service-staging-items" && output.service.idempotency_table_name == "items-service-staging-idempotency" && output.service.function_alias_name == "live" && output.service.stage_name == "staging"
    error_message = "staging resources must follow the naming contract."
  }

  assert {
    condition     = output.service.lambda_log_group_name == "/aws/lambda/items-service-staging-api"
    error_message = "The function's log group must follow the naming contract."
  }
}

run "staging_is_public_until_an_identity_provider_is_configured" {
  command = plan

  assert {
    condition     = output.service.authorizer == null
    error_message = "staging ships without an authorizer (and never with the local test key)."
  }
}
