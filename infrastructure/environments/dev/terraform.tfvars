# env dev: cheap, verbose, torn down freely (no deletion protection, buckets force-destroyed).
lambda_runtime              = "python3.13"
lambda_architecture         = "arm64"
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
