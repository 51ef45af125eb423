terraform {
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60, < 6.0"
    }
  }
}

# Every service the stack uses is pointed at the emulator (moto server). The credentials are fake and
# the provider must not try to validate them or reach the instance metadata service.
provider "aws" {
  region                      = var.aws_region
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true

  endpoints {
    apigateway = var.aws_endpoint_url
    cloudwatch = var.aws_endpoint_url
    dynamodb   = var.aws_endpoint_url
    iam        = var.aws_endpoint_url
    kms        = var.aws_endpoint_url
    lambda     = var.aws_endpoint_url
    logs       = var.aws_endpoint_url
    s3         = var.aws_endpoint_url
    sns        = var.aws_endpoint_url
    sts        = var.aws_endpoint_url
  }
}
