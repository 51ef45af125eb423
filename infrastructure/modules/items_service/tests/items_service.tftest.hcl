mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  environment                   = "staging"
  lambda_artifact_path          = "../../tests/fixtures/artifact.zip"
  items_table_schema_path       = "../../../data/schemas/items_table.json"
  idempotency_table_schema_path = "../../../data/schemas/idempotency_table.json"
  item_schema_path              = "../../../data/schemas/item.schema.json"
  cors_allowed_origins          = ["https://staging.items.example.com"]
  api_throttling_rate_limit     = 50
  api_throttling_burst_limit    = 100
  tags                          = { CostCenter = "platform" }
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
