# The whole service for one environment: every environment root calls this one composition, so
# local, dev, staging and prod differ only in the arguments their main.tf passes, never in shape.
data "aws_caller_identity" "current" {}

locals {
  # data/contract.json owns the project name, the environments and the name patterns (Python reads the same
  # file through ci/common/contract.py), so a name is spelled once for Terraform and the pipeline alike.
  contract = jsondecode(file(local.contract_path))
  name_values = {
    project    = local.contract.project
    env        = var.environment
    account_id = data.aws_caller_identity.current.account_id
  }
  name_prefix   = templatestring(local.contract.names.env_prefix, local.name_values)
  function_name = templatestring(local.contract.names.api_function, local.name_values)
  tags = merge(var.tags, {
    Project     = local.contract.project
    Environment = var.environment
    ManagedBy   = "terraform"
  })
}

module "artifacts" {
  source = "../s3"

  bucket_name                        = templatestring(local.contract.names.artifacts_bucket, local.name_values)
  access_log_bucket_name             = "${local.name_prefix}-access-logs-${data.aws_caller_identity.current.account_id}"
  force_destroy                      = var.force_destroy_buckets
  tls_only_policy_enabled            = var.s3_tls_only_policy_enabled
  lifecycle_configuration_enabled    = var.s3_lifecycle_configuration_enabled
  noncurrent_version_expiration_days = var.artifact_noncurrent_version_expiration_days
  kms_key_settings                   = var.kms_key_settings
  tags                               = local.tags
}

module "tables" {
  source = "../dynamodb"

  name_prefix                   = local.name_prefix
  items_table_schema_path       = "${local.schema_dir}/items_table.json"
  idempotency_table_schema_path = "${local.schema_dir}/idempotency_table.json"
  deletion_protection_enabled   = var.deletion_protection_enabled
  kms_key_settings              = var.kms_key_settings
  tags                          = local.tags
}

locals {
  # Each environment's runtime and architecture come from the contract too: the package stage builds the
  # wheels for the same target, so the two cannot disagree.
  platform   = local.contract.environments[var.environment]
  schema_dir = "${path.module}/../../../data/schemas"
  api_environment_variables = {
    ITEMS_TABLE_NAME             = module.tables.table_names["items"]
    IDEMPOTENCY_TABLE_NAME       = module.tables.table_names["idempotency"]
    ENVIRONMENT                  = var.environment
    CORS_ALLOWED_ORIGINS         = join(",", var.cors_allowed_origins)
    IDEMPOTENCY_TTL_SECONDS      = tostring(var.idempotency_ttl_seconds)
    POWERTOOLS_SERVICE_NAME      = "items-api"
    POWERTOOLS_METRICS_NAMESPACE = "ItemsService"
    POWERTOOLS_LOG_LEVEL         = var.log_level
    POWERTOOLS_TRACE_DISABLED    = var.tracing_enabled ? "false" : "true"
  }
}

module "function" {
  source = "../function"

  function_name = local.function_name
  description   = "Items REST API (${var.environment})"
  # The text the role had before modules/iam folded into modules/function: existing stacks keep it unchanged
  # (the CI role is not granted iam:UpdateRoleDescription).
  execution_role_description = "Execution role of ${local.function_name}-execution: its tables, index, log group and keys only."
  handler                    = local.contract.artifacts.api_handler.handler
  artifact_path              = var.lambda_artifact_path
  artifact_bucket            = module.artifacts.bucket_name
  artifact_key_prefix        = "functions/api_handler"
  runtime                    = local.platform.lambda_runtime
  architecture               = local.platform.lambda_architecture
  memory_size                = var.lambda_memory_size
  timeout_seconds            = var.lambda_timeout_seconds
  reserved_concurrency       = var.lambda_reserved_concurrency
  tracing_enabled            = var.tracing_enabled
  environment_variables      = local.api_environment_variables
  kms_key_arns               = [module.tables.kms_key_arn]
  kms_key_settings           = var.kms_key_settings
  tags                       = local.tags
  # Exactly the service's tables and index: the items API reads and writes items and its idempotency records.
  policy_statements = concat(
    [{
      sid = "ItemsTableReadWrite"
      actions = [
        "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem",
        "dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem",
      ]
      resources = [module.tables.table_arns["items"]]
    }],
    # Only while the schema declares an index: IAM refuses a statement without resources.
    [for arns in [module.tables.index_arns] : { sid = "ItemsIndexQuery", actions = ["dynamodb:Query"], resources = arns } if length(arns) > 0],
    [{
      sid       = "IdempotencyRecords"
      actions   = ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
      resources = [module.tables.table_arns["idempotency"]]
    }],
  )
}

