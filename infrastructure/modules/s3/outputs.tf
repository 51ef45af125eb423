output "bucket_name" {
  description = "Name of the bucket."
  value       = aws_s3_bucket.this.bucket
}

output "bucket_arn" {
  description = "ARN of the bucket."
  value       = aws_s3_bucket.this.arn
}

output "kms_key_arn" {
  description = "ARN of the customer-managed key encrypting the bucket's objects."
  value       = module.bucket_key.arn
}

output "access_log_bucket_name" {
  description = "Name of the bucket holding the server access logs."
  value       = aws_s3_bucket.access_logs.bucket
}
