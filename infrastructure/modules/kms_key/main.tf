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
  # Checkov cannot follow optional() object defaults through module calls, so it reads rotation as unknown.
  # Rotation is on unless an environment turns it off for the emulator: tests/kms_key.tftest.hcl proves the
  # default, tests/ci/test_contract.py that only env local's main.tf turns it off.
  #checkov:skip=CKV_AWS_7:Rotation defaults to on (settings.rotation_enabled); only env local, an emulator, turns it off.
  description             = var.description
  enable_key_rotation     = var.settings.rotation_enabled
  deletion_window_in_days = var.settings.deletion_window_days
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
  tags = var.settings.tagged ? var.tags : {}
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.alias}"
  target_key_id = aws_kms_key.this.key_id
}
