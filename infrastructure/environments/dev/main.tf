# env dev: cheap, verbose, torn down freely (no deletion protection, buckets force-destroyed).
# Everything that makes this environment what it is, in one module call; names, runtime and architecture
# come from data/contract.json, the shape from modules/items_service.
module "service" {
  source = "../../modules/items_service"

  environment              = "dev"
  lambda_artifact_path     = var.lambda_artifact_path
  authorizer_artifact_path = var.authorizer_artifact_path

  lambda_memory_size          = 256
  lambda_reserved_concurrency = 5
  log_level                   = "DEBUG"
  tracing_enabled             = true
  cors_allowed_origins        = ["http://localhost:3000", "https://dev.items.example.com"]
  api_throttling_rate_limit   = 20
  api_throttling_burst_limit  = 40
  api_execution_logging_level = "INFO"

  alarm_thresholds = {
    lambda_errors          = 5
    lambda_throttles       = 5
    lambda_duration_p99_ms = 5000
    api_5xx                = 5
    api_latency_p99_ms     = 2000
    dynamodb_throttles     = 5
  }

  # Throw-away environment: destroy must succeed without manual emptying or unprotecting.
  deletion_protection_enabled = false
  force_destroy_buckets       = true
  kms_key_settings            = { deletion_window_days = 7 }

  # The deployment rehearsal (python -m ci rehearse) applies dev into an emulator serving plain HTTP.
  s3_tls_only_policy_enabled = var.s3_tls_only_policy_enabled

  # Public API. To require JWTs from your identity provider (functions/authorizer, docs/API.md):
  #   authorizer = { issuer = "https://idp.example.com/", audience = "items-api", jwks = file("${path.module}/jwks.json") }
  authorizer = null
}
