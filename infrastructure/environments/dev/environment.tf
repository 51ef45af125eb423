# What makes this root "dev" beyond terraform.tfvars; ../_shared/main.tf composes the service from it.
locals {
  environment = "dev"

  # Throw-away environment: destroy must succeed without manual emptying or unprotecting.
  deletion_protection_enabled = false
  force_destroy_buckets       = true
  kms_deletion_window_days    = 7
}
