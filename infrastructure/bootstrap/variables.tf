variable "aws_region" {
  description = "Region the service's stacks live in (policies are scoped to it)."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must look like us-east-1."
  }
}

variable "github_owner" {
  description = "GitHub organisation or user owning the repository (ORG in repo:ORG/REPO)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,38}$", var.github_owner))
    error_message = "github_owner must be a GitHub account name."
  }
}

variable "github_repository" {
  description = "Repository name (REPO in repo:ORG/REPO)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,100}$", var.github_repository))
    error_message = "github_repository must be a GitHub repository name."
  }
}

variable "github_owner_id" {
  description = "Numeric id of the owner. Set it (with github_repository_id) when the repository uses immutable subject claims: sub = repo:OWNER@OWNER_ID/REPO@REPO_ID:…"
  type        = string
  default     = null

  validation {
    condition     = var.github_owner_id == null || can(regex("^[0-9]+$", var.github_owner_id))
    error_message = "github_owner_id must be the numeric account id (gh api users/OWNER --jq .id)."
  }
}

variable "github_repository_id" {
  description = "Numeric id of the repository (gh api repos/OWNER/REPO --jq .id); see github_owner_id."
  type        = string
  default     = null

  validation {
    condition     = var.github_repository_id == null || can(regex("^[0-9]+$", var.github_repository_id))
    error_message = "github_repository_id must be the numeric repository id."
  }
}

variable "deploy_branch" {
  description = "Branch whose workflows may apply (sub …:ref:refs/heads/<branch>)."
  type        = string
  default     = "main"
}

variable "deploy_environments" {
  description = "GitHub environments whose jobs may apply and deploy (sub …:environment:<name>)."
  type        = list(string)
  default     = ["dev", "staging", "prod"]

  validation {
    condition     = length(var.deploy_environments) > 0 && alltrue([for name in var.deploy_environments : can(regex("^[A-Za-z0-9_.-]+$", name))])
    error_message = "deploy_environments must list GitHub environment names."
  }
}

variable "name_prefix" {
  description = "Prefix every service resource name starts with; the policies grant nothing outside it. Default: the project in data/contract.json."
  type        = string
  default     = null

  validation {
    condition     = var.name_prefix == null || can(regex("^[a-z][a-z0-9-]{2,30}$", var.name_prefix))
    error_message = "name_prefix must be 3-31 lowercase letters, digits or hyphens."
  }
}

variable "project_tag" {
  description = "Value of the Project tag on the service's KMS keys (keys have no names, so they are scoped by tag). Default: the project in data/contract.json."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags for the bootstrap resources."
  type        = map(string)
  default     = {}
}
