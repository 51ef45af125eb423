variable "api_name" {
  description = "Name of the REST API (items-service-<env>-api); also names the access log group."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,100}$", var.api_name))
    error_message = "api_name must be 1-100 letters, digits, hyphens or underscores."
  }
}

variable "stage_name" {
  description = "Stage name (the environment name)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_]{1,128}$", var.stage_name))
    error_message = "stage_name must be letters, digits or underscores."
  }
}

variable "item_schema_path" {
  description = "Path of data/schemas/item.schema.json; its definitions become the request models."
  type        = string

  validation {
    condition     = can(jsondecode(file(var.item_schema_path)).definitions.ItemCreate)
    error_message = "item_schema_path must name the item JSON schema with definitions.ItemCreate and ItemUpdate."
  }
}

variable "lambda_function_name" {
  description = "Name of the function the API proxies to."
  type        = string
}

variable "lambda_alias_name" {
  description = "Alias the API invokes (live)."
  type        = string
  default     = "live"
}

variable "lambda_alias_invoke_arn" {
  description = "Invoke ARN of the function's live alias."
  type        = string
}

variable "cors_allowed_origins" {
  description = "Origins echoed in Access-Control-Allow-Origin on preflight."
  type        = list(string)

  validation {
    condition     = alltrue([for origin in var.cors_allowed_origins : can(regex("^https?://[^/,\"\\s]+$", origin))])
    error_message = "cors_allowed_origins must be origins like https://app.example.com."
  }
}

variable "throttling_rate_limit" {
  description = "Steady-state requests per second across the stage."
  type        = number

  validation {
    condition     = var.throttling_rate_limit > 0 && var.throttling_rate_limit <= 10000
    error_message = "throttling_rate_limit must be between 0 (exclusive) and 10000."
  }
}

variable "throttling_burst_limit" {
  description = "Burst capacity across the stage."
  type        = number

  validation {
    condition     = var.throttling_burst_limit >= 1 && var.throttling_burst_limit <= 5000
    error_message = "throttling_burst_limit must be between 1 and 5000."
  }
}

variable "xray_tracing_enabled" {
  description = "X-Ray tracing on the stage."
  type        = bool
  default     = true
}

variable "execution_logging_level" {
  description = "Execution logging level (needs the account's CloudWatch role from global/)."
  type        = string
  default     = "ERROR"

  validation {
    condition     = contains(["OFF", "ERROR", "INFO"], var.execution_logging_level)
    error_message = "execution_logging_level must be OFF, ERROR or INFO."
  }
}

variable "log_retention_days" {
  description = "Retention of the access log group."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (e.g. 30)."
  }
}

variable "authorizer" {
  description = "Optional JWT (Lambda TOKEN) authorizer: functions/authorizer's name, alias and the alias's invoke ARN. null = public API."
  type = object({
    function_name      = string
    alias_name         = optional(string)
    invoke_arn         = string
    result_ttl_seconds = optional(number, 300)
  })
  default = null
}

variable "kms_key_settings" {
  description = "The access-log KMS key's settings, passed to modules/kms_key as `settings` (deletion window, rotation, tags), which types and validates them."
  type        = any
  default     = {}
  nullable    = false
}

variable "tags" {
  description = "Tags applied to every resource (the environment's one tag map)."
  type        = map(string)
  default     = {}
}
