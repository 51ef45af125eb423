# Real AWS: credentials come from the GitHub OIDC role (see docs/OIDC_SETUP.md) or the operator's profile.
provider "aws" {
  region = var.aws_region
}
