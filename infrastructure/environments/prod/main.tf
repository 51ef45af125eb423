# env prod: sized for traffic, quiet logs, protected data.
# Everything that makes this environment what it is, in one module call; names, runtime and architecture
# come from data/contract.json, the shape from modules/items_service.
module "service" {
  source = "../../modules/items_service"

  environment              = "prod"
  lambda_artifact_path     = var.lambda_artifact_path
  authorizer_artifact_path = var.authorizer_artifact_path

  lambda_memory_size          = 1024
  lambda_reserved_concurrency = 100
  log_level                   = "WARNING"
  tracing_enabled             = true
  cors_allowed_origins        = ["https://items.example.com"]
  api_throttling_rate_limit   = 200
  api_throttling_burst_limit  = 400
  api_execution_logging_level = "ERROR"

  alarm_thresholds = {
    lambda_errors          = 1
    lambda_throttles       = 1
    lambda_duration_p99_ms = 2000
    api_5xx                = 1
    api_latency_p99_ms     = 1000
    dynamodb_throttles     = 1
  }

  # Long-lived environment: tables are protected, buckets must be emptied by hand, keys get the longest window.
  deletion_protection_enabled = true
  force_destroy_buckets       = false
  kms_key_settings            = { deletion_window_days = 30 }

  # Public API. To require JWTs from your identity provider (functions/authorizer, docs/API.md):
  #   authorizer = { issuer = "https://idp.example.com/", audience = "items-api", jwks = file("${path.module}/jwks.json") }
  authorizer = null
}
