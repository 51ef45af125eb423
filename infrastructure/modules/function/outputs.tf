output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "Unqualified ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "published_version" {
  description = "Version published by this apply."
  value       = aws_lambda_function.this.version
}

output "alias_name" {
  description = "Name of the alias serving traffic."
  value       = local.alias.name
}

output "alias_arn" {
  description = "ARN of the live alias."
  value       = local.alias.arn
}

output "alias_invoke_arn" {
  description = "Invoke ARN of the live alias (API Gateway integration or authorizer URI)."
  value       = local.alias.invoke_arn
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.execution.arn
}

output "policy_json" {
  description = "The execution role's inline policy document (JSON), for review and tests."
  value       = data.aws_iam_policy_document.execution.json
}

output "log_group_name" {
  description = "Name of the function's log group."
  value       = aws_cloudwatch_log_group.function.name
}

output "log_group_arn" {
  description = "ARN of the function's log group (without :*)."
  value       = aws_cloudwatch_log_group.function.arn
}

output "kms_key_arn" {
  description = "ARN of the key encrypting environment variables and logs."
  value       = module.function_key.arn
}

output "artifact_key" {
  description = "Content-addressed S3 key of the deployed zip."
  value       = aws_s3_object.artifact.key
}

output "environment_variables" {
  description = "Environment variables set on the function."
  value       = var.environment_variables
}

output "platform" {
  description = "Runtime and architecture the function is declared with."
  value = {
    runtime      = aws_lambda_function.this.runtime
    architecture = one(aws_lambda_function.this.architectures)
  }
}

output "access" {
  description = "What the execution role may reach: statement id -> resources (policy_json in review-friendly form)."
  value       = { for statement in data.aws_iam_policy_document.execution.statement : statement.sid => statement.resources }
}
