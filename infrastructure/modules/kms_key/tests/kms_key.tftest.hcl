# The key module against a mocked AWS provider: rotation, alias, and the exact key policy it writes.
mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  description = "items-service-test alarm notifications"
  alias       = "items-service-test-alarms"
}

run "account_root_alone_administers_a_key_without_service_grants" {
  command = apply

  assert {
    condition     = output.rotation_enabled && output.alias_name == "alias/items-service-test-alarms"
    error_message = "The key must rotate and carry the alias alias/<alias>."
  }

  assert {
    condition = jsondecode(output.policy).Statement == [{
      Sid       = "AccountAdministration"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::123456789012:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
    error_message = "Without service grants the policy must hold only the account-root administration statement."
  }
}

run "each_service_grant_becomes_one_statement_with_its_condition" {
  command = apply

  variables {
    settings = { deletion_window_days = 7 }
    service_grants = [
      {
        sid       = "CloudWatchPublishesAlarms"
        service   = "cloudwatch.amazonaws.com"
        actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
        condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
      },
      {
        sid     = "UnconditionalGrant"
        service = "sns.amazonaws.com"
        actions = ["kms:Decrypt"]
      },
    ]
  }

  assert {
    condition     = aws_kms_key.this.deletion_window_in_days == 7
    error_message = "The deletion window must be the one given."
  }

  assert {
    condition     = aws_kms_key.this.enable_key_rotation && length(aws_kms_key.this.tags) == 0
    error_message = "Settings that name only the deletion window keep rotation on (and tags as given: none here)."
  }

  assert {
    condition = jsondecode(output.policy).Statement[1] == {
      Sid       = "CloudWatchPublishesAlarms"
      Effect    = "Allow"
      Principal = { Service = "cloudwatch.amazonaws.com" }
      Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
      Resource  = "*"
      Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
    }
    error_message = "A grant must become an Allow statement for its service principal, actions and condition."
  }

  assert {
    condition     = !contains(keys(jsondecode(output.policy).Statement[2]), "Condition")
    error_message = "A grant without a condition must not write an empty Condition block."
  }
}

run "a_log_group_grant_lets_cloudwatch_logs_use_the_key_for_that_group_only" {
  command = apply

  variables {
    log_group_grant = { sid = "CloudWatchLogsEncryptsOwnLogGroup", log_group_name = "/aws/lambda/items-service-test-api" }
  }

  assert {
    condition = jsondecode(output.policy).Statement[1] == {
      Sid       = "CloudWatchLogsEncryptsOwnLogGroup"
      Effect    = "Allow"
      Principal = { Service = "logs.us-east-1.amazonaws.com" }
      Action    = ["kms:Decrypt", "kms:Describe*", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
      Resource  = "*"
      Condition = { ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/items-service-test-api" } }
    }
    error_message = "CloudWatch Logs of this region may use the key only in the encryption context of the given log group."
  }
}

run "deletion_window_outside_7_to_30_days_is_rejected" {
  command = plan

  variables {
    settings = { deletion_window_days = 3 }
  }

  expect_failures = [var.settings]
}

run "an_emulator_key_may_skip_rotation_and_tags_and_nothing_else" {
  command = apply

  variables {
    settings = { deletion_window_days = 7, rotation_enabled = false, tagged = false }
    tags     = { Project = "items-service" }
  }

  assert {
    condition     = !aws_kms_key.this.enable_key_rotation && length(aws_kms_key.this.tags) == 0
    error_message = "With rotation_enabled and tagged off the key is created without rotation and without tags."
  }

  assert {
    condition     = aws_kms_key.this.deletion_window_in_days == 7 && jsondecode(aws_kms_key.this.policy).Statement[0].Sid == "AccountAdministration"
    error_message = "The deletion window and the key policy do not depend on the emulator settings."
  }
}
