mock_provider "aws" {
  source = "../tests/mocks"
}

variables {
  github_owner      = "acme"
  github_repository = "items-service"
}

run "roles_trust_exactly_the_repository_branch_and_environments" {
  command = apply

  assert {
    condition = jsondecode(aws_iam_role.github["infrastructure"].assume_role_policy).Statement[0].Condition == {
      StringEquals = {
        "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
        "token.actions.githubusercontent.com:sub" = [
          "repo:acme/items-service:ref:refs/heads/main",
          "repo:acme/items-service:environment:dev",
          "repo:acme/items-service:environment:staging",
          "repo:acme/items-service:environment:prod",
        ]
      }
    }
    error_message = "The infrastructure role must trust exactly main and the deploy environments (StringEquals, aud sts)."
  }

  assert {
    condition = jsondecode(aws_iam_role.github["plan-readonly"].assume_role_policy).Statement[0].Condition == {
      StringEquals = {
        "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
        "token.actions.githubusercontent.com:sub" = [
          "repo:acme/items-service:pull_request",
          "repo:acme/items-service:ref:refs/heads/main",
        ]
      }
    }
    error_message = "The plan role must trust exactly pull requests and main."
  }

  assert {
    condition = jsondecode(aws_iam_role.github["lambda-deploy"].assume_role_policy).Statement[0].Condition == {
      StringEquals = {
        "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
        "token.actions.githubusercontent.com:sub" = [
          "repo:acme/items-service:environment:dev",
          "repo:acme/items-service:environment:staging",
          "repo:acme/items-service:environment:prod",
        ]
      }
    }
    error_message = "The deploy role must trust exactly the deploy environments."
  }

  assert {
    condition     = alltrue([for role in aws_iam_role.github : jsondecode(role.assume_role_policy).Statement[0].Principal.Federated == aws_iam_openid_connect_provider.github.arn && jsondecode(role.assume_role_policy).Statement[0].Action == "sts:AssumeRoleWithWebIdentity"])
    error_message = "Roles must be assumable only through the GitHub OIDC provider."
  }

  assert {
    condition     = aws_iam_openid_connect_provider.github.url == "https://token.actions.githubusercontent.com" && aws_iam_openid_connect_provider.github.client_id_list == toset(["sts.amazonaws.com"])
    error_message = "The OIDC provider must be GitHub's, for STS."
  }

  assert {
    condition = alltrue(flatten([
      for policy in aws_iam_policy.github : [
        for statement in jsondecode(policy.policy).Statement : [
          for action in flatten([statement.Action]) :
          !strcontains(action, "*") || can(regex("^[a-z0-9-]+:(Get|List|Describe)[A-Za-z]*\\*$", action))
        ]
      ]
    ]))
    error_message = "No wildcard write actions: a wildcard may only complete a Get/List/Describe prefix."
  }

  assert {
    condition = alltrue(flatten([
      for policy in aws_iam_policy.github : [
        for statement in jsondecode(policy.policy).Statement : [
          for action in flatten([statement.Action]) :
          can(regex("^[a-z0-9-]+:(Get|List|Describe)", action)) || try(statement.Condition, null) != null
        ] if contains(flatten([statement.Resource]), "*")
      ]
    ]))
    error_message = "Resource \"*\" only for read actions, or behind a condition."
  }

  assert {
    condition = alltrue([
      for statement in jsondecode(aws_iam_policy.github["infrastructure"].policy).Statement :
      statement.Condition == { StringEquals = { "iam:PassedToService" = "lambda.amazonaws.com" } }
      if contains(flatten([statement.Action]), "iam:PassRole")
    ])
    error_message = "iam:PassRole must be limited to Lambda."
  }

  assert {
    condition     = !strcontains(aws_iam_policy.github["plan-readonly"].policy, "PutObject") && !strcontains(aws_iam_policy.github["plan-readonly"].policy, "Create")
    error_message = "The plan role must not write service resources."
  }
}

run "immutable_subject_claims_use_owner_and_repository_ids" {
  command = plan

  variables {
    github_owner_id      = "123456"
    github_repository_id = "456789"
  }

  assert {
    condition     = local.role_subjects["lambda-deploy"][0] == "repo:acme@123456/items-service@456789:environment:dev"
    error_message = "With ids the subjects must use the repo:OWNER@ID/REPO@ID form."
  }
}
