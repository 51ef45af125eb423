# A private, versioned, KMS-encrypted bucket that only accepts TLS, with its server access logs kept in a
# companion bucket. Used for the Lambda artifact bucket (environments) and the Terraform state bucket (global).
data "aws_caller_identity" "current" {}

locals {
  access_log_prefix = "s3/${var.bucket_name}/"
}

module "bucket_key" {
  source = "../kms_key"

  description = "${var.bucket_name} objects"
  alias       = var.bucket_name
  settings    = var.kms_key_settings
  tags        = var.tags
}

moved {
  from = aws_kms_key.bucket
  to   = module.bucket_key.aws_kms_key.this
}

moved {
  from = aws_kms_alias.bucket
  to   = module.bucket_key.aws_kms_alias.this
}

# --- the bucket itself -------------------------------------------------------------------------------------

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_144:Cross-region replication doubles storage for artifacts that the pipeline can rebuild byte-identically, and state is versioned; enable per organisation policy, not by default.
  #checkov:skip=CKV2_AWS_62:Nothing consumes object events from this bucket; a notification without a consumer adds cost and no signal.
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
  tags          = merge(var.tags, { Name = var.bucket_name })
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = module.bucket_key.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  count  = var.lifecycle_configuration_enabled ? 1 : 0
  bucket = aws_s3_bucket.this.id
  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"
    filter {
      prefix = ""
    }
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  bucket        = aws_s3_bucket.this.id
  target_bucket = aws_s3_bucket.access_logs.id
  target_prefix = local.access_log_prefix
  # S3 checks the target bucket's policy when logging is switched on.
  depends_on = [aws_s3_bucket_policy.access_logs]
}

resource "aws_s3_bucket_policy" "this" {
  count = var.tls_only_policy_enabled ? 1 : 0

  bucket = aws_s3_bucket.this.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [local.deny_insecure_transport["bucket"]]
  })
  depends_on = [aws_s3_bucket_public_access_block.this]
}

locals {
  # Deny any request not made over TLS, for the bucket and its objects.
  deny_insecure_transport = {
    for key, arn in { bucket = aws_s3_bucket.this.arn, access_logs = aws_s3_bucket.access_logs.arn } : key => {
      Sid                    = "DenyInsecureTransport"
      Effect                 = "Deny"
      Principal              = "*"
      Action                 = "s3:*"
      Resource               = [arn, "${arn}/*"]
      Condition              = { Bool = { "aws:SecureTransport" = "false" } }
    }
  }
}

# --- the access-log bucket ---------------------------------------------------------------------------------

resource "aws_s3_bucket" "access_logs" {
  #checkov:skip=CKV_AWS_144:Access logs are an audit copy kept in-region; replicating them is an organisation-level decision.
  #checkov:skip=CKV2_AWS_62:Nothing consumes object events from the log bucket.
  #checkov:skip=CKV_AWS_145:S3 server access logging only delivers to buckets encrypted with SSE-S3 (AES256), not SSE-KMS.
  bucket        = var.access_log_bucket_name
  force_destroy = var.force_destroy
  tags          = merge(var.tags, { Name = var.access_log_bucket_name })
}

resource "aws_s3_bucket_ownership_controls" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "access_logs" {
  bucket                  = aws_s3_bucket.access_logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "access_logs" {
  count  = var.lifecycle_configuration_enabled ? 1 : 0
  bucket = aws_s3_bucket.access_logs.id
  rule {
    id     = "expire-access-logs"
    status = "Enabled"
    filter {
      prefix = ""
    }
    expiration {
      days = var.access_log_expiration_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
  depends_on = [aws_s3_bucket_versioning.access_logs]
}

resource "aws_s3_bucket_policy" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      var.tls_only_policy_enabled ? [local.deny_insecure_transport["access_logs"]] : [],
      [{
        Sid       = "AllowServerAccessLogDelivery"
        Effect    = "Allow"
        Principal = { Service = "logging.s3.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "${aws_s3_bucket.access_logs.arn}/${local.access_log_prefix}*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id }
          ArnLike      = { "aws:SourceArn" = aws_s3_bucket.this.arn }
        }
      }],
    )
  })
  depends_on = [aws_s3_bucket_public_access_block.access_logs]
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.this
  to   = aws_s3_bucket_lifecycle_configuration.this[0]
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.access_logs
  to   = aws_s3_bucket_lifecycle_configuration.access_logs[0]
}
