terraform {
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60, < 6.0"
    }
  }
}

# Every service the stack uses goes to the emulator (moto server) named by AWS_ENDPOINT_URL, the AWS SDKs'
# standard variable, which the provider honours for every service and which everything that runs Terraform for
# env local sets (the pipeline's stages, `ci local up`, the ops tools). Not an `endpoints {}` block: the
# provider spends ~2 s of CPU validating that block each time it is configured, three or four times per plan
# or apply, about a quarter of an env-local plan. The credentials are fake and fixed here, so a run without
# the variable reaches real AWS only to be refused (InvalidClientTokenId), never with someone's own keys; the
# provider must not try to validate them or reach the instance metadata service.
provider "aws" {
  region                      = var.aws_region
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true
}
