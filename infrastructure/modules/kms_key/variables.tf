variable "description" {
  description = "What the key encrypts (the key's description)."
  type        = string
}

variable "alias" {
  description = "Alias name without the alias/ prefix."
  type        = string
}

variable "service_grants" {
  description = "AWS services allowed to use the key: statement Sid, service principal, KMS actions and an optional IAM condition block ({ operator = { key = value } })."
  type = list(object({
    sid       = string
    service   = string
    actions   = list(string)
    condition = optional(map(map(string)))
  }))
  default = []
}

variable "log_group_grant" {
  description = "Lets CloudWatch Logs use the key for this one log group only: statement Sid and log group name. null = no such grant."
  type = object({
    sid            = string
    log_group_name = string
  })
  default = null
}

variable "deletion_window_days" {
  description = "Waiting period before the key is deleted after a destroy (7-30 days)."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_days >= 7 && var.deletion_window_days <= 30
    error_message = "deletion_window_days must be between 7 and 30."
  }
}

variable "tags" {
  description = "Tags applied to the key."
  type        = map(string)
  default     = {}
}
