# The API function, deployed from a content-addressed artifact in S3, published behind the `live` alias.
locals {
  log_group_name = "/aws/lambda/${var.function_name}"
  # Content-addressed key: the same zip always lands on the same key, so an unchanged build changes nothing.
  artifact_sha256_hex = filesha256(var.artifact_path)
  artifact_key        = "${var.artifact_key_prefix}/${local.artifact_sha256_hex}.zip"
  environment_variables = {
    ITEMS_TABLE_NAME             = var.items_table_name
    IDEMPOTENCY_TABLE_NAME       = var.idempotency_table_name
    ENVIRONMENT                  = var.environment
    CORS_ALLOWED_ORIGINS         = join(",", var.cors_allowed_origins)
    IDEMPOTENCY_TTL_SECONDS      = tostring(var.idempotency_ttl_seconds)
    POWERTOOLS_SERVICE_NAME      = "items-api"
    POWERTOOLS_METRICS_NAMESPACE = "ItemsService"
    POWERTOOLS_LOG_LEVEL         = var.log_level
    POWERTOOLS_TRACE_DISABLED    = var.tracing_enabled ? "false" : "true"
  }
}

module "function_key" {
  source = "../kms_key"

  description          = "${var.function_name} environment variables and logs"
  alias                = var.function_name
  deletion_window_days = var.kms_deletion_window_days
  tags                 = var.tags
  log_group_grant      = { sid = "CloudWatchLogsEncryptsOwnLogGroup", log_group_name = local.log_group_name }
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
  description                    = "Items REST API (${var.environment})"
  role                           = var.role_arn
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
    variables = local.environment_variables
  }

  tracing_config {
    mode = var.tracing_enabled ? "Active" : "PassThrough"
  }

  tags = merge(var.tags, { Name = var.function_name })

  # Lambda writes to /aws/lambda/<name>: the group must exist (with retention and KMS) before the first log.
  depends_on = [aws_cloudwatch_log_group.function]
}

resource "aws_lambda_alias" "live" {
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
