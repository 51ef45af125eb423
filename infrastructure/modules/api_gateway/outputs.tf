output "rest_api_id" {
  description = "Id of the REST API."
  value       = aws_api_gateway_rest_api.this.id
}

output "rest_api_name" {
  description = "Name of the REST API."
  value       = aws_api_gateway_rest_api.this.name
}

output "execution_arn" {
  description = "Execution ARN of the REST API."
  value       = aws_api_gateway_rest_api.this.execution_arn
}

output "stage_name" {
  description = "Name of the stage."
  value       = aws_api_gateway_stage.this.stage_name
}

output "invoke_url" {
  description = "Base URL of the stage (append /items)."
  value       = aws_api_gateway_stage.this.invoke_url
}

output "access_log_group_name" {
  description = "Name of the JSON access log group."
  value       = aws_cloudwatch_log_group.access.name
}

output "deployment_id" {
  description = "Id of the current deployment (changes only when the API definition changes)."
  value       = aws_api_gateway_deployment.this.id
}

output "throttling" {
  description = "Stage-wide throttling in force (requests per second and burst)."
  value = {
    rate_limit  = aws_api_gateway_method_settings.all.settings[0].throttling_rate_limit
    burst_limit = aws_api_gateway_method_settings.all.settings[0].throttling_burst_limit
  }
}

output "authorizer_ids" {
  description = "Ids of the authorizers guarding the API's methods (empty for a public API)."
  value       = aws_api_gateway_authorizer.jwt[*].id
}
