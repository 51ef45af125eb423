# Plans the local stack from its own main.tf against a mocked AWS provider.
mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  lambda_artifact_path = "../../tests/fixtures/artifact.zip"
}

run "local_settings_reach_the_stack" {
  command = plan

  assert {
    condition     = output.service.api_throttling == { rate_limit = 50, burst_limit = 100 }
    error_message = "local must throttle the stage at 50 rps with a burst of 100."
  }

  assert {
    condition     = output.service.lambda_platform == { runtime = "python3.11", architecture = "x86_64" }
    error_message = "local must run python3.11 on x86_64."
  }

  assert {
    condition     = output.service.function_name == "items-service-local-api" && output.service.items_table_name == "items-service-local-items" && output.service.idempotency_table_name == "items-service-local-idempotency" && output.service.function_alias_name == "live" && output.service.stage_name == "local"
    error_message = "local resources must follow the naming contract."
  }

  assert {
    condition     = output.service.lambda_log_group_name == "/aws/lambda/items-service-local-api"
    error_message = "The function's log group must follow the naming contract."
  }
}

run "local_is_public_unless_the_authorizer_is_turned_on" {
  command = plan

  assert {
    condition     = output.service.authorizer == null
    error_message = "The local cloud's API_URL is the public API by default."
  }
}

run "local_with_the_authorizer_trusts_the_test_key_only" {
  command = plan

  variables {
    authorizer_enabled       = true
    authorizer_artifact_path = "../../tests/fixtures/artifact.zip"
  }

  assert {
    condition     = output.service.authorizer.function_name == "items-service-local-authorizer"
    error_message = "--auth must deploy the authorizer under the contract's name."
  }

  assert {
    condition     = tolist(output.service.authorizer.key_ids) == tolist(["local-test-key-1"]) && tolist(output.service.authorizer.algorithms) == tolist(["EdDSA"]) && output.service.authorizer.issuer == "https://issuer.local-cloud.invalid/"
    error_message = "The local authorizer must trust exactly the test key (ci/local/identity.py)."
  }
}
