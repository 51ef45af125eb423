# Both service tables, shaped by the schema files in data/schemas/ (the single source of keys,
# attributes, indexes and TTL), encrypted with one customer-managed key.
locals {
  table_schemas = {
    items       = jsondecode(file(var.items_table_schema_path))
    idempotency = jsondecode(file(var.idempotency_table_schema_path))
  }
  table_names = { for key, schema in local.table_schemas : key => "${var.name_prefix}-${schema.logicalName}" }
}

# Account-root administration only: DynamoDB uses the key through grants it creates for the tables.
module "tables_key" {
  source = "../kms_key"

  description = "${var.name_prefix} DynamoDB tables"
  alias       = "${var.name_prefix}-dynamodb"
  settings    = var.kms_key_settings
  tags        = var.tags
}

moved {
  from = aws_kms_key.tables
  to   = module.tables_key.aws_kms_key.this
}

moved {
  from = aws_kms_alias.tables
  to   = module.tables_key.aws_kms_alias.this
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
    kms_key_arn = module.tables_key.arn
  }

  tags = merge(var.tags, { Name = local.table_names[each.key] })

  lifecycle {
    precondition {
      condition     = each.value.billingMode == "PAY_PER_REQUEST"
      error_message = "The service's tables are on-demand: the schema file must say billingMode PAY_PER_REQUEST."
    }
  }
}
