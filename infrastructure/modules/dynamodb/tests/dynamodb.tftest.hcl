mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  name_prefix                   = "items-service-test"
  items_table_schema_path       = "../../../data/schemas/items_table.json"
  idempotency_table_schema_path = "../../../data/schemas/idempotency_table.json"
}

run "tables_are_encrypted_recoverable_and_follow_the_schema_files" {
  command = apply

  assert {
    condition     = alltrue([for table in aws_dynamodb_table.this : table.point_in_time_recovery[0].enabled])
    error_message = "PITR must be on for every table."
  }

  assert {
    condition = alltrue([
      for table in aws_dynamodb_table.this :
      table.server_side_encryption[0].enabled && table.server_side_encryption[0].kms_key_arn == module.tables_key.arn
    ])
    error_message = "Every table must be encrypted with the module's customer-managed key."
  }

  assert {
    condition     = module.tables_key.rotation_enabled
    error_message = "The tables' CMK must rotate."
  }

  assert {
    condition = toset([
      for index in aws_dynamodb_table.this["items"].global_secondary_index :
      { name = index.name, hash_key = index.hash_key, range_key = index.range_key, projection = index.projection_type }
      ]) == toset([
      for index in jsondecode(file(var.items_table_schema_path)).globalSecondaryIndexes :
      { name = index.name, hash_key = index.partitionKey, range_key = index.sortKey, projection = index.projection }
    ])
    error_message = "The items table's GSIs must match data/schemas/items_table.json."
  }

  assert {
    condition     = contains([for index in aws_dynamodb_table.this["items"].global_secondary_index : index.name], "status-index")
    error_message = "The items table must have the status-index GSI."
  }

  assert {
    condition = (
      aws_dynamodb_table.this["items"].hash_key == jsondecode(file(var.items_table_schema_path)).partitionKey &&
      aws_dynamodb_table.this["items"].ttl[0].attribute_name == jsondecode(file(var.items_table_schema_path)).ttlAttribute &&
      aws_dynamodb_table.this["idempotency"].ttl[0].attribute_name == jsondecode(file(var.idempotency_table_schema_path)).ttlAttribute
    )
    error_message = "Keys and TTL attributes must come from the schema files."
  }

  assert {
    condition     = aws_dynamodb_table.this["items"].name == "items-service-test-items" && aws_dynamodb_table.this["idempotency"].name == "items-service-test-idempotency"
    error_message = "Tables must be named <name_prefix>-<logicalName>."
  }

  assert {
    condition     = alltrue([for table in aws_dynamodb_table.this : table.billing_mode == "PAY_PER_REQUEST" && table.deletion_protection_enabled])
    error_message = "Tables must be on-demand and deletion-protected by default."
  }
}

run "deletion_protection_can_be_turned_off_per_environment" {
  command = plan

  variables {
    deletion_protection_enabled = false
  }

  assert {
    condition     = alltrue([for table in aws_dynamodb_table.this : !table.deletion_protection_enabled])
    error_message = "deletion_protection_enabled = false must reach every table."
  }
}

run "a_missing_schema_file_is_rejected" {
  command = plan

  variables {
    items_table_schema_path = "does-not-exist.json"
  }

  expect_failures = [var.items_table_schema_path]
}
