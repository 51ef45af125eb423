"""The local API data plane: an HTTP server that behaves like the deployed API Gateway REST API stage.

Each request is matched against the REST API's resources as deployed in the emulator. ``AWS_PROXY`` methods
become a proxy event for the deployed Lambda artifact, run in warm worker processes; ``MOCK`` methods (CORS
preflight) answer from their integration response (static headers and mapping template); ``CUSTOM`` methods
run their Lambda TOKEN authorizer first. API Gateway's own errors are reproduced: 403 "Missing
Authentication Token" for unknown routes, 401/403 from authorizers, 502 for a failed function or malformed
result, 504 for a timeout, each shaped by the API's gateway responses when it defines them (see
``gateway_responses``). Each request is written to the stage's access log when it has one. Requests are
served concurrently (one thread per connection, HTTP/1.1 keep-alive).
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from ci.common import contract
from ci.local.access_log import flatten_request_context
from ci.local.authorizers import Authorized, AuthorizerCache, Refused, authorize, method_arn
from ci.local.deployment_watcher import (
    DeploymentWatcher,
    ServedApi,
    emulator_client_session,
    emulator_credentials,
)
from ci.local.emulator import FAKE_AWS_ENV, LOOPBACK
from ci.local.gateway_responses import gateway_error_response
from ci.local.log_shipper import CloudWatchLogShipper
from ci.local.mapping_template import TemplateError
from ci.local.proxy_event import (
    ACCOUNT_ID,
    INTERNAL_SERVER_ERROR,
    HttpRequest,
    HttpResponse,
    MalformedProxyResponse,
    build_proxy_event,
    gateway_error,
    http_response_from_proxy_result,
)
from ci.local.request_validation import validation_error
from ci.local.rest_api import RouteMatch
from ci.local.worker_pool import FunctionFailed, InvocationOutcome, PoolRetired, Succeeded, TimedOut

OPENAPI_PATH = "/openapi.json"
REGION = FAKE_AWS_ENV["AWS_REGION"]


@dataclass(frozen=True)
class DataPlaneSettings:
    emulator_endpoint: str
    cache_dir: Path
    env_name: str = "local"
    api_name: str | None = None  # default: the project's naming, items-service-<env>-api
    stage_name: str | None = None  # default: the environment's name
    openapi_document: Path | None = None
    host: str = LOOPBACK
    port: int = 0
    max_workers_per_function: int = 4
    refresh_interval: float = 1.0
    bucket_hints: tuple[str, ...] = field(default_factory=tuple)
    # None: the emulator's fake credentials. An emulator enforcing IAM (the deployment rehearsal) needs a
    # real access key of its own; the data plane and the Lambda workers then use it, as their roles would.
    aws_credentials: Mapping[str, str] | None = None

    @property
    def resolved_api_name(self) -> str:
        return self.api_name or contract.name("rest_api", self.env_name)

    @property
    def resolved_stage_name(self) -> str:
        return self.stage_name or self.env_name


@dataclass
class _Exchange:
    """One request on its way through the gateway: what it was routed to and the proxy event built for it."""

    request: HttpRequest
    request_id: str
    deployment: ServedApi | None = None
    event: dict[str, Any] | None = None


class LocalDataPlane:
    """Start with ``start()`` (returns the base URL), stop with ``stop()``: workers, threads and socket."""

    def __init__(self, settings: DataPlaneSettings) -> None:
        self.settings = settings
        session = emulator_client_session(settings.aws_credentials)
        self.log_shipper = CloudWatchLogShipper(
            session.client("logs", endpoint_url=settings.emulator_endpoint)
        )
        worker_environment = {
            **emulator_credentials(settings.aws_credentials),
            "AWS_ENDPOINT_URL": settings.emulator_endpoint,
        }
        self.watcher = DeploymentWatcher(
            emulator_endpoint=settings.emulator_endpoint,
            api_name=settings.resolved_api_name,
            stage_name=settings.resolved_stage_name,
            cache_dir=settings.cache_dir,
            log_sink_for_group=self.log_shipper.sink_for,
            worker_environment=worker_environment,
            max_workers_per_function=settings.max_workers_per_function,
            interval=settings.refresh_interval,
            bucket_hints=settings.bucket_hints,
            credentials=settings.aws_credentials,
        )
        self._authorizer_cache = AuthorizerCache()
        self._server = _DataPlaneHttpServer((settings.host, settings.port), _RequestHandler, self)
        self._serve_thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, name="data-plane"
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> str:
        self.watcher.start()
        self._serve_thread.start()
        return self.url

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.watcher.stop()
        self.log_shipper.flush()
        self.log_shipper.close()

    def handle(self, request: HttpRequest) -> HttpResponse:
        if request.method == "GET" and request.path == OPENAPI_PATH:
            return self._openapi_document()
        started = time.perf_counter()
        exchange = _Exchange(request, str(uuid.uuid4()))
        response = self._respond(exchange)
        deployment = exchange.deployment or self.watcher.current
        if deployment is not None and deployment.api.access_log is not None:
            self._write_access_log(deployment, exchange, response, time.perf_counter() - started)
        return response

    def _write_access_log(
        self, deployment: ServedApi, exchange: _Exchange, response: HttpResponse, elapsed_seconds: float
    ) -> None:
        settings = deployment.api.access_log
        assert settings is not None  # noqa: S101 - checked by the caller
        request = exchange.request
        context = exchange.event["requestContext"] if exchange.event is not None else {}
        values = {
            **flatten_request_context(context),
            "requestId": exchange.request_id,
            "httpMethod": request.method,
            "path": f"/{deployment.api.stage_name}{request.path}",
            "status": str(response.status),
            "responseLength": str(len(response.body)),
            "responseLatency": str(round(elapsed_seconds * 1000)),
        }
        if response.status >= 400 and b'"message"' in response.body[:200]:
            values["error.message"] = str(json.loads(response.body).get("message", "-"))
        stream = f"{deployment.api.id}_{deployment.api.stage_name}"
        self.log_shipper.emit(settings.group, stream, settings.render(values))

    def _respond(self, exchange: _Exchange) -> HttpResponse:
        request, request_id = exchange.request, exchange.request_id
        for _ in range(3):  # a function version replaced mid-request is retried on the new one
            deployment = self.watcher.current
            if deployment is None:
                reason = self.watcher.not_deployed_reason
                return gateway_error(503, f"No API is deployed in the local cloud yet ({reason})")
            exchange.deployment = deployment
            route = deployment.api.match(request.path, request.method)
            if route is None or route.method is None:
                message = "Missing Authentication Token"
                return _api_error(
                    deployment, request, "MISSING_AUTHENTICATION_TOKEN", 403, message, request_id
                )
            # Built once per routing: the integration receives it, the access log reads its requestContext.
            event = exchange.event = build_proxy_event(request, deployment.api, route, request_id)
            admitted = self._admit(request, deployment, route, request_id)
            if isinstance(admitted, HttpResponse):
                return admitted
            if admitted is not None:
                event["requestContext"]["authorizer"] = dict(admitted.context)
            if route.method.integration_type == "MOCK":
                return self._mock(request, deployment, route, event)
            response = self._invoke_function(request, deployment, route, event)
            if response is not None:
                return response
            self.watcher.refresh()
        message = "The function is being redeployed, retry"
        return _api_error(self.watcher.current, request, "DEFAULT_5XX", 503, message, request_id)

    def _admit(
        self, request: HttpRequest, deployment: ServedApi, route: RouteMatch, request_id: str
    ) -> HttpResponse | Authorized | None:
        """What runs before the integration, in API Gateway's order: the authorizer, then the validator.
        The refusal, or the authorizer's decision (None for a public method)."""
        method = route.method
        assert method is not None  # noqa: S101 - the caller matched a method
        authorized: Authorized | None = None
        if method.authorization_type == "CUSTOM":
            decision = self._authorize(request, deployment, route)
            if isinstance(decision, Refused):
                return _refusal(deployment, request, decision, request_id)
            authorized = decision
        headers = dict(request.headers)
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        error = validation_error(
            deployment.api.validators.get(method.request_validator_id or ""),
            method.request_parameters,
            deployment.api.model_for(method, content_type),
            headers,
            dict(parse_qsl(request.query, keep_blank_values=True)),
            route.path_parameters,
            request.body,
        )
        if error is not None:
            missing_parameters = error.startswith("Missing required request parameters")
            response_type = "BAD_REQUEST_PARAMETERS" if missing_parameters else "BAD_REQUEST_BODY"
            return _api_error(deployment, request, response_type, 400, error, request_id)
        return authorized

    def _mock(
        self, request: HttpRequest, deployment: ServedApi, route: RouteMatch, event: dict[str, Any]
    ) -> HttpResponse:
        """A MOCK integration (CORS preflight); its templates see the same request data as a proxy event."""
        assert route.method is not None  # noqa: S101 - the caller matched a method
        request_id = str(event["requestContext"]["requestId"])
        parameters = {
            "header": event["headers"],
            "querystring": event["queryStringParameters"] or {},
            "path": event["pathParameters"] or {},
        }
        try:
            mock = route.method.mock_response(parameters, event["requestContext"])
        except TemplateError as exc:
            print(f"local cloud: mapping template of {route.resource.path}: {exc}", file=sys.stderr)
            return _api_error(
                deployment, request, "API_CONFIGURATION_ERROR", 500, "Internal server error", request_id
            )
        headers = [
            ("Content-Type", "application/json"),
            *mock.headers.items(),
            ("x-amzn-RequestId", request_id),
        ]
        body = b"" if mock.status in (204, 304) else mock.body.encode()
        return HttpResponse(mock.status, headers, body)

    def _authorize(
        self, request: HttpRequest, deployment: ServedApi, route: RouteMatch
    ) -> Authorized | Refused:
        method = route.method
        authorizer = deployment.api.authorizers.get(method.authorizer_id or "") if method else None
        binding = deployment.functions.get(authorizer.function) if authorizer else None
        if authorizer is None or binding is None:
            print(
                f"local cloud: no usable Lambda TOKEN authorizer for {route.resource.path}", file=sys.stderr
            )
            return Refused(500, {"message": None})
        api = deployment.api
        arn = method_arn(REGION, ACCOUNT_ID, api.id, api.stage_name, request.method, request.path)
        return authorize(
            authorizer,
            dict(request.headers),
            arn,
            lambda event: binding.pool.invoke(event, str(uuid.uuid4())),
            self._authorizer_cache,
        )

    def _invoke_function(
        self, request: HttpRequest, deployment: ServedApi, route: RouteMatch, event: dict[str, Any]
    ) -> HttpResponse | None:
        """The Lambda proxy integration; None when the function version was retired while waiting."""
        request_id = str(event["requestContext"]["requestId"])
        method = route.method
        if method is None or method.integration_type != "AWS_PROXY" or method.function is None:
            kind = method.integration_type if method else "none"
            message = f"integration type {kind} is not emulated locally"
            return _api_error(deployment, request, "API_CONFIGURATION_ERROR", 500, message, request_id)
        binding = deployment.functions.get(method.function)
        if binding is None:
            reason = deployment.unavailable.get(method.function, "function not resolved")
            print(f"local cloud: {request.method} {request.path}: {reason}", file=sys.stderr)
            return _api_error(deployment, request, "DEFAULT_5XX", 502, "Internal server error", request_id)
        outcome = binding.choose().invoke(event, str(uuid.uuid4()))
        return _gateway_response(deployment, request, outcome, request_id)

    def reject(self, request: HttpRequest, response_type: str, status: int, message: str) -> HttpResponse:
        """A request the gateway refuses before routing it (too large, unparsable), as the API shapes it."""
        return _api_error(self.watcher.current, request, response_type, status, message, str(uuid.uuid4()))

    def _openapi_document(self) -> HttpResponse:
        document = self.settings.openapi_document
        if document is None or not document.is_file():
            return gateway_error(404, "No OpenAPI document is committed in data/ yet")
        return HttpResponse(200, [("Content-Type", "application/json")], document.read_bytes())


