# One Lambda function of the service, generic: deployed from a content-addressed artifact in S3, published
# behind the `live` alias, with its own execution role, log group and KMS key. The composition uses it for the
# items API and for the JWT authorizer; what differs (handler, environment, data access) is passed in.
data "aws_partition" "current" {}

locals {
  log_group_name = "/aws/lambda/${var.function_name}"
  role_name      = "${var.function_name}-execution"
  # Content-addressed key: the same zip always lands on the same key, so an unchanged build changes nothing.
  artifact_sha256_hex = filesha256(var.artifact_path)
  artifact_key        = "${var.artifact_key_prefix}/${local.artifact_sha256_hex}.zip"
}

module "function_key" {
  source = "../kms_key"

  description     = "${var.function_name} environment variables and logs"
  alias           = var.function_name
  settings        = var.kms_key_settings
  tags            = var.tags
  log_group_grant = { sid = "CloudWatchLogsEncryptsOwnLogGroup", log_group_name = local.log_group_name }
}

moved {
  from = aws_kms_key.function
  to   = module.function_key.aws_kms_key.this
}

moved {
  from = aws_kms_alias.function
  to   = module.function_key.aws_kms_alias.this
}

resource "aws_cloudwatch_log_group" "function" {
  #checkov:skip=CKV_AWS_338:Retention is 30 days by design (issue 3); long-term audit copies belong in an organisation log archive, not in per-function groups.
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = module.function_key.arn
  tags              = var.tags
}

# --- execution role: its own log group and key, X-Ray when traced, plus what the caller grants ------------

resource "aws_iam_role" "execution" {
  name        = local.role_name
  description = coalesce(var.execution_role_description, "Execution role of ${var.function_name}: its log group, its key and the access its module grants.")
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

data "aws_iam_policy_document" "execution" {
  dynamic "statement" {
    for_each = var.policy_statements
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }

  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function.arn}:*"]
  }

  statement {
    sid       = "OwnKeys"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = concat([module.function_key.arn], var.kms_key_arns)
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

resource "aws_iam_role_policy" "execution" {
  name   = "${local.role_name}-access"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# --- code and versions --------------------------------------------------------------------------------------

resource "aws_s3_object" "artifact" {
  bucket = var.artifact_bucket
  key    = local.artifact_key
  source = var.artifact_path
  # The key already names the content; source_hash only guards against a replaced file at the same key.
  source_hash  = filemd5(var.artifact_path)
  content_type = "application/zip"
  tags         = var.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:API Gateway invokes the function synchronously and receives the error; a DLQ only applies to asynchronous invocations.
  #checkov:skip=CKV_AWS_117:The function reaches only DynamoDB and CloudWatch through IAM-authenticated AWS endpoints; a VPC would add NAT/endpoint cost and cold-start latency without narrowing access.
  #checkov:skip=CKV_AWS_272:Artifacts are content-addressed (key = sha256 of the zip) and only the OIDC deploy roles can write the bucket; AWS Signer is left to organisations that mandate it.
  function_name                  = var.function_name
  description                    = var.description
  role                           = aws_iam_role.execution.arn
  handler                        = var.handler
  runtime                        = var.runtime
  architectures                  = [var.architecture]
  memory_size                    = var.memory_size
  timeout                        = var.timeout_seconds
  reserved_concurrent_executions = var.reserved_concurrency
  s3_bucket                      = aws_s3_object.artifact.bucket
  s3_key                         = aws_s3_object.artifact.key
  source_code_hash               = filebase64sha256(var.artifact_path)
  publish                        = true
  kms_key_arn                    = module.function_key.arn

  environment {
    variables = var.environment_variables
  }

  tracing_config {
    mode = var.tracing_enabled ? "Active" : "PassThrough"
  }

  tags = merge(var.tags, { Name = var.function_name })

  # Lambda writes to /aws/lambda/<name>: the group must exist (with retention and KMS) before the first log,
  # and the role must carry its policy before the first invocation.
  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.execution]
}

# The alias has one owner. With alias_moved_by = "deploy-stage" (the items API) Terraform only creates it and
# the pipeline's deploy stage moves it (gradual shifts, rollback); with "terraform" (the authorizer) every apply
# points it at the version that apply published. Lifecycle settings cannot depend on a variable, hence two
# resources of which exactly one exists.
resource "aws_lambda_alias" "live" {
  count = var.alias_moved_by == "deploy-stage" ? 1 : 0

  name             = var.alias_name
  description      = "Version serving traffic; the pipeline's deploy stage moves it, rollback moves it back."
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version

  lifecycle {
    # The deploy stage owns which version is live, a canary's routing and the note of the version served
    # before (which `ci rollback` reads); Terraform only creates the alias.
    ignore_changes = [function_version, routing_config, description]
  }
}

moved {
  from = aws_lambda_alias.live
  to   = aws_lambda_alias.live[0]
}

resource "aws_lambda_alias" "live_applied" {
  count = var.alias_moved_by == "terraform" ? 1 : 0

  name             = var.alias_name
  description      = "Version serving traffic; moved by each terraform apply."
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version
}

locals {
  alias = one(concat(aws_lambda_alias.live, aws_lambda_alias.live_applied))
}
