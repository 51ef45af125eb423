locals {
  # Beside the variable it checks: the contract also lists the environments (a validation may read it).
  contract_path = "${path.module}/../../../data/contract.json"
}

variable "environment" {
  description = "Environment name, one of data/contract.json's environments; it names every resource (<project>-<environment>-…)."
  type        = string

  validation {
    condition     = contains(keys(jsondecode(file(local.contract_path)).environments), var.environment)
    error_message = "environment must be one of the environments in data/contract.json."
  }
}

variable "lambda_artifact_path" {
  description = "Path of build/dist/api_handler.zip (the package stage's output)."
  type        = string
}

variable "authorizer_artifact_path" {
  description = "Path of build/dist/authorizer.zip (the package stage's output); used only when authorizer is set."
  type        = string
  default     = null
}

variable "lambda_memory_size" {
  description = "Function memory in MB."
  type        = number
  default     = 256
}

variable "lambda_timeout_seconds" {
  description = "Function timeout in seconds (< 29)."
  type        = number
  default     = 10
}

variable "lambda_reserved_concurrency" {
  description = "Reserved concurrency; -1 = unreserved (needed on accounts whose concurrency quota is still 10)."
  type        = number
  default     = 10
}

variable "log_level" {
  description = "POWERTOOLS_LOG_LEVEL."
  type        = string
  default     = "INFO"
}

variable "tracing_enabled" {
  description = "X-Ray tracing on the function and the API stage."
  type        = bool
  default     = true
}

variable "cors_allowed_origins" {
  description = "CORS allowlist (origins)."
  type        = list(string)
}

variable "idempotency_ttl_seconds" {
  description = "How long an Idempotency-Key is remembered."
  type        = number
  default     = 3600
}

variable "api_throttling_rate_limit" {
  description = "Stage steady-state requests per second."
  type        = number
}

variable "api_throttling_burst_limit" {
  description = "Stage burst capacity."
  type        = number
}

variable "api_execution_logging_level" {
  description = "API Gateway execution logging level (OFF, ERROR, INFO)."
  type        = string
  default     = "ERROR"
}

variable "authorizer" {
  description = "JWT authorizer in front of every /items method (functions/authorizer, deployed by this module): the issuer and audience tokens must carry and the keys that sign them (a JWKS document). null = public API."
  type = object({
    issuer             = string
    audience           = string
    jwks               = string
    algorithms         = optional(list(string), ["RS256"])
    result_ttl_seconds = optional(number, 300)
  })
  default = null

  validation {
    condition     = var.authorizer == null || can(jsondecode(var.authorizer.jwks).keys[0])
    error_message = "authorizer.jwks must be a JWKS document ({\"keys\": [...]}) with at least one key."
  }

  # Lambda allows 4 KB for all of a function's environment variables; the JWKS travels in one of them.
  validation {
    condition     = var.authorizer == null || try(length(jsonencode(jsondecode(var.authorizer.jwks))) <= 3072, true)
    error_message = "authorizer.jwks is over 3 KB once minified (Lambda's environment is 4 KB in all): keep only the signing keys, without x5c certificate chains."
  }
}

variable "deletion_protection_enabled" {
  description = "DynamoDB deletion protection."
  type        = bool
  default     = true
}

variable "s3_tls_only_policy_enabled" {
  description = "Attach the TLS-only bucket policies. Off only for an emulator served over plain HTTP."
  type        = bool
  default     = true
}

variable "s3_lifecycle_configuration_enabled" {
  description = "Manage the artifact and access-log buckets' lifecycle rules. Off only for an emulator (the provider waits about 55 s after writing them; moto never expires objects)."
  type        = bool
  default     = true
}

variable "force_destroy_buckets" {
  description = "Let destroy empty the artifact and log buckets (throw-away environments only)."
  type        = bool
  default     = false
}

variable "artifact_noncurrent_version_expiration_days" {
  description = "Days replaced artifact versions are kept."
  type        = number
  default     = 90
}

variable "kms_key_settings" {
  description = "Settings of every KMS key of the service (modules/kms_key): deletion window after a destroy (7-30 days); rotation and tags stay on except against an emulator, where the AWS provider's waits for them cost about 8 s per apply."
  type = object({
    deletion_window_days = optional(number, 30)
    rotation_enabled     = optional(bool, true)
    tagged               = optional(bool, true)
  })
  default  = {}
  nullable = false
}

variable "alarm_email" {
  description = "Optional e-mail subscribed to alarms."
  type        = string
  default     = null
}

variable "alarm_thresholds" {
  description = "Alarm thresholds per environment."
  type = object({
    lambda_errors          = number
    lambda_throttles       = number
    lambda_duration_p99_ms = number
    api_5xx                = number
    api_latency_p99_ms     = number
    dynamodb_throttles     = number
  })
  default = {
    lambda_errors          = 1
    lambda_throttles       = 1
    lambda_duration_p99_ms = 3000
    api_5xx                = 1
    api_latency_p99_ms     = 1000
    dynamodb_throttles     = 1
  }
}

variable "tags" {
  description = "Extra tags merged into the one tag map (Project, Environment, ManagedBy are always set)."
  type        = map(string)
  default     = {}
}
