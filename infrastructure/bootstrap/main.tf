# Names default to data/contract.json's project (the pipeline and the environments read the same file).
locals {
  contract    = jsondecode(file("${path.module}/../../data/contract.json"))
  name_prefix = coalesce(var.name_prefix, local.contract.project)
  project_tag = coalesce(var.project_tag, local.contract.project)
}

# One-time, per AWS account, applied by an administrator: GitHub's OIDC identity provider and the three
# roles the workflows assume. Nothing here holds a long-lived secret.
provider "aws" {
  region = var.aws_region
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  # Subject prefix: the classic "repo:OWNER/REPO", or the immutable form "repo:OWNER@ID/REPO@ID" that
  # GitHub issues for repositories created (or opted in) after the immutable-subject change.
  use_immutable_ids = var.github_owner_id != null && var.github_repository_id != null
  subject_prefix = (
    local.use_immutable_ids
    ? "repo:${var.github_owner}@${var.github_owner_id}/${var.github_repository}@${var.github_repository_id}"
    : "repo:${var.github_owner}/${var.github_repository}"
  )
  branch_subject       = "${local.subject_prefix}:ref:refs/heads/${var.deploy_branch}"
  environment_subjects = [for environment in var.deploy_environments : "${local.subject_prefix}:environment:${environment}"]
  pull_request_subject = "${local.subject_prefix}:pull_request"

  # Who may assume which role (exact StringEquals matches, no wildcards).
  role_subjects = {
    infrastructure = concat([local.branch_subject], local.environment_subjects)
    plan-readonly  = [local.pull_request_subject, local.branch_subject]
    lambda-deploy  = local.environment_subjects
  }
  role_descriptions = {
    infrastructure = "GitHub Actions: terraform apply of the items service (main branch and deploy environments)"
    plan-readonly  = "GitHub Actions: read-only terraform plan for pull requests"
    lambda-deploy  = "GitHub Actions: upload the artifact and move the live alias"
  }
  role_policy_files = {
    infrastructure = "infrastructure.json"
    plan-readonly  = "plan_readonly.json"
    lambda-deploy  = "lambda_deploy.json"
  }
  policy_variables = {
    partition    = data.aws_partition.current.partition
    account_id   = data.aws_caller_identity.current.account_id
    region       = var.aws_region
    name_prefix  = local.name_prefix
    project_tag  = local.project_tag
    state_bucket = "${local.name_prefix}-tfstate-${data.aws_caller_identity.current.account_id}"
    lock_table   = "${local.name_prefix}-terraform-locks"
  }
  github_token_host = "token.actions.githubusercontent.com"
  tags              = merge(var.tags, { Project = local.project_tag, ManagedBy = "terraform", Stack = "bootstrap" })
}

resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://${local.github_token_host}"
  client_id_list = ["sts.amazonaws.com"]
  # No thumbprint_list: AWS validates GitHub's certificate through its own trusted CAs, so nothing is
  # fetched or pinned here (provider >= 5.81 makes the argument optional).
  tags = local.tags
}

resource "aws_iam_role" "github" {
  for_each = local.role_subjects

  name                 = "${local.name_prefix}-github-${each.key}"
  description          = local.role_descriptions[each.key]
  max_session_duration = 3600
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "GitHubActionsOidc"
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = aws_iam_openid_connect_provider.github.arn }
      Condition = {
        StringEquals = {
          "${local.github_token_host}:aud" = "sts.amazonaws.com"
          "${local.github_token_host}:sub" = each.value
        }
      }
    }]
  })
  tags = local.tags
}

resource "aws_iam_policy" "github" {
  for_each = local.role_policy_files

  name        = "${local.name_prefix}-github-${each.key}"
  description = "${local.role_descriptions[each.key]} (scoped to ${local.name_prefix}-* resources)"
  policy      = templatefile("${path.module}/policies/${each.value}", local.policy_variables)
  tags        = local.tags
}

resource "aws_iam_role_policy_attachment" "github" {
  for_each = local.role_policy_files

  role       = aws_iam_role.github[each.key].name
  policy_arn = aws_iam_policy.github[each.key].arn
}
