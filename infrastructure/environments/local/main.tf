# env local: the local cloud (moto server). The data plane runs the artifact with this machine's CPython
# 3.11 on x86_64 (data/contract.json), so the function is declared the same way.
# Everything that makes this environment what it is, in one module call; names, runtime and architecture
# come from data/contract.json, the shape from modules/items_service.
module "service" {
  source = "../../modules/items_service"

  environment              = "local"
  lambda_artifact_path     = var.lambda_artifact_path
  authorizer_artifact_path = var.authorizer_artifact_path

  lambda_memory_size          = 256
  lambda_reserved_concurrency = 5
  log_level                   = "DEBUG"
  tracing_enabled             = false
  cors_allowed_origins        = ["http://localhost:3000", "http://127.0.0.1:3000"]
  api_throttling_rate_limit   = 50
  api_throttling_burst_limit  = 100
  api_execution_logging_level = "OFF"

  alarm_thresholds = {
    lambda_errors          = 1
    lambda_throttles       = 1
    lambda_duration_p99_ms = 5000
    api_5xx                = 1
    api_latency_p99_ms     = 2000
    dynamodb_throttles     = 1
  }

  # Emulator toggles (on by default everywhere else; see docs/DEPLOYMENT.md):
  # moto serves plain HTTP and evaluates bucket policies without their conditions, so a TLS-only deny
  # statement would deny every request.
  s3_tls_only_policy_enabled = false
  # The AWS provider waits about 55 s after writing lifecycle rules (10 identical reads, 5 s apart), and moto
  # never expires objects anyway: the local loop skips them (the deployment rehearsal keeps them).
  s3_lifecycle_configuration_enabled = false

  # The JWT authorizer with a test key (ci/local/identity.py derives it from a public phrase, so anyone can
  # mint tokens: only this emulated environment trusts it). Off by default, because the local cloud's API_URL is
  # the public API anonymous clients are promised; `python -m ci local up --auth` turns it on.
  authorizer = var.authorizer_enabled ? {
    issuer     = "https://issuer.local-cloud.invalid/"
    audience   = "items-api"
    jwks       = file("${path.module}/test-jwks.json")
    algorithms = ["EdDSA"]
  } : null

  # Throw-away environment: destroy must succeed without manual emptying or unprotecting.
  deletion_protection_enabled = false
  force_destroy_buckets       = true
  # moto never rotates keys and reads nothing from their tags, while the AWS provider reads the rotation status,
  # the key policy and the tags back until each is stable 5 times, 1 s apart: about 13 s on the apply's
  # critical path. Rotation and tags off leave only the policy wait (the deployment rehearsal keeps all three).
  kms_key_settings = {
    deletion_window_days = 7
    rotation_enabled     = false
    tagged               = false
  }
}
