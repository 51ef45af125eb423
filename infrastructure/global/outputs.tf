output "state_bucket" {
  description = "Terraform state bucket (pass as -backend-config=\"bucket=…\" to the environments)."
  value       = module.state_bucket.bucket_name
}

output "state_kms_key_arn" {
  description = "Key encrypting the state objects."
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
