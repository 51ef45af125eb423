# env prod: the strictest alarms and the highest limits; set alarm_email to receive alarms.
lambda_runtime              = "python3.13"
lambda_architecture         = "arm64"
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