def _api_error(
    deployment: ServedApi | None,
    request: HttpRequest,
    response_type: str,
    status: int,
    message: str,
    request_id: str,
) -> HttpResponse:
    """An error the gateway produces itself, shaped by the API's gateway response for its type (if any)."""
    built_in = gateway_error(status, message, request_id)
    if deployment is None:
        return built_in
    return gateway_error_response(
        deployment.api.gateway_responses,
        response_type,
        built_in,
        message,
        request_id,
        dict(request.headers),
    )


def _refusal(deployment: ServedApi, request: HttpRequest, refused: Refused, request_id: str) -> HttpResponse:
    """The gateway's answer when a Lambda authorizer does not let the request through."""
    error_type = _AUTHORIZER_ERROR_TYPES.get(refused.status, "AuthorizerConfigurationException")
    headers = [
        ("Content-Type", "application/json"),
        ("x-amzn-RequestId", request_id),
        ("x-amzn-ErrorType", error_type),
    ]
    built_in = HttpResponse(refused.status, headers, json.dumps(refused.body).encode())
    response_type = _AUTHORIZER_RESPONSE_TYPES.get(refused.status, "AUTHORIZER_CONFIGURATION_ERROR")
    message = refused.body.get("message", refused.body.get("Message"))
    return gateway_error_response(
        deployment.api.gateway_responses,
        response_type,
        built_in,
        message,
        request_id,
        dict(request.headers),
    )


