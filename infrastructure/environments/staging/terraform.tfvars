# env staging: production-shaped (protection on, INFO logs), smaller limits.
lambda_runtime              = "python3.13"
lambda_architecture         = "arm64"
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
