# REST API (v1): /items and /items/{id} proxied to the function's `live` alias, CORS preflight answered by
# API Gateway itself. Request bodies are validated by the function only (against the same shared schema the
# models below document): a REST API's own errors cannot carry CORS headers for an origin allowlist, nor the
# validator's reasons, so a refusal the function makes is one a browser can read and a client can act on.
locals {
  item_schema       = jsondecode(file(var.item_schema_path))
  access_log_group  = "/aws/apigateway/${var.api_name}"
  authorization     = var.authorizer == null ? "NONE" : "CUSTOM"
  authorizer_id     = var.authorizer == null ? null : aws_api_gateway_authorizer.jwt[0].id
  cors_allow_header = "Content-Type,Authorization,Idempotency-Key,X-Amz-Date,X-Api-Key,X-Amz-Security-Token"

  # API Gateway models are JSON Schema draft-04: each model carries the shared definitions so its
  # "#/definitions/..." references resolve inside the model itself. They document the bodies (console, SDK
  # generation); no request validator enforces them (see the header).
  models = {
    ItemCreate = "ItemCreate"
    ItemUpdate = "ItemUpdate"
  }
  model_documents = {
    for model, definition in local.models : model => jsonencode(merge(
      local.item_schema.definitions[definition],
      {
        "$schema"   = "http://json-schema.org/draft-04/schema#"
        title       = model
        definitions = local.item_schema.definitions
      },
    ))
  }

  # Every proxied method: resource key, HTTP method, body model (if any), required request parameters.
  proxied_methods = {
    "list-items"  = { resource = "items", method = "GET", model = null, params = local.list_query_params }
    "create-item" = { resource = "items", method = "POST", model = "ItemCreate", params = {} }
    "get-item"    = { resource = "item", method = "GET", model = null, params = { "method.request.path.id" = true } }
    "update-item" = { resource = "item", method = "PUT", model = "ItemUpdate", params = { "method.request.path.id" = true } }
    "delete-item" = { resource = "item", method = "DELETE", model = null, params = { "method.request.path.id" = true } }
  }
  list_query_params = {
    "method.request.querystring.limit"  = false
    "method.request.querystring.cursor" = false
    "method.request.querystring.status" = false
  }
  resource_ids = {
    items = aws_api_gateway_resource.items.id
    item  = aws_api_gateway_resource.item.id
  }
  resource_methods = {
    items = "GET,POST,OPTIONS"
    item  = "GET,PUT,DELETE,OPTIONS"
  }

  # Preflight: echo the Origin only when it is on the allowlist (a static header could name one origin only).
  cors_preflight_template = <<-VTL
    #set($origin = $input.params().header.get("Origin"))
    #if($origin == "")#set($origin = $input.params().header.get("origin"))#end
    #set($allowed = [${join(",", [for origin in var.cors_allowed_origins : "\"${origin}\""])}])
    #if($allowed.contains($origin))
    #set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)
    #set($context.responseOverride.header.Vary = "Origin")
    #end
    {}
  VTL

  # Errors produced by API Gateway itself (unknown route, authorizer, throttling, payload too large, integration
  # failures) use the API's error envelope: {"error": {"code", "message"}} ($context.error.messageString is
  # already a quoted JSON string).
  gateway_errors = {
    DEFAULT_4XX = { status = null, code = "REQUEST_REJECTED" }
    DEFAULT_5XX = { status = null, code = "GATEWAY_ERROR" }
  }
}

resource "aws_api_gateway_rest_api" "this" {
  name        = var.api_name
  description = "Items REST API"

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_resource" "items" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_rest_api.this.root_resource_id
  path_part   = "items"
}

resource "aws_api_gateway_resource" "item" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.items.id
  path_part   = "{id}"
}

resource "aws_api_gateway_model" "this" {
  for_each = local.model_documents

  rest_api_id  = aws_api_gateway_rest_api.this.id
  name         = each.key
  description  = "${each.key} from data/schemas/item.schema.json"
  content_type = "application/json"
  schema       = each.value
}

