# Alarms on the service's golden signals, a dashboard, and an encrypted SNS topic that receives them.
data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

locals {
  api_dimensions = {
    ApiName = var.api_name
    Stage   = var.stage_name
  }
  function_dimensions = { FunctionName = var.function_name }
  table_throttle_alarms = merge([
    for table in var.table_names : {
      for event in ["ReadThrottleEvents", "WriteThrottleEvents"] : "${table}-${event}" => { table = table, metric = event }
    }
  ]...)
}

module "alarms_key" {
  source = "../kms_key"

  description = "${var.name_prefix} alarm notifications"
  alias       = "${var.name_prefix}-alarms"
  settings    = var.kms_key_settings
  tags        = var.tags
  # CloudWatch publishes alarm state changes to the encrypted topic.
  service_grants = [{
    sid       = "CloudWatchPublishesAlarms"
    service   = "cloudwatch.amazonaws.com"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
  }]
}

moved {
  from = aws_kms_key.alarms
  to   = module.alarms_key.aws_kms_key.this
}

moved {
  from = aws_kms_alias.alarms
  to   = module.alarms_key.aws_kms_alias.this
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name_prefix}-alarms"
  kms_master_key_id = module.alarms_key.arn
  tags              = var.tags
}

resource "aws_sns_topic_policy" "alarms" {
  arn = aws_sns_topic.alarms.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "CloudWatchAlarmsPublish"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.alarms.arn
        Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.alarms.arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}

resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

# --- Lambda and API Gateway -------------------------------------------------------------------------------

# Count signals (Sum per 5 minutes) alarm on the first period at or above their threshold; p99 latency signals
# alarm only after 3 periods above it, so one slow burst does not page. Keys are the former resource names.
locals {
  service_alarms = {
    lambda_errors = {
      name        = "lambda-errors"
      description = "The API function raised errors (unhandled exceptions, timeouts)."
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      dimensions  = local.function_dimensions
      p99         = false
      threshold   = var.lambda_error_threshold
    }
    lambda_throttles = {
      name        = "lambda-throttles"
      description = "Invocations were throttled (reserved concurrency exhausted)."
      namespace   = "AWS/Lambda"
      metric      = "Throttles"
      dimensions  = local.function_dimensions
      p99         = false
      threshold   = var.lambda_throttle_threshold
    }
    lambda_duration = {
      name        = "lambda-duration-p99"
      description = "p99 duration is close to the function timeout."
      namespace   = "AWS/Lambda"
      metric      = "Duration"
      dimensions  = local.function_dimensions
      p99         = true
      threshold   = var.lambda_duration_p99_threshold_ms
    }
    api_5xx = {
      name        = "api-5xx"
      description = "The API answered with 5XX errors."
      namespace   = "AWS/ApiGateway"
      metric      = "5XXError"
      dimensions  = local.api_dimensions
      p99         = false
      threshold   = var.api_5xx_threshold
    }
    api_latency = {
      name        = "api-latency-p99"
      description = "p99 end-to-end API latency is above target."
      namespace   = "AWS/ApiGateway"
      metric      = "Latency"
      dimensions  = local.api_dimensions
      p99         = true
      threshold   = var.api_latency_p99_threshold_ms
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "service" {
  for_each = local.service_alarms

  alarm_name          = "${var.name_prefix}-${each.value.name}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.p99 ? null : "Sum"
  extended_statistic  = each.value.p99 ? "p99" : null
  period              = 300
  evaluation_periods  = each.value.p99 ? 3 : 1
  threshold           = each.value.threshold
  comparison_operator = each.value.p99 ? "GreaterThanThreshold" : "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

moved {
  from = aws_cloudwatch_metric_alarm.lambda_errors
  to   = aws_cloudwatch_metric_alarm.service["lambda_errors"]
}

moved {
  from = aws_cloudwatch_metric_alarm.lambda_throttles
  to   = aws_cloudwatch_metric_alarm.service["lambda_throttles"]
}

moved {
  from = aws_cloudwatch_metric_alarm.lambda_duration
  to   = aws_cloudwatch_metric_alarm.service["lambda_duration"]
}

moved {
  from = aws_cloudwatch_metric_alarm.api_5xx
  to   = aws_cloudwatch_metric_alarm.service["api_5xx"]
}

moved {
  from = aws_cloudwatch_metric_alarm.api_latency
  to   = aws_cloudwatch_metric_alarm.service["api_latency"]
}

# --- DynamoDB ----------------------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "dynamodb_throttles" {
  for_each = local.table_throttle_alarms

  alarm_name          = "${each.value.table}-${lower(each.value.metric)}"
  alarm_description   = "${each.value.metric} on ${each.value.table} (on-demand capacity ramping or a hot key)."
  namespace           = "AWS/DynamoDB"
  metric_name         = each.value.metric
  dimensions          = { TableName = each.value.table }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.dynamodb_throttle_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

# --- dashboard ---------------------------------------------------------------------------------------------

resource "aws_cloudwatch_dashboard" "service" {
  dashboard_name = "${var.name_prefix}-service"
  dashboard_body = jsonencode({
    widgets = [
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title  = "API requests and errors"
          region = data.aws_region.current.name
          stat   = "Sum"
          period = 60
          metrics = [
            ["AWS/ApiGateway", "Count", "ApiName", var.api_name, "Stage", var.stage_name],
            [".", "4XXError", ".", ".", ".", "."],
            [".", "5XXError", ".", ".", ".", "."],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title  = "API latency (p50 / p99)"
          region = data.aws_region.current.name
          period = 60
          metrics = [
            ["AWS/ApiGateway", "Latency", "ApiName", var.api_name, "Stage", var.stage_name, { stat = "p50" }],
            ["...", { stat = "p99" }],
          ]
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title  = "Lambda invocations, errors, throttles"
          region = data.aws_region.current.name
          stat   = "Sum"
          period = 60
          metrics = [
            ["AWS/Lambda", "Invocations", "FunctionName", var.function_name],
            [".", "Errors", ".", "."],
            [".", "Throttles", ".", "."],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title  = "DynamoDB throttle events"
          region = data.aws_region.current.name
          stat   = "Sum"
          period = 60
          metrics = flatten([
            for table in var.table_names : [
              ["AWS/DynamoDB", "ReadThrottleEvents", "TableName", table],
              ["AWS/DynamoDB", "WriteThrottleEvents", "TableName", table],
            ]
          ])
        }
      },
    ]
  })
}
