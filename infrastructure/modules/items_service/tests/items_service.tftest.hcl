mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  environment                = "staging"
  lambda_artifact_path       = "../../tests/fixtures/artifact.zip"
  cors_allowed_origins       = ["https://staging.items.example.com"]
  api_throttling_rate_limit  = 50
  api_throttling_burst_limit = 100
  tags                       = { CostCenter = "platform" }
}

run "modules_are_wired_to_each_other_by_the_naming_contract" {
  command = plan

  assert {
    condition     = module.function.environment_variables.ITEMS_TABLE_NAME == module.tables.table_names["items"] && module.function.environment_variables.IDEMPOTENCY_TABLE_NAME == module.tables.table_names["idempotency"]
    error_message = "The function must be told the tables' names."
  }

  assert {
    condition     = output.function_name == "items-service-staging-api" && output.items_table_name == "items-service-staging-items" && output.stage_name == "staging"
    error_message = "Names must follow items-service-<env>-…"
  }

  assert {
    condition     = output.api_throttling == { rate_limit = 50, burst_limit = 100 }
    error_message = "Stage throttling must come from the environment's variables."
  }

  assert {
    condition     = local.tags == { CostCenter = "platform", Project = "items-service", Environment = "staging", ManagedBy = "terraform" }
    error_message = "Every module must get one merged tag map."
  }

  assert {
    condition     = module.function.environment_variables.CORS_ALLOWED_ORIGINS == "https://staging.items.example.com"
    error_message = "CORS origins must reach the function."
  }
}

run "an_environment_the_contract_does_not_list_is_refused" {
  command = plan

  variables {
    environment = "qa"
  }

  expect_failures = [var.environment]
}

run "the_environment_runs_the_runtime_the_contract_names_and_is_public_by_default" {
  command = apply

  assert {
    condition     = output.lambda_platform == { runtime = jsondecode(file("../../../data/contract.json")).environments.staging.lambda_runtime, architecture = jsondecode(file("../../../data/contract.json")).environments.staging.lambda_architecture }
    error_message = "Runtime and architecture must come from data/contract.json."
  }

  assert {
    condition     = length(module.authorizer_function) == 0 && output.authorizer == null && length(module.api.authorizer_ids) == 0
    error_message = "Without an authorizer setting the API must be public and no authorizer deployed."
  }

  assert {
    condition     = toset(keys(module.function.access)) == toset(["ItemsTableReadWrite", "ItemsIndexQuery", "IdempotencyRecords", "OwnLogGroup", "OwnKeys", "XRayTraceUpload"])
    error_message = "The items API's role reaches its tables, index, log group and keys (and X-Ray) only."
  }
}

run "an_enabled_authorizer_is_deployed_from_its_own_artifact_and_guards_the_api" {
  command = apply

  variables {
    authorizer_artifact_path = "../../tests/fixtures/artifact.zip"
    authorizer = {
      issuer     = "https://idp.example.com/"
      audience   = "items-api"
      jwks       = "{\"keys\": [{\"kty\": \"OKP\", \"crv\": \"Ed25519\", \"x\": \"cahtgCax1MaXu32ADEvpFvdGOFWtjYcWopEK4TUjRsE\"}]}"
      algorithms = ["EdDSA"]
    }
  }

  assert {
    condition     = output.authorizer.function_name == "items-service-staging-authorizer" && module.authorizer_function[0].environment_variables.JWT_ISSUER == "https://idp.example.com/" && module.authorizer_function[0].environment_variables.JWT_ALGORITHMS == "EdDSA"
    error_message = "The authorizer must be deployed under the contract's name with the issuer, audience and keys given."
  }

  assert {
    condition     = toset(keys(module.authorizer_function[0].access)) == toset(["OwnLogGroup", "OwnKeys", "XRayTraceUpload"])
    error_message = "The authorizer's role reaches only its own log group and key: no table."
  }

  assert {
    condition     = length(module.api.authorizer_ids) == 1
    error_message = "The API must be guarded by the authorizer."
  }
}

run "an_authorizer_without_keys_is_refused" {
  command = plan

  variables {
    authorizer_artifact_path = "../../tests/fixtures/artifact.zip"
    authorizer               = { issuer = "https://idp.example.com/", audience = "items-api", jwks = "{}" }
  }

  expect_failures = [var.authorizer]
}

run "a_jwks_too_big_for_lambdas_environment_is_refused_at_plan" {
  command = plan

  variables {
    authorizer_artifact_path = "../../tests/fixtures/artifact.zip"
    authorizer = {
      issuer   = "https://idp.example.com/"
      audience = "items-api"
      # 40 keys with certificate-sized members: well over the 3 KB that leaves room for the other variables
      jwks = jsonencode({ keys = [for index in range(40) : { kty = "RSA", kid = "key-${index}", n = join("", [for _ in range(30) : "abcdefgh"]), e = "AQAB" }] })
    }
  }

  expect_failures = [var.authorizer]
}
