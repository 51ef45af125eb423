variable "aws_region" {
  description = "Region of the state bucket, lock table and API Gateway account setting."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must look like us-east-1."
  }
}

variable "name_prefix" {
  description = "Prefix of the shared resources (state bucket <prefix>-tfstate-<account>, lock table <prefix>-terraform-locks). Default: the project in data/contract.json."
  type        = string
  default     = null

  validation {
    condition     = var.name_prefix == null || can(regex("^[a-z][a-z0-9-]{2,30}$", var.name_prefix))
    error_message = "name_prefix must be 3-31 lowercase letters, digits or hyphens."
  }
}

variable "project_tag" {
  description = "Project tag value (the OIDC roles reach KMS keys by this tag). Default: the project in data/contract.json."
  type        = string
  default     = null
}

variable "state_version_retention_days" {
  description = "Days old state versions are kept (the undo history of every environment)."
  type        = number
  default     = 365

  validation {
    condition     = var.state_version_retention_days >= 30
    error_message = "state_version_retention_days must be at least 30."
  }
}

variable "tags" {
  description = "Extra tags for the shared resources."
  type        = map(string)
  default     = {}
}

# --- emulator toggle: on for real AWS; only the deployment rehearsal's emulator turns it off ------------------

variable "s3_tls_only_policy_enabled" {
  description = "Bucket policies denying requests not made over TLS (moto, served over plain HTTP, cannot honour them)."
  type        = bool
  default     = true
}
