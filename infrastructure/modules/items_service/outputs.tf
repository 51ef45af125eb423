output "api_url" {
  description = "Base URL of the API stage (append /items)."
  value       = module.api.invoke_url
}

output "rest_api_id" {
  description = "Id of the REST API."
  value       = module.api.rest_api_id
}

output "stage_name" {
  description = "API stage name."
  value       = module.api.stage_name
}

output "function_name" {
  description = "Lambda function name."
  value       = module.function.function_name
}

output "function_alias_name" {
  description = "Alias serving traffic (live)."
  value       = module.function.alias_name
}

output "items_table_name" {
  description = "Items table name."
  value       = module.tables.table_names["items"]
}

output "idempotency_table_name" {
  description = "Idempotency table name."
  value       = module.tables.table_names["idempotency"]
}

output "artifact_bucket" {
  description = "Artifact bucket name."
  value       = module.artifacts.bucket_name
}

output "artifact_key" {
  description = "Content-addressed key of the deployed zip."
  value       = module.function.artifact_key
}

output "alarm_topic_arn" {
  description = "SNS topic receiving alarms."
  value       = module.monitoring.alarm_topic_arn
}

output "lambda_log_group_name" {
  description = "The function's log group."
  value       = module.function.log_group_name
}

output "api_access_log_group_name" {
  description = "The API's access log group."
  value       = module.api.access_log_group_name
}

output "api_throttling" {
  description = "Stage-wide throttling in force (rate_limit rps, burst_limit)."
  value       = module.api.throttling
}

output "lambda_platform" {
  description = "Lambda runtime and architecture."
  value       = module.function.platform
}

output "deployment_log_group_name" {
  description = "Log group of the deployment events (one JSON line per apply / deploy)."
  value       = aws_cloudwatch_log_group.deployments.name
}

output "authorizer" {
  description = "The JWT authorizer in front of every /items method (function, issuer, audience, algorithms, key ids); null for a public API."
  value = var.authorizer == null ? null : {
    function_name = module.authorizer_function[0].function_name
    issuer        = var.authorizer.issuer
    audience      = var.authorizer.audience
    algorithms    = var.authorizer.algorithms
    key_ids       = [for key in jsondecode(var.authorizer.jwks).keys : lookup(key, "kid", null)]
  }
}
