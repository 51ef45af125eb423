# env staging: prod's shape at a smaller size; long-lived (protected tables, buckets emptied by hand).
# Everything that makes this environment what it is, in one module call; names, runtime and architecture
# come from data/contract.json, the shape from modules/items_service.
module "service" {
  source = "../../modules/items_service"

  environment              = "staging"
  lambda_artifact_path     = var.lambda_artifact_path
  authorizer_artifact_path = var.authorizer_artifact_path

  lambda_memory_size          = 512
  lambda_reserved_concurrency = 20
  log_level                   = "INFO"
  tracing_enabled             = true
  cors_allowed_origins        = ["https://staging.items.example.com"]
  api_throttling_rate_limit   = 50
  api_throttling_burst_limit  = 100
  api_execution_logging_level = "ERROR"

  alarm_thresholds = {
    lambda_errors          = 3
    lambda_throttles       = 3
    lambda_duration_p99_ms = 3000
    api_5xx                = 3
    api_latency_p99_ms     = 1500
    dynamodb_throttles     = 3
  }

  # Long-lived environment: tables are protected, buckets must be emptied by hand, keys get the longest window.
  deletion_protection_enabled = true
  force_destroy_buckets       = false
  kms_key_settings            = { deletion_window_days = 30 }

  # Public API. To require JWTs from your identity provider (functions/authorizer, docs/API.md):
  #   authorizer = { issuer = "https://idp.example.com/", audience = "items-api", jwks = file("${path.module}/jwks.json") }
  authorizer = null
}
