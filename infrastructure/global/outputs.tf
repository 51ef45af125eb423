output "state_bucket" {
  description = "Terraform state bucket (pass as -backend-config=\"bucket=…\" to the environments)."
  value       = module.state_bucket.bucket_name
}

output "state_kms_key_arn" {
  description = "Default encryption key of the state bucket. The environments' backends write state with SSE-S3 (encrypt = true); see bootstrap/policies/README.md to use this key instead."
  value       = module.state_bucket.kms_key_arn
}

output "lock_table" {
  description = "DynamoDB table holding Terraform state locks (LockID)."
  value       = aws_dynamodb_table.locks.name
}

output "apigateway_cloudwatch_role_arn" {
  description = "Role API Gateway uses to write execution logs (account setting)."
  value       = aws_iam_role.apigateway_cloudwatch.arn
}

output "backend_init_command" {
  description = "How an environment initialises its backend against this state bucket."
  value       = "terraform init -backend-config=\"bucket=${module.state_bucket.bucket_name}\""
}
