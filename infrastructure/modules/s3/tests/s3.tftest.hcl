mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  bucket_name            = "items-service-test-artifacts-123456789012"
  access_log_bucket_name = "items-service-test-access-logs-123456789012"
}

run "bucket_is_private_versioned_kms_encrypted_logged_and_tls_only" {
  command = apply

  assert {
    condition     = aws_s3_bucket_versioning.this.versioning_configuration[0].status == "Enabled"
    error_message = "Versioning must be on."
  }

  assert {
    condition = (
      one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms" &&
      one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default[0].kms_master_key_id == module.bucket_key.arn &&
      module.bucket_key.rotation_enabled
    )
    error_message = "Objects must be encrypted with the bucket's rotating CMK."
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.this.block_public_acls,
      aws_s3_bucket_public_access_block.this.block_public_policy,
      aws_s3_bucket_public_access_block.this.ignore_public_acls,
      aws_s3_bucket_public_access_block.this.restrict_public_buckets,
    ])
    error_message = "All public access must be blocked."
  }

  assert {
    condition     = jsondecode(aws_s3_bucket_policy.this[0].policy).Statement[0].Effect == "Deny" && jsondecode(aws_s3_bucket_policy.this[0].policy).Statement[0].Condition.Bool["aws:SecureTransport"] == "false"
    error_message = "Requests without TLS must be denied."
  }

  assert {
    condition     = aws_s3_bucket_logging.this.target_bucket == aws_s3_bucket.access_logs.id
    error_message = "Server access logs must go to the companion bucket."
  }

  assert {
    condition     = one(aws_s3_bucket_lifecycle_configuration.this[0].rule).noncurrent_version_expiration[0].noncurrent_days == 90 && one(aws_s3_bucket_lifecycle_configuration.this[0].rule).abort_incomplete_multipart_upload[0].days_after_initiation == 7
    error_message = "Old versions and abandoned uploads must expire."
  }

  assert {
    condition     = !aws_s3_bucket.this.force_destroy
    error_message = "Buckets must not be force-destroyed by default."
  }
}

run "tls_only_policy_can_be_switched_off_for_a_plain_http_emulator" {
  command = plan

  variables {
    tls_only_policy_enabled = false
  }

  assert {
    condition     = length(aws_s3_bucket_policy.this) == 0
    error_message = "The toggle must remove the TLS-only statement."
  }
}

run "invalid_bucket_names_are_rejected" {
  command = plan

  variables {
    bucket_name = "Not_A_Bucket"
  }

  expect_failures = [var.bucket_name]
}
