variable "name_prefix" {
  description = "Prefix of every name, e.g. items-service-dev; tables are named <name_prefix>-<logicalName>."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,40}$", var.name_prefix))
    error_message = "name_prefix must be 3-41 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "items_table_schema_path" {
  description = "Path of data/schemas/items_table.json (keys, attributes, GSIs, TTL of the items table)."
  type        = string

  validation {
    condition     = can(jsondecode(file(var.items_table_schema_path)).partitionKey)
    error_message = "items_table_schema_path must name a readable JSON table schema with a partitionKey."
  }
}

variable "idempotency_table_schema_path" {
  description = "Path of data/schemas/idempotency_table.json (keys and TTL of the idempotency table)."
  type        = string

  validation {
    condition     = can(jsondecode(file(var.idempotency_table_schema_path)).partitionKey)
    error_message = "idempotency_table_schema_path must name a readable JSON table schema with a partitionKey."
  }
}

variable "point_in_time_recovery_enabled" {
  description = "Continuous backups (PITR). On everywhere; only an emulator without PITR support would turn it off."
  type        = bool
  default     = true
}

variable "deletion_protection_enabled" {
  description = "Refuse DeleteTable while on (on for staging/prod; off where environments are torn down)."
  type        = bool
  default     = true
}

variable "kms_key_settings" {
  description = "The tables' KMS key's settings, passed to modules/kms_key as `settings` (deletion window, rotation, tags), which types and validates them."
  type        = any
  default     = {}
  nullable    = false
}

variable "tags" {
  description = "Tags applied to every resource (the environment's one tag map)."
  type        = map(string)
  default     = {}
}
