# The Lambda execution role: exactly the service's tables, its index, its log group and its keys.
data "aws_partition" "current" {}

resource "aws_iam_role" "lambda_execution" {
  name        = var.role_name
  description = "Execution role of ${var.role_name}: its tables, index, log group and keys only."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "LambdaAssumesRole"
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
  max_session_duration = 3600
  tags                 = var.tags
}

data "aws_iam_policy_document" "lambda_execution" {
  statement {
    sid = "ItemsTableReadWrite"
    actions = [
      "dynamodb:ConditionCheckItem",
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:Scan",
      "dynamodb:UpdateItem",
    ]
    resources = [var.items_table_arn]
  }

  dynamic "statement" {
    for_each = length(var.items_index_arns) > 0 ? [1] : []
    content {
      sid       = "ItemsIndexQuery"
      actions   = ["dynamodb:Query"]
      resources = var.items_index_arns
    }
  }

  statement {
    sid = "IdempotencyRecords"
    actions = [
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
    ]
    resources = [var.idempotency_table_arn]
  }

  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${var.log_group_arn}:*"]
  }

  statement {
    sid       = "OwnKeys"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = var.kms_key_arns
  }

  dynamic "statement" {
    for_each = var.tracing_enabled ? [1] : []
    content {
      sid = "XRayTraceUpload"
      # X-Ray's trace-upload actions have no resource-level permissions: "*" is the only valid resource.
      actions   = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "lambda_execution" {
  name   = "${var.role_name}-access"
  role   = aws_iam_role.lambda_execution.id
  policy = data.aws_iam_policy_document.lambda_execution.json
}
