# One customer-managed key with rotation, an alias, and a key policy: the account root administers it (so IAM
# policies can grant its use), and each listed AWS service may use it, under its own condition.
data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_root = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"
  # CloudWatch Logs encrypts with the key only in the context of the one log group it is given.
  log_group_grants = var.log_group_grant == null ? [] : [{
    sid       = var.log_group_grant.sid
    service   = "logs.${data.aws_region.current.name}.amazonaws.com"
    actions   = ["kms:Decrypt", "kms:Describe*", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
    condition = { ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:${var.log_group_grant.log_group_name}" } }
  }]
  service_statements = [
    for grant in concat(local.log_group_grants, var.service_grants) : merge(
      {
        Sid       = grant.sid
        Effect    = "Allow"
        Principal = { Service = grant.service }
        Action    = grant.actions
        Resource  = "*"
      },
      grant.condition == null ? {} : { Condition = grant.condition },
    )
  ]
}

resource "aws_kms_key" "this" {
  description             = var.description
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_days
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid       = "AccountAdministration"
        Effect    = "Allow"
        Principal = { AWS = local.account_root }
        Action    = "kms:*"
        Resource  = "*"
      }],
      local.service_statements,
    )
  })
  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.alias}"
  target_key_id = aws_kms_key.this.key_id
}
