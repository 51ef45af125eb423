# What makes this root "prod" beyond terraform.tfvars; ../_shared/main.tf composes the service from it.
locals {
  environment = "prod"

  # Long-lived environment: tables are protected, buckets must be emptied by hand, keys get the longest window.
  deletion_protection_enabled = true
  force_destroy_buckets       = false
  kms_deletion_window_days    = 30
}
