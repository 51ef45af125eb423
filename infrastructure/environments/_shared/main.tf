# The one composition every environment deploys. Shared by symlink; what differs per environment is in its own
# environment.tf (name and teardown settings) and terraform.tfvars (sizes, throttling, thresholds).
module "service" {
  source = "../../modules/items_service"

  environment                   = local.environment
  lambda_artifact_path          = var.lambda_artifact_path
  items_table_schema_path       = "${path.module}/../../../data/schemas/items_table.json"
  idempotency_table_schema_path = "${path.module}/../../../data/schemas/idempotency_table.json"
  item_schema_path              = "${path.module}/../../../data/schemas/item.schema.json"

  lambda_runtime              = var.lambda_runtime
  lambda_architecture         = var.lambda_architecture
  lambda_memory_size          = var.lambda_memory_size
  lambda_reserved_concurrency = var.lambda_reserved_concurrency
  log_level                   = var.log_level
  tracing_enabled             = var.tracing_enabled
  cors_allowed_origins        = var.cors_allowed_origins
  api_throttling_rate_limit   = var.api_throttling_rate_limit
  api_throttling_burst_limit  = var.api_throttling_burst_limit
  api_execution_logging_level = var.api_execution_logging_level
  alarm_thresholds            = var.alarm_thresholds
  alarm_email                 = var.alarm_email
  jwt_authorizer              = var.jwt_authorizer

  s3_tls_only_policy_enabled         = var.s3_tls_only_policy_enabled
  s3_lifecycle_configuration_enabled = var.s3_lifecycle_configuration_enabled

  deletion_protection_enabled = local.deletion_protection_enabled
  force_destroy_buckets       = local.force_destroy_buckets
  kms_deletion_window_days    = local.kms_deletion_window_days
}
