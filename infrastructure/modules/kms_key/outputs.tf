output "arn" {
  description = "ARN of the key."
  value       = aws_kms_key.this.arn
}

output "key_id" {
  description = "Id of the key."
  value       = aws_kms_key.this.key_id
}

output "alias_name" {
  description = "Full alias name (alias/...)."
  value       = aws_kms_alias.this.name
}

output "rotation_enabled" {
  description = "Whether automatic yearly rotation is on (true unless settings turn it off for an emulator; callers' tests check it)."
  value       = aws_kms_key.this.enable_key_rotation
}

output "policy" {
  description = "The key policy document (JSON)."
  value       = aws_kms_key.this.policy
}
