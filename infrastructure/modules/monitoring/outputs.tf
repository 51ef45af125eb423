output "alarm_topic_arn" {
  description = "ARN of the KMS-encrypted SNS topic receiving every alarm."
  value       = aws_sns_topic.alarms.arn
}

output "alarm_names" {
  description = "Names of every alarm."
  value = [
    for alarm in concat(values(aws_cloudwatch_metric_alarm.service), values(aws_cloudwatch_metric_alarm.dynamodb_throttles)) :
    alarm.alarm_name
  ]
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.service.dashboard_name
}
