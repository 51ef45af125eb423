# Both service tables, shaped by the schema files in data/schemas/ (the single source of keys,
# attributes, indexes and TTL), encrypted with one customer-managed key.
locals {
  table_schemas = {
    items       = jsondecode(file(var.items_table_schema_path))
    idempotency = jsondecode(file(var.idempotency_table_schema_path))
  }
  table_names = { for key, schema in local.table_schemas : key => "${var.name_prefix}-${schema.logicalName}" }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

resource "aws_kms_key" "tables" {
  description             = "${var.name_prefix} DynamoDB tables"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days
  # Account-root administration only: DynamoDB uses the key through grants it creates for the tables.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdministration"
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
  tags = var.tags
}

resource "aws_kms_alias" "tables" {
  name          = "alias/${var.name_prefix}-dynamodb"
  target_key_id = aws_kms_key.tables.key_id
}

resource "aws_dynamodb_table" "this" {
  for_each = local.table_schemas

  name                        = local.table_names[each.key]
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = each.value.partitionKey
  range_key                   = try(each.value.sortKey, null)
  deletion_protection_enabled = var.deletion_protection_enabled

  dynamic "attribute" {
    for_each = each.value.attributes
    content {
      name = attribute.value.name
      type = attribute.value.type
    }
  }

  dynamic "global_secondary_index" {
    for_each = each.value.globalSecondaryIndexes
    content {
      name            = global_secondary_index.value.name
      hash_key        = global_secondary_index.value.partitionKey
      range_key       = try(global_secondary_index.value.sortKey, null)
      projection_type = global_secondary_index.value.projection
    }
  }

  ttl {
    attribute_name = each.value.ttlAttribute
    enabled        = true
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery_enabled
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.tables.arn
  }

  tags = merge(var.tags, { Name = local.table_names[each.key] })

  lifecycle {
    precondition {
      condition     = each.value.billingMode == "PAY_PER_REQUEST"
      error_message = "The service's tables are on-demand: the schema file must say billingMode PAY_PER_REQUEST."
    }
  }
}
