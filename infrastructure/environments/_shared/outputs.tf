output "api_url" {
  description = "Base URL of the API stage (append /items)."
  value       = module.service.api_url
}

output "rest_api_id" {
  description = "Id of the REST API."
  value       = module.service.rest_api_id
}

output "stage_name" {
  description = "API stage name."
  value       = module.service.stage_name
}

output "function_name" {
  description = "Lambda function name."
  value       = module.service.function_name
}

output "function_alias_name" {
  description = "Alias serving traffic (live)."
  value       = module.service.function_alias_name
}

output "items_table_name" {
  description = "Items table name."
  value       = module.service.items_table_name
}

output "idempotency_table_name" {
  description = "Idempotency table name."
  value       = module.service.idempotency_table_name
}

output "artifact_bucket" {
  description = "Artifact bucket name."
  value       = module.service.artifact_bucket
}

output "artifact_key" {
  description = "Content-addressed S3 key of the deployed zip."
  value       = module.service.artifact_key
}

output "alarm_topic_arn" {
  description = "SNS topic receiving alarms."
  value       = module.service.alarm_topic_arn
}

output "lambda_log_group_name" {
  description = "The function's log group."
  value       = module.service.lambda_log_group_name
}

output "api_throttling" {
  description = "Stage-wide throttling in force (rate_limit rps, burst_limit); checked by scripts/validate_infrastructure.py."
  value       = module.service.api_throttling
}

output "lambda_platform" {
  description = "Lambda runtime and architecture."
  value       = module.service.lambda_platform
}

output "deployment_log_group_name" {
  description = "Log group of the deployment events (one JSON line per apply / deploy)."
  value       = module.service.deployment_log_group_name
}
