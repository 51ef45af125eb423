variable "function_name" {
  description = "Name of the function (items-service-<env>-api)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 letters, digits, hyphens or underscores."
  }
}

variable "environment" {
  description = "Deployment environment, passed to the function as ENVIRONMENT (the composition checks it against data/contract.json)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*$", var.environment))
    error_message = "environment must be a lowercase name such as dev."
  }
}

variable "role_arn" {
  description = "ARN of the execution role (modules/iam)."
  type        = string
}

variable "artifact_path" {
  description = "Local path of the deployment zip (build/dist/api_handler.zip)."
  type        = string

  validation {
    condition     = fileexists(var.artifact_path)
    error_message = "artifact_path names no file: build the zip first (python -m ci run package -> build/dist/api_handler.zip)."
  }
}

variable "artifact_bucket" {
  description = "Bucket the zip is uploaded to (modules/s3)."
  type        = string
}

variable "artifact_key_prefix" {
  description = "Key prefix of the content-addressed artifact; the key is <prefix>/<sha256 hex>.zip."
  type        = string
  default     = "functions/api_handler"

  validation {
    condition     = can(regex("^[A-Za-z0-9_./-]+[^/]$", var.artifact_key_prefix))
    error_message = "artifact_key_prefix must be a key prefix without a trailing slash."
  }
}

variable "handler" {
  description = "Entry point inside the zip."
  type        = string
  default     = "api_handler.handler.lambda_handler"
}

variable "runtime" {
  description = "Lambda Python runtime."
  type        = string
  default     = "python3.13"

  validation {
    condition     = contains(["python3.11", "python3.12", "python3.13"], var.runtime)
    error_message = "runtime must be a supported Python runtime: python3.11, python3.12 or python3.13."
  }
}

variable "architecture" {
  description = "Instruction set (arm64 is cheaper per GB-second; the zip is pure Python and fits both)."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "memory_size" {
  description = "Memory in MB (CPU scales with it)."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be between 128 and 10240 MB."
  }
}

variable "timeout_seconds" {
  description = "Function timeout; keep below API Gateway's 29 s integration timeout."
  type        = number
  default     = 10

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 29
    error_message = "timeout_seconds must be between 1 and 29 (API Gateway's integration limit)."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions (caps cost and protects DynamoDB); -1 leaves it unreserved."
  type        = number
  default     = 10

  validation {
    condition     = var.reserved_concurrency == -1 || var.reserved_concurrency >= 1
    error_message = "reserved_concurrency must be -1 (unreserved) or at least 1."
  }
}

variable "tracing_enabled" {
  description = "X-Ray active tracing (also sets POWERTOOLS_TRACE_DISABLED accordingly)."
  type        = bool
  default     = true
}

variable "log_level" {
  description = "POWERTOOLS_LOG_LEVEL."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's log group."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (e.g. 30)."
  }
}

variable "items_table_name" {
  description = "ITEMS_TABLE_NAME."
  type        = string
}

variable "idempotency_table_name" {
  description = "IDEMPOTENCY_TABLE_NAME."
  type        = string
}

variable "cors_allowed_origins" {
  description = "Origins allowed by CORS (CORS_ALLOWED_ORIGINS, comma-joined)."
  type        = list(string)

  validation {
    condition     = alltrue([for origin in var.cors_allowed_origins : can(regex("^https?://[^/,\\s]+$", origin))])
    error_message = "cors_allowed_origins must be origins like https://app.example.com (scheme + host[:port], no path)."
  }
}

variable "idempotency_ttl_seconds" {
  description = "IDEMPOTENCY_TTL_SECONDS: how long a POST's Idempotency-Key is remembered."
  type        = number
  default     = 3600

  validation {
    condition     = var.idempotency_ttl_seconds >= 60
    error_message = "idempotency_ttl_seconds must be at least 60."
  }
}

variable "alias_name" {
  description = "Alias API Gateway invokes and the deploy stage moves."
  type        = string
  default     = "live"
}

variable "kms_deletion_window_days" {
  description = "Waiting period before the function's KMS key is deleted after a destroy (7-30 days; modules/kms_key checks it)."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags applied to every resource (the environment's one tag map)."
  type        = map(string)
  default     = {}
}
