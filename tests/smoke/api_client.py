"""Plain HTTP calls for the smoke suite (standard library only: it must run wherever the pipeline runs)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers.items() if key.lower() == name.lower()), None)


def request(
    base_url: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> Response:
    data = json.dumps(body).encode() if body is not None else None
    all_headers = {"Content-Type": "application/json"} if data is not None else {}
    all_headers.update(headers or {})
    prepared = urllib.request.Request(f"{base_url}{path}", data=data, method=method, headers=all_headers)  # noqa: S310
    try:
        with urllib.request.urlopen(prepared, timeout=30) as response:  # noqa: S310 - the API under test
            return Response(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, dict(error.headers.items()), error.read())
