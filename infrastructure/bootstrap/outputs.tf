output "oidc_provider_arn" {
  description = "ARN of the GitHub Actions OIDC identity provider."
  value       = aws_iam_openid_connect_provider.github.arn
}

output "role_arns" {
  description = "Role ARNs by purpose (infrastructure, plan-readonly, lambda-deploy): store them as GitHub variables."
  value       = { for key, role in aws_iam_role.github : key => role.arn }
}

output "trusted_subjects" {
  description = "The exact sub claims each role trusts."
  value       = local.role_subjects
}
