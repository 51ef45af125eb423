output "role_arn" {
  description = "ARN of the Lambda execution role."
  value       = aws_iam_role.lambda_execution.arn
}

output "role_name" {
  description = "Name of the Lambda execution role."
  value       = aws_iam_role.lambda_execution.name
}

output "policy_json" {
  description = "The execution role's inline policy document (JSON), for review and tests."
  value       = data.aws_iam_policy_document.lambda_execution.json
}
