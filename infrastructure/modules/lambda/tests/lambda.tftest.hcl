mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  function_name          = "items-service-test-api"
  environment            = "dev"
  role_arn               = "arn:aws:iam::123456789012:role/items-service-test-api-execution"
  artifact_path          = "../../tests/fixtures/artifact.zip"
  artifact_bucket        = "items-service-test-artifacts-123456789012"
  items_table_name       = "items-service-test-items"
  idempotency_table_name = "items-service-test-idempotency"
  cors_allowed_origins   = ["https://app.example.com", "http://localhost:3000"]
}

run "function_runs_the_content_addressed_artifact_behind_the_live_alias" {
  command = apply

  assert {
    condition     = aws_s3_object.artifact.key == "functions/api_handler/${filesha256(var.artifact_path)}.zip"
    error_message = "The artifact key must be functions/api_handler/<sha256 hex>.zip."
  }

  assert {
    condition     = aws_lambda_function.this.s3_key == aws_s3_object.artifact.key && aws_lambda_function.this.source_code_hash == filebase64sha256(var.artifact_path)
    error_message = "The function must deploy the uploaded key with the zip's own hash (stable when unchanged)."
  }

  assert {
    condition     = aws_lambda_function.this.publish && aws_lambda_alias.live.name == "live"
    error_message = "Every code change must publish a version behind the live alias."
  }

  assert {
    condition     = aws_lambda_function.this.runtime == "python3.13" && aws_lambda_function.this.architectures == tolist(["arm64"])
    error_message = "Defaults must be python3.13 on arm64."
  }

  assert {
    condition     = aws_cloudwatch_log_group.function.retention_in_days == 30 && aws_cloudwatch_log_group.function.kms_key_id == module.function_key.arn
    error_message = "The log group must keep 30 days and be encrypted with the function's CMK."
  }

  assert {
    condition     = aws_cloudwatch_log_group.function.name == "/aws/lambda/items-service-test-api"
    error_message = "The log group must be the one Lambda writes to."
  }

  assert {
    condition     = aws_lambda_function.this.tracing_config[0].mode == "Active" && aws_lambda_function.this.reserved_concurrent_executions == 10
    error_message = "X-Ray must be active and concurrency reserved."
  }

  assert {
    condition     = aws_lambda_function.this.kms_key_arn == module.function_key.arn && module.function_key.rotation_enabled
    error_message = "Environment variables must be encrypted with the rotating function CMK."
  }

  assert {
    condition = aws_lambda_function.this.environment[0].variables == tomap({
      ITEMS_TABLE_NAME             = "items-service-test-items"
      IDEMPOTENCY_TABLE_NAME       = "items-service-test-idempotency"
      ENVIRONMENT                  = "dev"
      CORS_ALLOWED_ORIGINS         = "https://app.example.com,http://localhost:3000"
      IDEMPOTENCY_TTL_SECONDS      = "3600"
      POWERTOOLS_SERVICE_NAME      = "items-api"
      POWERTOOLS_METRICS_NAMESPACE = "ItemsService"
      POWERTOOLS_LOG_LEVEL         = "INFO"
      POWERTOOLS_TRACE_DISABLED    = "false"
    })
    error_message = "Environment variables must follow the runtime contract."
  }
}

run "local_style_function_runs_python311_on_x86_without_tracing" {
  command = plan

  variables {
    environment     = "local"
    runtime         = "python3.11"
    architecture    = "x86_64"
    tracing_enabled = false
  }

  assert {
    condition     = aws_lambda_function.this.tracing_config[0].mode == "PassThrough" && aws_lambda_function.this.environment[0].variables.POWERTOOLS_TRACE_DISABLED == "true"
    error_message = "Without X-Ray the function must pass traces through and tell Powertools."
  }
}

run "unsupported_runtime_and_timeouts_are_rejected" {
  command = plan

  variables {
    runtime         = "python3.8"
    timeout_seconds = 60
  }

  expect_failures = [var.runtime, var.timeout_seconds]
}

run "origins_with_paths_are_rejected" {
  command = plan

  variables {
    cors_allowed_origins = ["https://app.example.com/path"]
  }

  expect_failures = [var.cors_allowed_origins]
}

run "a_missing_artifact_is_rejected_with_a_hint" {
  command = plan

  variables {
    artifact_path = "../../../build/does-not-exist.zip"
  }

  expect_failures = [var.artifact_path]
}
