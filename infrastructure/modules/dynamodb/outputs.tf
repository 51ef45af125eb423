output "table_names" {
  description = "Table names by logical name (items, idempotency)."
  value       = { for key, table in aws_dynamodb_table.this : key => table.name }
}

output "table_arns" {
  description = "Table ARNs by logical name (items, idempotency)."
  value       = { for key, table in aws_dynamodb_table.this : key => table.arn }
}

output "index_arns" {
  description = "ARNs of every global secondary index of both tables (for least-privilege Query grants)."
  value = flatten([
    for key, table in aws_dynamodb_table.this : [
      for index in table.global_secondary_index : "${table.arn}/index/${index.name}"
    ]
  ])
}

output "kms_key_arn" {
  description = "ARN of the customer-managed key encrypting both tables."
  value       = module.tables_key.arn
}