_AUTHORIZER_ERROR_TYPES = {401: "UnauthorizedException", 403: "AccessDeniedException"}
_AUTHORIZER_RESPONSE_TYPES = {401: "UNAUTHORIZED", 403: "ACCESS_DENIED"}


def _gateway_response(
    deployment: ServedApi, request: HttpRequest, outcome: InvocationOutcome, request_id: str
) -> HttpResponse | None:
    """What API Gateway answers for an invocation's outcome; None when it must be retried."""
    if isinstance(outcome, PoolRetired):
        return None
    if isinstance(outcome, TimedOut):
        message = "Endpoint request timed out"
        return _api_error(deployment, request, "INTEGRATION_TIMEOUT", 504, message, request_id)
    if isinstance(outcome, Succeeded):
        try:
            return http_response_from_proxy_result(outcome.payload, request_id)
        except MalformedProxyResponse as exc:
            print(f"local cloud: malformed Lambda proxy response: {exc}", file=sys.stderr)
    elif isinstance(outcome, FunctionFailed) and outcome.error_type.startswith("Runtime."):
        # The execution environment itself failed (did not start, exited): not in the function's logs.
        print(
            f"local cloud: {request.method} {request.path}: {outcome.error_type}: {outcome.message}",
            file=sys.stderr,
        )
    return _api_error(deployment, request, "DEFAULT_5XX", 502, "Internal server error", request_id)


