# One customer-managed key with rotation, an alias, and a key policy: the account root administers it (so IAM
# policies can grant its use), and each listed AWS service may use it, under its own condition.
data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_root = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"
  service_statements = [
    for grant in var.service_grants : merge(
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
