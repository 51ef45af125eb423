# Names default to data/contract.json's project (the pipeline and the environments read the same file).
locals {
  contract    = jsondecode(file("${path.module}/../../data/contract.json"))
  name_prefix = coalesce(var.name_prefix, local.contract.project)
  project_tag = coalesce(var.project_tag, local.contract.project)
}

# Account-wide, applied once by an administrator before any environment: the Terraform state bucket,
# the state lock table and API Gateway's account-level CloudWatch role.
provider "aws" {
  region = var.aws_region
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  tags       = merge(var.tags, { Project = local.project_tag, ManagedBy = "terraform", Stack = "global" })
}

module "state_bucket" {
  source = "../modules/s3"

  bucket_name = "${local.name_prefix}-tfstate-${local.account_id}"
  # Not "-access-logs-": that suffix is what the infrastructure role may manage for the environments.
  access_log_bucket_name             = "${local.name_prefix}-tfstate-logs-${local.account_id}"
  noncurrent_version_expiration_days = var.state_version_retention_days
  force_destroy                      = false
  tls_only_policy_enabled            = var.s3_tls_only_policy_enabled
  tags                               = local.tags
}

module "locks_key" {
  source = "../modules/kms_key"

  description = "${local.name_prefix} Terraform lock table"
  alias       = "${local.name_prefix}-terraform-locks"
  tags        = local.tags
}

moved {
  from = aws_kms_key.locks
  to   = module.locks_key.aws_kms_key.this
}

moved {
  from = aws_kms_alias.locks
  to   = module.locks_key.aws_kms_alias.this
}

resource "aws_dynamodb_table" "locks" {
  name                        = "${local.name_prefix}-terraform-locks"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "LockID"
  deletion_protection_enabled = true

  attribute {
    name = "LockID"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = module.locks_key.arn
  }

  tags = local.tags
}

# API Gateway writes execution logs through one role per account and region.
resource "aws_iam_role" "apigateway_cloudwatch" {
  name        = "${local.name_prefix}-apigateway-cloudwatch"
  description = "Lets API Gateway push execution logs to CloudWatch Logs (account setting)."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "ApiGatewayAssumesRole"
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "apigateway.amazonaws.com" }
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })
  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "apigateway_cloudwatch" {
  role       = aws_iam_role.apigateway_cloudwatch.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

resource "aws_api_gateway_account" "this" {
  cloudwatch_role_arn = aws_iam_role.apigateway_cloudwatch.arn
  depends_on          = [aws_iam_role_policy_attachment.apigateway_cloudwatch]
}
