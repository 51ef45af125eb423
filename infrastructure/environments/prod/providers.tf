terraform {
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60, < 6.0"
    }
  }
}

# Real AWS: credentials come from the GitHub OIDC role (see docs/OIDC_SETUP.md) or the operator's profile.
provider "aws" {
  region = var.aws_region
}
