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

variable "settings" {
  description = "deletion_window_days: waiting period before the key is deleted after a destroy (7-30 days). rotation_enabled and tagged stay true except against an emulator (env local): the AWS provider reads each back until it is stable 5 times, 1 s apart (about 4 s each)."
  type = object({
    deletion_window_days = optional(number, 30)
    rotation_enabled     = optional(bool, true)
    tagged               = optional(bool, true)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.settings.deletion_window_days >= 7 && var.settings.deletion_window_days <= 30
    error_message = "settings.deletion_window_days must be between 7 and 30."
  }
}

variable "tags" {
  description = "Tags applied to the key (unless settings.tagged is false)."
  type        = map(string)
  default     = {}
}
