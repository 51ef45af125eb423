mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  name_prefix   = "items-service-test"
  function_name = "items-service-test-api"
  api_name      = "items-service-test-api"
  stage_name    = "test"
  table_names   = ["items-service-test-items", "items-service-test-idempotency"]
}

run "alarms_cover_lambda_api_and_tables_and_notify_an_encrypted_topic" {
  command = apply

  assert {
    condition     = aws_sns_topic.alarms.kms_master_key_id == module.alarms_key.arn && module.alarms_key.rotation_enabled
    error_message = "The alarm topic must be encrypted with a rotating CMK."
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.dynamodb_throttles) == 4
    error_message = "Each table needs a read and a write throttle alarm."
  }

  assert {
    condition = alltrue([
      for alarm in concat(
        [aws_cloudwatch_metric_alarm.lambda_errors, aws_cloudwatch_metric_alarm.lambda_throttles, aws_cloudwatch_metric_alarm.lambda_duration, aws_cloudwatch_metric_alarm.api_5xx, aws_cloudwatch_metric_alarm.api_latency],
        values(aws_cloudwatch_metric_alarm.dynamodb_throttles),
      ) : alarm.alarm_actions == toset([aws_sns_topic.alarms.arn])
    ])
    error_message = "Every alarm must notify the topic."
  }

  assert {
    condition     = length(aws_sns_topic_subscription.email) == 0
    error_message = "No e-mail subscription unless an address is given."
  }

  assert {
    condition     = length(jsondecode(aws_cloudwatch_dashboard.service.dashboard_body).widgets) == 4
    error_message = "The dashboard shows API, latency, Lambda and DynamoDB."
  }
}

run "email_subscription_when_an_address_is_given" {
  command = plan

  variables {
    alarm_email = "oncall@example.com"
  }

  assert {
    condition     = aws_sns_topic_subscription.email[0].endpoint == "oncall@example.com" && aws_sns_topic_subscription.email[0].protocol == "email"
    error_message = "The address must be subscribed by e-mail."
  }
}

run "malformed_email_is_rejected" {
  command = plan

  variables {
    alarm_email = "not-an-address"
  }

  expect_failures = [var.alarm_email]
}
