variable "role_name" {
  description = "Name of the Lambda execution role."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "role_name must be a valid IAM role name (1-64 characters)."
  }
}

variable "items_table_arn" {
  description = "ARN of the items table (read/write)."
  type        = string

  validation {
    condition     = can(regex("^arn:[^:]+:dynamodb:[^:]*:[0-9]{12}:table/[A-Za-z0-9_.-]+$", var.items_table_arn))
    error_message = "items_table_arn must be a DynamoDB table ARN."
  }
}

variable "items_index_arns" {
  description = "ARNs of the items table's global secondary indexes the function queries (e.g. status-index)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.items_index_arns : can(regex("^arn:[^:]+:dynamodb:.*:table/.+/index/.+$", arn))])
    error_message = "items_index_arns must hold DynamoDB index ARNs (…:table/<name>/index/<index>)."
  }
}

variable "idempotency_table_arn" {
  description = "ARN of the idempotency table."
  type        = string

  validation {
    condition     = can(regex("^arn:[^:]+:dynamodb:[^:]*:[0-9]{12}:table/[A-Za-z0-9_.-]+$", var.idempotency_table_arn))
    error_message = "idempotency_table_arn must be a DynamoDB table ARN."
  }
}

variable "log_group_arn" {
  description = "ARN of the function's log group (without the trailing :*)."
  type        = string

  validation {
    condition     = can(regex("^arn:[^:]+:logs:[^:]*:[0-9]{12}:log-group:[^*]+$", var.log_group_arn))
    error_message = "log_group_arn must be a CloudWatch Logs log-group ARN without wildcards."
  }
}

variable "kms_key_arns" {
  description = "ARNs of the customer-managed keys the function uses (tables, environment variables)."
  type        = list(string)

  validation {
    condition     = length(var.kms_key_arns) > 0 && alltrue([for arn in var.kms_key_arns : can(regex("^arn:[^:]+:kms:[^:]*:[0-9]{12}:key/.+$", arn))])
    error_message = "kms_key_arns must hold at least one KMS key ARN (no aliases, no wildcards)."
  }
}

variable "tracing_enabled" {
  description = "Grant X-Ray trace upload (needed when the function's active tracing is on)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags applied to every resource (the environment's one tag map)."
  type        = map(string)
  default     = {}
}
