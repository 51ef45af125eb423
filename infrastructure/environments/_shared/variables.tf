variable "aws_region" {
  description = "AWS region of the stack."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must look like us-east-1."
  }
}

variable "lambda_artifact_path" {
  description = "Path of the deployment zip built by the package stage (relative to this directory or absolute)."
  type        = string
  default     = "../../../build/dist/api_handler.zip"
}

variable "lambda_runtime" {
  description = "Lambda Python runtime."
  type        = string
  default     = "python3.13"
}

variable "lambda_architecture" {
  description = "Lambda architecture (arm64 or x86_64)."
  type        = string
  default     = "arm64"
}

variable "lambda_memory_size" {
  description = "Function memory in MB."
  type        = number
  default     = 256
}

variable "lambda_reserved_concurrency" {
  description = "Reserved concurrency; -1 = unreserved (new accounts with a concurrency quota of 10 need -1)."
  type        = number
  default     = 10
}

variable "log_level" {
  description = "POWERTOOLS_LOG_LEVEL for the function."
  type        = string
  default     = "INFO"
}

variable "tracing_enabled" {
  description = "X-Ray tracing on the function and the API stage."
  type        = bool
  default     = true
}

variable "cors_allowed_origins" {
  description = "Origins allowed by CORS."
  type        = list(string)
}

variable "api_throttling_rate_limit" {
  description = "API stage steady-state requests per second."
  type        = number
}

variable "api_throttling_burst_limit" {
  description = "API stage burst capacity."
  type        = number
}

variable "api_execution_logging_level" {
  description = "API Gateway execution logging level (OFF, ERROR, INFO); needs global/'s account CloudWatch role."
  type        = string
  default     = "ERROR"
}

variable "alarm_email" {
  description = "Optional e-mail subscribed to the alarm topic."
  type        = string
  default     = null
}

variable "alarm_thresholds" {
  description = "Alarm thresholds for this environment."
  type = object({
    lambda_errors          = number
    lambda_throttles       = number
    lambda_duration_p99_ms = number
    api_5xx                = number
    api_latency_p99_ms     = number
    dynamodb_throttles     = number
  })
}

variable "jwt_authorizer" {
  description = "Optional JWT authorizer function (functions/authorizer deployed separately): name and invoke ARN. null = public API."
  type = object({
    function_name      = string
    invoke_arn         = string
    result_ttl_seconds = optional(number, 300)
  })
  default = null
}

# --- emulator toggle: on for real AWS; env local turns off only what moto cannot honour ----------------------

variable "s3_tls_only_policy_enabled" {
  description = "Bucket policies denying requests not made over TLS."
  type        = bool
  default     = true
}

variable "s3_lifecycle_configuration_enabled" {
  description = "S3 lifecycle rules (old artifact versions, access logs). Off only for an emulator."
  type        = bool
  default     = true
}
