mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  function_name         = "items-service-test-api"
  description           = "Items REST API (test)"
  handler               = "api_handler.handler.lambda_handler"
  artifact_path         = "../../tests/fixtures/artifact.zip"
  artifact_bucket       = "items-service-test-artifacts-123456789012"
  artifact_key_prefix   = "functions/api_handler"
  environment_variables = { ITEMS_TABLE_NAME = "items-service-test-items", POWERTOOLS_LOG_LEVEL = "INFO" }
  kms_key_arns          = ["arn:aws:kms:us-east-1:123456789012:key/11111111-1111-4111-8111-111111111111"]
  policy_statements = [
    {
      sid       = "ItemsTableReadWrite"
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
      resources = ["arn:aws:dynamodb:us-east-1:123456789012:table/items-service-test-items"]
    },
  ]
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
    condition     = aws_lambda_function.this.publish && aws_lambda_alias.live[0].name == "live"
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
    condition     = aws_lambda_function.this.environment[0].variables == tomap(var.environment_variables) && aws_lambda_function.this.handler == var.handler && aws_lambda_function.this.description == var.description
    error_message = "The function must run the given handler with exactly the given environment."
  }

  assert {
    condition     = aws_lambda_alias.live[0].function_version == aws_lambda_function.this.version && length(aws_lambda_alias.live_applied) == 0
    error_message = "By default the deploy stage owns the alias (Terraform only creates it)."
  }
}

run "execution_role_reaches_its_log_group_its_keys_and_what_it_is_granted_only" {
  command = apply

  assert {
    condition = toset(flatten([
      for statement in data.aws_iam_policy_document.execution.statement : statement.resources if statement.sid != "XRayTraceUpload"
      ])) == toset([
      "arn:aws:dynamodb:us-east-1:123456789012:table/items-service-test-items",
      "${aws_cloudwatch_log_group.function.arn}:*",
      module.function_key.arn,
      var.kms_key_arns[0],
    ])
    error_message = "The role may reach only its log group, its keys and the granted resources."
  }

  assert {
    condition     = one([for statement in data.aws_iam_policy_document.execution.statement : statement.resources if statement.sid == "XRayTraceUpload"]) == toset(["*"])
    error_message = "X-Ray upload is granted when tracing is on (it has no resource-level permissions)."
  }

  assert {
    condition     = jsondecode(aws_iam_role.execution.assume_role_policy).Statement[0].Principal.Service == "lambda.amazonaws.com" && aws_iam_role.execution.name == "items-service-test-api-execution"
    error_message = "Only Lambda may assume the execution role, named after its function."
  }

  assert {
    condition     = aws_lambda_function.this.role == aws_iam_role.execution.arn
    error_message = "The function must run with its own role."
  }
}

run "an_alias_moved_by_terraform_follows_each_published_version" {
  command = apply

  variables {
    function_name       = "items-service-test-authorizer"
    handler             = "authorizer.handler.lambda_handler"
    artifact_key_prefix = "functions/authorizer"
    alias_moved_by      = "terraform"
    policy_statements   = []
  }

  assert {
    condition     = length(aws_lambda_alias.live) == 0 && aws_lambda_alias.live_applied[0].function_version == aws_lambda_function.this.version
    error_message = "With alias_moved_by = terraform the alias must point at the version this apply published."
  }

  assert {
    condition     = aws_s3_object.artifact.key == "functions/authorizer/${filesha256(var.artifact_path)}.zip"
    error_message = "Each function's artifact lives under its own prefix."
  }
}

run "wildcard_actions_are_rejected" {
  command = plan

  variables {
    policy_statements = [{ sid = "Everything", actions = ["dynamodb:*"], resources = ["*"] }]
  }

  expect_failures = [var.policy_statements]
}

run "local_style_function_runs_python311_on_x86_without_tracing" {
  command = plan

  variables {
    runtime         = "python3.11"
    architecture    = "x86_64"
    tracing_enabled = false
  }

  assert {
    condition     = aws_lambda_function.this.tracing_config[0].mode == "PassThrough" && !contains([for statement in data.aws_iam_policy_document.execution.statement : statement.sid], "XRayTraceUpload")
    error_message = "Without X-Ray the function must pass traces through and its role gets no trace upload."
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

run "a_missing_artifact_is_rejected_with_a_hint" {
  command = plan

  variables {
    artifact_path = "../../../build/does-not-exist.zip"
  }

  expect_failures = [var.artifact_path]
}