# The execution role used to be a module of its own (modules/iam); it now belongs to each function.
moved {
  from = module.execution_role.aws_iam_role.lambda_execution
  to   = module.function.aws_iam_role.execution
}

moved {
  from = module.execution_role.aws_iam_role_policy.lambda_execution
  to   = module.function.aws_iam_role_policy.execution
}

# The JWT authorizer (functions/authorizer) when the environment enables it: a second function from the same
# module, needing no data access. Terraform moves its alias (the deploy stage ships the items API only).
module "authorizer_function" {
  source = "../function"
  count  = var.authorizer == null ? 0 : 1

  function_name        = templatestring(local.contract.names.authorizer_function, local.name_values)
  description          = "JWT authorizer of the items API (${var.environment})"
  handler              = local.contract.artifacts.authorizer.handler
  artifact_path        = var.authorizer_artifact_path
  artifact_bucket      = module.artifacts.bucket_name
  artifact_key_prefix  = "functions/authorizer"
  runtime              = local.platform.lambda_runtime
  architecture         = local.platform.lambda_architecture
  memory_size          = 256
  timeout_seconds      = 5
  reserved_concurrency = -1 # cached decisions make it rare; reserving would eat a small account's quota
  tracing_enabled      = var.tracing_enabled
  alias_moved_by       = "terraform"
  kms_key_settings     = var.kms_key_settings
  tags                 = local.tags
  environment_variables = {
    JWT_ISSUER           = var.authorizer.issuer
    JWT_AUDIENCE         = var.authorizer.audience
    JWT_JWKS             = jsonencode(jsondecode(var.authorizer.jwks)) # minified: Lambda caps env vars at 4 KB
    JWT_ALGORITHMS       = join(",", var.authorizer.algorithms)
    POWERTOOLS_LOG_LEVEL = var.log_level
  }
}

module "api" {
  source = "../api_gateway"

  api_name                = local.function_name
  stage_name              = var.environment
  item_schema_path        = "${local.schema_dir}/item.schema.json"
  lambda_function_name    = module.function.function_name
  lambda_alias_name       = module.function.alias_name
  lambda_alias_invoke_arn = module.function.alias_invoke_arn
  cors_allowed_origins    = var.cors_allowed_origins
  throttling_rate_limit   = var.api_throttling_rate_limit
  throttling_burst_limit  = var.api_throttling_burst_limit
  xray_tracing_enabled    = var.tracing_enabled
  execution_logging_level = var.api_execution_logging_level
  authorizer = var.authorizer == null ? null : {
    function_name      = module.authorizer_function[0].function_name
    alias_name         = module.authorizer_function[0].alias_name
    invoke_arn         = module.authorizer_function[0].alias_invoke_arn
    result_ttl_seconds = var.authorizer.result_ttl_seconds
  }
  kms_key_settings = var.kms_key_settings
  tags             = local.tags
}

module "monitoring" {
  source = "../monitoring"

  name_prefix                      = local.name_prefix
  function_name                    = module.function.function_name
  api_name                         = module.api.rest_api_name
  stage_name                       = module.api.stage_name
  table_names                      = [for key in ["items", "idempotency"] : module.tables.table_names[key]]
  alarm_email                      = var.alarm_email
  lambda_error_threshold           = var.alarm_thresholds.lambda_errors
  lambda_throttle_threshold        = var.alarm_thresholds.lambda_throttles
  lambda_duration_p99_threshold_ms = var.alarm_thresholds.lambda_duration_p99_ms
  api_5xx_threshold                = var.alarm_thresholds.api_5xx
  api_latency_p99_threshold_ms     = var.alarm_thresholds.api_latency_p99_ms
  dynamodb_throttle_threshold      = var.alarm_thresholds.dynamodb_throttles
  kms_key_settings                 = var.kms_key_settings
  tags                             = local.tags
}

# Deployment events: the apply and deploy stages each write one structured line here (who, what, which
# versions, the result), on success and on failure (ci/steps/deployment_event.py), so "what changed when"
# has an answer in the account itself, not only in CI logs.
locals {
  deployment_log_group = templatestring(local.contract.names.deployment_log_group, local.name_values)
}

module "deployments_key" {
  source = "../kms_key"

  description     = "${local.name_prefix} deployment events"
  alias           = "${local.name_prefix}-deployments"
  settings        = var.kms_key_settings
  tags            = local.tags
  log_group_grant = { sid = "CloudWatchLogsEncryptsDeploymentEvents", log_group_name = local.deployment_log_group }
}

resource "aws_cloudwatch_log_group" "deployments" {
  #checkov:skip=CKV_AWS_338:Deployment events are kept 30 days (issue 10); the audit trail of record is CloudTrail and the organisation log archive.
  name              = local.deployment_log_group
  retention_in_days = 30
  kms_key_id        = module.deployments_key.arn
  tags              = local.tags
}
