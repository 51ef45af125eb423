output "api_url" {
  description = "Base URL of the API stage (append /items)."
  value       = module.service.api_url
}

output "service" {
  description = "Everything modules/items_service returns (function, tables, buckets, log groups, ...): the pipeline's outputs.json."
  value       = module.service
}
