mock_provider "aws" {
  source = "../tests/mocks"
}

run "state_backend_is_encrypted_versioned_and_locked" {
  command = apply

  assert {
    condition     = aws_dynamodb_table.locks.hash_key == "LockID" && one(aws_dynamodb_table.locks.attribute).type == "S"
    error_message = "The lock table must be keyed on LockID (string), as the S3 backend expects."
  }

  assert {
    condition     = aws_dynamodb_table.locks.point_in_time_recovery[0].enabled && aws_dynamodb_table.locks.server_side_encryption[0].kms_key_arn == module.locks_key.arn
    error_message = "The lock table must have PITR and a CMK."
  }

  assert {
    condition     = module.state_bucket.bucket_name == "items-service-tfstate-123456789012"
    error_message = "The state bucket must be items-service-tfstate-<account>."
  }

  assert {
    condition     = aws_api_gateway_account.this.cloudwatch_role_arn == aws_iam_role.apigateway_cloudwatch.arn && jsondecode(aws_iam_role.apigateway_cloudwatch.assume_role_policy).Statement[0].Principal.Service == "apigateway.amazonaws.com"
    error_message = "API Gateway's account setting must use the CloudWatch role."
  }
}
