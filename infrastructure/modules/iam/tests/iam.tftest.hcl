mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  role_name             = "items-service-test-api-execution"
  items_table_arn       = "arn:aws:dynamodb:us-east-1:123456789012:table/items-service-test-items"
  items_index_arns      = ["arn:aws:dynamodb:us-east-1:123456789012:table/items-service-test-items/index/status-index"]
  idempotency_table_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/items-service-test-idempotency"
  log_group_arn         = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/items-service-test-api"
  kms_key_arns          = ["arn:aws:kms:us-east-1:123456789012:key/11111111-1111-4111-8111-111111111111"]
}

run "execution_role_reaches_exactly_its_tables_index_log_group_and_keys" {
  command = plan

  assert {
    condition = toset(flatten([
      for statement in data.aws_iam_policy_document.lambda_execution.statement : statement.resources if statement.sid != "XRayTraceUpload"
      ])) == toset([
      var.items_table_arn,
      var.items_index_arns[0],
      var.idempotency_table_arn,
      "${var.log_group_arn}:*",
      var.kms_key_arns[0],
    ])
    error_message = "The role may reach only its tables, index, log group and keys."
  }

  assert {
    condition     = alltrue([for statement in data.aws_iam_policy_document.lambda_execution.statement : alltrue([for action in statement.actions : !strcontains(action, "*")])])
    error_message = "No wildcard actions."
  }

  assert {
    condition     = one([for statement in data.aws_iam_policy_document.lambda_execution.statement : statement.actions if statement.sid == "ItemsIndexQuery"]) == toset(["dynamodb:Query"])
    error_message = "The index is only queried."
  }

  assert {
    condition     = one([for statement in data.aws_iam_policy_document.lambda_execution.statement : statement.resources if statement.sid == "XRayTraceUpload"]) == toset(["*"])
    error_message = "X-Ray upload is granted when tracing is on (it has no resource-level permissions)."
  }

  assert {
    condition     = jsondecode(aws_iam_role.lambda_execution.assume_role_policy).Statement[0].Principal.Service == "lambda.amazonaws.com"
    error_message = "Only Lambda may assume the execution role."
  }
}

run "no_xray_grant_without_tracing" {
  command = plan

  variables {
    tracing_enabled = false
  }

  assert {
    condition     = length([for statement in data.aws_iam_policy_document.lambda_execution.statement : statement if statement.sid == "XRayTraceUpload"]) == 0
    error_message = "Without tracing the role gets no X-Ray permission."
  }
}

run "wildcard_log_groups_are_rejected" {
  command = plan

  variables {
    log_group_arn = "arn:aws:logs:us-east-1:123456789012:log-group:*"
  }

  expect_failures = [var.log_group_arn]
}
