variable "aws_region" {
  description = "AWS region of the stack (the pipeline sets TF_VAR_aws_region)."
  type        = string
  default     = "us-east-1"
}

variable "lambda_artifact_path" {
  description = "The items API's zip built by the package stage (relative to this directory or absolute)."
  type        = string
  default     = "../../../build/dist/api_handler.zip"
}

variable "authorizer_artifact_path" {
  description = "The authorizer's zip built by the package stage; read only when the authorizer is on."
  type        = string
  default     = "../../../build/dist/authorizer.zip"
}

variable "authorizer_enabled" {
  description = "Deploy the JWT authorizer with the test key in front of every /items method (ci local up --auth)."
  type        = bool
  default     = false
}
