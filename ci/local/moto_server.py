"""Entry point of the emulator process: moto's server, applying one request at a time.

Real DynamoDB evaluates a ConditionExpression and writes atomically. moto checks the condition and then
writes in two steps, so two threads of its threaded server can both pass the same ``version = :expected``
check and one update is silently lost (seen here: the racing-writers property test lost a change). Applying
requests one at a time makes the emulator linearizable, which is what the service's optimistic locking
relies on; connections are still accepted concurrently, so clients race exactly as they would against AWS.

Run as ``python -m ci.local.moto_server -H 127.0.0.1 -p PORT``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterable, Sequence
from types import FrameType
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple


class OneRequestAtATime:
    """WSGI middleware that runs the wrapped application for one request at a time."""

    def __init__(self, app: WSGIApplication) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        with self._lock:
            response = self._app(environ, start_response)
            try:
                # Drain inside the lock: a lazily produced body may still read the backends.
                return list(response)
            finally:
                close = getattr(response, "close", None)
                if close is not None:
                    close()


def _exit_quietly(signum: int, frame: FrameType | None) -> None:
    sys.exit(0)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="moto server applying one request at a time")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, _exit_quietly)
    signal.signal(signal.SIGTERM, _exit_quietly)
    app = OneRequestAtATime(DomainDispatcherApplication(create_backend_app))
    run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