resource "aws_api_gateway_authorizer" "jwt" {
  count = var.authorizer == null ? 0 : 1

  rest_api_id                      = aws_api_gateway_rest_api.this.id
  name                             = "${var.api_name}-jwt"
  type                             = "TOKEN"
  authorizer_uri                   = var.authorizer.invoke_arn
  identity_source                  = "method.request.header.Authorization"
  authorizer_result_ttl_in_seconds = var.authorizer.result_ttl_seconds
}

resource "aws_lambda_permission" "authorizer" {
  count = var.authorizer == null ? 0 : 1

  statement_id  = "AllowApiGatewayAuthorizer"
  action        = "lambda:InvokeFunction"
  function_name = var.authorizer.function_name
  qualifier     = var.authorizer.alias_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/authorizers/${aws_api_gateway_authorizer.jwt[0].id}"
}

# --- proxied methods ---------------------------------------------------------------------------------------

resource "aws_api_gateway_method" "proxied" {
  #checkov:skip=CKV2_AWS_53:Bodies and parameters are validated by the function against the shared schema, so every refusal carries details and CORS headers (docs/API.md, "Who refuses what").
  for_each = local.proxied_methods

  rest_api_id        = aws_api_gateway_rest_api.this.id
  resource_id        = local.resource_ids[each.value.resource]
  http_method        = each.value.method
  authorization      = local.authorization
  authorizer_id      = local.authorizer_id
  request_models     = each.value.model == null ? null : { "application/json" = aws_api_gateway_model.this[each.value.model].name }
  request_parameters = each.value.params
}

resource "aws_api_gateway_integration" "proxied" {
  for_each = local.proxied_methods

  rest_api_id             = aws_api_gateway_rest_api.this.id
  resource_id             = local.resource_ids[each.value.resource]
  http_method             = aws_api_gateway_method.proxied[each.key].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = var.lambda_alias_invoke_arn
}

resource "aws_lambda_permission" "api" {
  statement_id  = "AllowApiGatewayInvokeLiveAlias"
  action        = "lambda:InvokeFunction"
  function_name = var.lambda_function_name
  qualifier     = var.lambda_alias_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/*/*/items*"
}

# --- CORS preflight (no authorizer: browsers never send credentials on OPTIONS) ----------------------------

resource "aws_api_gateway_method" "preflight" {
  #checkov:skip=CKV2_AWS_53:A preflight has no body or parameters to validate; it is answered by a MOCK integration.
  for_each = local.resource_ids

  rest_api_id   = aws_api_gateway_rest_api.this.id
  resource_id   = each.value
  http_method   = "OPTIONS"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "preflight" {
  for_each = local.resource_ids

  rest_api_id       = aws_api_gateway_rest_api.this.id
  resource_id       = each.value
  http_method       = aws_api_gateway_method.preflight[each.key].http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 204}" }
}

resource "aws_api_gateway_method_response" "preflight" {
  for_each = local.resource_ids

  rest_api_id = aws_api_gateway_rest_api.this.id
  resource_id = each.value
  http_method = aws_api_gateway_method.preflight[each.key].http_method
  status_code = "204"
  response_parameters = {
    "method.response.header.Access-Control-Allow-Headers" = true
    "method.response.header.Access-Control-Allow-Methods" = true
    "method.response.header.Access-Control-Max-Age"       = true
  }
}

resource "aws_api_gateway_integration_response" "preflight" {
  for_each = local.resource_ids

  rest_api_id = aws_api_gateway_rest_api.this.id
  resource_id = each.value
  http_method = aws_api_gateway_method.preflight[each.key].http_method
  status_code = aws_api_gateway_method_response.preflight[each.key].status_code
  response_parameters = {
    "method.response.header.Access-Control-Allow-Headers" = "'${local.cors_allow_header}'"
    "method.response.header.Access-Control-Allow-Methods" = "'${local.resource_methods[each.key]}'"
    "method.response.header.Access-Control-Max-Age"       = "'600'"
  }
  response_templates = { "application/json" = local.cors_preflight_template }
  depends_on         = [aws_api_gateway_integration.preflight]
}

