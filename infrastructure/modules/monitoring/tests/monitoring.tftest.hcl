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
        values(aws_cloudwatch_metric_alarm.service),
        values(aws_cloudwatch_metric_alarm.dynamodb_throttles),
      ) : alarm.alarm_actions == toset([aws_sns_topic.alarms.arn])
    ])
    error_message = "Every alarm must notify the topic."
  }

  assert {
    condition = toset([for alarm in values(aws_cloudwatch_metric_alarm.service) : alarm.alarm_name]) == toset([
      "items-service-test-api-5xx",
      "items-service-test-api-latency-p99",
      "items-service-test-lambda-duration-p99",
      "items-service-test-lambda-errors",
      "items-service-test-lambda-throttles",
    ])
    error_message = "The Lambda and API alarms must keep their names."
  }

  assert {
    condition = alltrue([
      for alarm in [aws_cloudwatch_metric_alarm.service["lambda_errors"], aws_cloudwatch_metric_alarm.service["api_5xx"]] :
      alarm.statistic == "Sum" && alarm.extended_statistic == null && alarm.evaluation_periods == 1 && alarm.threshold == 1 && alarm.comparison_operator == "GreaterThanOrEqualToThreshold"
    ])
    error_message = "Count alarms fire on the first 5-minute Sum at or above the threshold."
  }

  assert {
    condition = alltrue([
      for alarm in [aws_cloudwatch_metric_alarm.service["lambda_duration"], aws_cloudwatch_metric_alarm.service["api_latency"]] :
      alarm.extended_statistic == "p99" && alarm.statistic == null && alarm.evaluation_periods == 3 && alarm.comparison_operator == "GreaterThanThreshold"
    ]) && aws_cloudwatch_metric_alarm.service["lambda_duration"].threshold == 3000 && aws_cloudwatch_metric_alarm.service["api_latency"].threshold == 1000
    error_message = "p99 alarms fire after 3 periods above their threshold."
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
