variable "bucket_name" {
  description = "Name of the bucket (globally unique; include the account id)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)."
  }
}

variable "access_log_bucket_name" {
  description = "Name of the companion bucket receiving the server access logs."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.access_log_bucket_name))
    error_message = "access_log_bucket_name must be a valid S3 bucket name."
  }
}

variable "force_destroy" {
  description = "Let destroy delete non-empty buckets (true only for throw-away environments)."
  type        = bool
  default     = false
}

variable "noncurrent_version_expiration_days" {
  description = "Days a replaced object version is kept (rollback window for artifacts, history for state)."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "access_log_expiration_days" {
  description = "Days server access logs are kept."
  type        = number
  default     = 365

  validation {
    condition     = var.access_log_expiration_days >= 1
    error_message = "access_log_expiration_days must be at least 1."
  }
}

variable "kms_key_settings" {
  description = "The bucket's KMS key's settings, passed to modules/kms_key as `settings` (deletion window, rotation, tags), which types and validates them."
  type        = any
  default     = {}
  nullable    = false
}

variable "tags" {
  description = "Tags applied to every resource (the environment's one tag map)."
  type        = map(string)
  default     = {}
}

variable "tls_only_policy_enabled" {
  description = "Attach the bucket policy denying every request not made over TLS. On for real AWS; off only for an emulator served over plain HTTP that ignores policy conditions (moto denies everything)."
  type        = bool
  default     = true
}

variable "lifecycle_configuration_enabled" {
  description = "Manage the lifecycle rules. On for real AWS; off only for an emulator, where the AWS provider's fixed wait after writing them (10 s, then 10 identical reads 5 s apart: about 55 s per apply) buys nothing, as moto never expires objects."
  type        = bool
  default     = true
}