resource "aws_api_gateway_gateway_response" "errors" {
  for_each = local.gateway_errors

  rest_api_id   = aws_api_gateway_rest_api.this.id
  response_type = each.key
  status_code   = each.value.status
  response_templates = {
    "application/json" = "{\"error\": {\"code\": \"${each.value.code}\", \"message\": $context.error.messageString}}"
  }
}

# --- deployment and stage ----------------------------------------------------------------------------------

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  description = "API definition ${substr(local.api_definition_sha, 0, 12)}"

  # Replaced only when the API definition changes (not on every apply, not on a code-only deploy).
  triggers = {
    api_definition = local.api_definition_sha
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [
    aws_api_gateway_integration.proxied,
    aws_api_gateway_integration_response.preflight,
    aws_api_gateway_gateway_response.errors,
  ]
}

locals {
  api_definition_sha = sha256(jsonencode([
    aws_api_gateway_resource.items.id,
    aws_api_gateway_resource.item.id,
    local.model_documents,
    local.proxied_methods,
    local.list_query_params,
    local.cors_preflight_template,
    local.resource_methods,
    local.gateway_errors,
    local.authorization,
    var.lambda_alias_invoke_arn,
  ]))
}

module "access_logs_key" {
  source = "../kms_key"

  description     = "${var.api_name} access logs"
  alias           = "${var.api_name}-access-logs"
  settings        = var.kms_key_settings
  tags            = var.tags
  log_group_grant = { sid = "CloudWatchLogsEncryptsAccessLogs", log_group_name = local.access_log_group }
}

moved {
  from = aws_kms_key.access_logs
  to   = module.access_logs_key.aws_kms_key.this
}

moved {
  from = aws_kms_alias.access_logs
  to   = module.access_logs_key.aws_kms_alias.this
}

resource "aws_cloudwatch_log_group" "access" {
  #checkov:skip=CKV_AWS_338:Access logs are kept 30 days by design (issue 3); long-term copies belong in an organisation log archive.
  name              = local.access_log_group
  retention_in_days = var.log_retention_days
  kms_key_id        = module.access_logs_key.arn
  tags              = var.tags
}

resource "aws_api_gateway_stage" "this" {
  #checkov:skip=CKV_AWS_120:Responses are per-item and change on every write; a stage cache would serve stale items and break optimistic locking.
  #checkov:skip=CKV2_AWS_29:WAF is a paid, organisation-wide control (attach a web ACL by ARN); the stage is protected by throttling and request validation.
  #checkov:skip=CKV2_AWS_51:Public HTTPS API for browsers; client certificates (mTLS to the backend) do not apply to a Lambda proxy integration.
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = var.stage_name
  xray_tracing_enabled = var.xray_tracing_enabled

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      extendedRequestId  = "$context.extendedRequestId"
      ip                 = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
      requestTime        = "$context.requestTime"
      httpMethod         = "$context.httpMethod"
      resourcePath       = "$context.resourcePath"
      path               = "$context.path"
      status             = "$context.status"
      protocol           = "$context.protocol"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationLatency = "$context.integrationLatency"
      integrationStatus  = "$context.integrationStatus"
      errorMessage       = "$context.error.message"
      principalId        = "$context.authorizer.principalId"
      xrayTraceId        = "$context.xrayTraceId"
    })
  }

  tags = var.tags
}

resource "aws_api_gateway_method_settings" "all" {
  #checkov:skip=CKV_AWS_225:Caching is off on purpose: items change on every write and PUT relies on the current version (optimistic locking); a cache would serve stale items.
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"

  settings {
    throttling_rate_limit  = var.throttling_rate_limit
    throttling_burst_limit = var.throttling_burst_limit
    metrics_enabled        = true
    logging_level          = var.execution_logging_level
    data_trace_enabled     = false
    caching_enabled        = false
    cache_data_encrypted   = true
  }
}
