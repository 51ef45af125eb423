"""schemathesis hooks of the contract stage (loaded through SCHEMATHESIS_HOOKS).

Every create gets a fresh Idempotency-Key when the generated one is valid. Generated keys repeat (a short
alphabet, shrinking), and a repeated key with the same body replays the first create's answer, by design
(docs/API.md), even after that item was deleted: a stateful run would then report "created resource not
found". Reuse itself is tested in tests/unit/test_idempotency.py; invalid keys are left as generated so
the negative checks still send them.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import schemathesis

HEADER = "Idempotency-Key"
VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


@schemathesis.hook
def map_headers(context: Any, headers: dict[str, Any] | None) -> dict[str, Any] | None:
    if headers and isinstance(headers.get(HEADER), str) and VALID_KEY.fullmatch(headers[HEADER]):
        headers[HEADER] = f"contract-{uuid.uuid4()}"
    return headers
