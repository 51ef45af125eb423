variable "name_prefix" {
  description = "Prefix of every name (items-service-<env>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,40}$", var.name_prefix))
    error_message = "name_prefix must be 3-41 lowercase letters, digits or hyphens."
  }
}

variable "function_name" {
  description = "Function whose errors, throttles and duration are watched."
  type        = string
}

variable "api_name" {
  description = "REST API name (ApiName dimension)."
  type        = string
}

variable "stage_name" {
  description = "Stage name (Stage dimension)."
  type        = string
}

variable "table_names" {
  description = "DynamoDB tables whose throttle events are watched."
  type        = list(string)
}

variable "alarm_email" {
  description = "Optional address subscribed to the alarm topic (confirm the subscription mail). null = none."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an e-mail address or null."
  }
}

variable "lambda_error_threshold" {
  description = "Function errors per 5 minutes that raise the alarm."
  type        = number
  default     = 1

  validation {
    condition     = var.lambda_error_threshold >= 1
    error_message = "lambda_error_threshold must be at least 1."
  }
}

variable "lambda_throttle_threshold" {
  description = "Throttled invocations per 5 minutes that raise the alarm."
  type        = number
  default     = 1

  validation {
    condition     = var.lambda_throttle_threshold >= 1
    error_message = "lambda_throttle_threshold must be at least 1."
  }
}

variable "lambda_duration_p99_threshold_ms" {
  description = "p99 duration (ms) above which the alarm fires (set below the function timeout)."
  type        = number
  default     = 3000

  validation {
    condition     = var.lambda_duration_p99_threshold_ms > 0
    error_message = "lambda_duration_p99_threshold_ms must be positive."
  }
}

variable "api_5xx_threshold" {
  description = "API 5XX responses per 5 minutes that raise the alarm."
  type        = number
  default     = 1

  validation {
    condition     = var.api_5xx_threshold >= 1
    error_message = "api_5xx_threshold must be at least 1."
  }
}

variable "api_latency_p99_threshold_ms" {
  description = "p99 API latency (ms) above which the alarm fires."
  type        = number
  default     = 1000

  validation {
    condition     = var.api_latency_p99_threshold_ms > 0
    error_message = "api_latency_p99_threshold_ms must be positive."
  }
}

variable "dynamodb_throttle_threshold" {
  description = "Read or write throttle events per 5 minutes (per table) that raise the alarm."
  type        = number
  default     = 1

  validation {
    condition     = var.dynamodb_throttle_threshold >= 1
    error_message = "dynamodb_throttle_threshold must be at least 1."
  }
}

variable "kms_key_settings" {
  description = "The topic's KMS key's settings, passed to modules/kms_key as `settings` (deletion window, rotation, tags), which types and validates them."
  type        = any
  default     = {}
  nullable    = false
}

variable "tags" {
  description = "Tags applied to every resource (the environment's one tag map)."
  type        = map(string)
  default     = {}
}
