variable "function_name" {
  description = "Name of the function (data/contract.json names them: <project>-<env>-api, -authorizer)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 letters, digits, hyphens or underscores."
  }
}

variable "artifact_path" {
  description = "Local path of the deployment zip (build/dist/<function>.zip from the package stage)."
  type        = string

  validation {
    condition     = fileexists(var.artifact_path)
    error_message = "artifact_path names no file: build the zips first (python -m ci run package -> build/dist/)."
  }
}

variable "artifact_bucket" {
  description = "Bucket the zip is uploaded to (modules/s3)."
  type        = string
}

variable "artifact_key_prefix" {
  description = "Key prefix of the content-addressed artifact; the key is <prefix>/<sha256 hex>.zip."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_./-]+[^/]$", var.artifact_key_prefix))
    error_message = "artifact_key_prefix must be a key prefix without a trailing slash."
  }
}

variable "handler" {
  description = "Entry point inside the zip (module.function)."
  type        = string
}

variable "description" {
  description = "Description of the function shown in the console."
  type        = string
}

variable "execution_role_description" {
  description = "Description of the execution role; null = a generic one. (Changing it updates the role in place, which needs iam:UpdateRoleDescription.)"
  type        = string
  default     = null
}

variable "environment_variables" {
  description = "Environment variables of the function (encrypted with its key)."
  type        = map(string)
  default     = {}
}

variable "policy_statements" {
  description = "Access the function needs beyond its own log group and key (e.g. its tables), one IAM statement each."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  default = []

  validation {
    condition     = alltrue([for statement in var.policy_statements : alltrue([for action in statement.actions : !strcontains(action, "*")])])
    error_message = "policy_statements must name actions, not wildcards."
  }
}

variable "kms_key_arns" {
  description = "Other customer-managed keys the function decrypts or encrypts with (e.g. its tables' key)."
  type        = list(string)
  default     = []
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
  description = "X-Ray active tracing (grants trace upload to the role)."
  type        = bool
  default     = true
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

variable "alias_name" {
  description = "Alias API Gateway invokes."
  type        = string
  default     = "live"
}

variable "alias_moved_by" {
  description = "Who points the alias at a new version: deploy-stage (the pipeline's deploy stage and rollback; Terraform only creates it) or terraform (each apply)."
  type        = string
  default     = "deploy-stage"

  validation {
    condition     = contains(["deploy-stage", "terraform"], var.alias_moved_by)
    error_message = "alias_moved_by must be deploy-stage or terraform."
  }
}

variable "kms_key_settings" {
  description = "The function's KMS key's settings, passed to modules/kms_key as `settings` (deletion window, rotation, tags), which types and validates them."
  type        = any
  default     = {}
  nullable    = false
}

variable "tags" {
  description = "Tags applied to every resource (the environment's one tag map)."
  type        = map(string)
  default     = {}
}
