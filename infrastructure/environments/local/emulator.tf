# Only the local root talks to an emulator; every other variable is shared (variables.tf -> ../_shared).
variable "aws_endpoint_url" {
  description = "Endpoint of the AWS emulator (moto server) every service is pointed at, e.g. http://127.0.0.1:5000."
  type        = string
  default     = "http://127.0.0.1:5000"

  validation {
    condition     = can(regex("^https?://[^/\\s]+/?$", var.aws_endpoint_url))
    error_message = "aws_endpoint_url must be a base URL like http://127.0.0.1:5000."
  }
}