def find_openapi_document(repo_root: Path) -> Path | None:
    """The committed OpenAPI document of the items API (data/openapi.json, else any data/**/openapi*.json)."""
    default = repo_root / "data" / "openapi.json"
    if default.is_file():
        return default
    candidates = sorted((repo_root / "data").rglob("openapi*.json"))
    return candidates[0] if candidates else None


# API Gateway's payload limit; a larger request is a 413 REQUEST_TOO_LARGE, never read in full.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
_DRAIN_CHUNK_BYTES = 1 << 20


class _DataPlaneHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        data_plane: LocalDataPlane,
    ) -> None:
        self.data_plane = data_plane
        super().__init__(address, handler)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like API Gateway
    # Headers and body leave in separate writes; with Nagle's algorithm and the client's delayed ACK each
    # keep-alive response would wait ~40 ms for the second segment.
    disable_nagle_algorithm = True
    server: _DataPlaneHttpServer

    def _serve(self) -> None:
        path, _, query = self.path.partition("?")
        request = HttpRequest(
            method=self.command,
            path=path,
            query=query,
            headers=list(self.headers.items()),
            body=b"",
            source_ip=self.client_address[0],
            host=self.headers.get("Host", ""),
        )
        try:
            declared = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self._send(self.server.data_plane.reject(request, "DEFAULT_4XX", 400, "Invalid Content-Length"))
            self.close_connection = True
            return
        if declared > MAX_PAYLOAD_BYTES:
            self._discard(declared)
            self._send(self.server.data_plane.reject(request, "REQUEST_TOO_LARGE", 413, "Request Too Long"))
            return
        request = replace(request, body=self._read_body())
        try:
            response = self.server.data_plane.handle(request)
        except Exception as exc:  # a data plane bug must look like a gateway error, not a dropped connection
            print(f"local cloud: data plane error on {self.command} {path}: {exc!r}", file=sys.stderr)
            response = HttpResponse(500, [("Content-Type", "application/json")], INTERNAL_SERVER_ERROR)
        self._send(response)

    def _discard(self, length: int) -> None:
        while length > 0:
            chunk = self.rfile.read(min(length, _DRAIN_CHUNK_BYTES))
            if not chunk:
                break
            length -= len(chunk)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a request line or headers too long, a malformed request) in JSON, the
        way API Gateway answers, instead of its HTML page."""
        request = HttpRequest(self.command or "", "", "", [], b"", self.client_address[0], "")
        text = message or self.responses.get(code, ("Bad Request",))[0]
        self._send(self.server.data_plane.reject(request, "DEFAULT_4XX", code, text))
        self.close_connection = True

    def __getattr__(self, name: str) -> Any:
        # Any method reaches the gateway (a method the API lacks is its 403 MISSING_AUTHENTICATION_TOKEN),
        # not http.server's 501 page for a verb without a do_<VERB> handler.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = bytearray()
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.extend(self.rfile.read(size))
                self.rfile.readline()  # CRLF after each chunk
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return bytes(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

    def log_message(self, format: str, *args: object) -> None:
        """Access logs would only add noise to the foreground ``ci local up`` output."""
