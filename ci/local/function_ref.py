"""How API Gateway names a Lambda function: an invocation URI with a function ARN and optional qualifier."""

from __future__ import annotations

import re
from dataclasses import dataclass

# arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function arn>/invocations
LAMBDA_INVOCATION_URI = re.compile(
    r"^arn:[^:]+:apigateway:[^:]+:lambda:path/[^/]+/functions/(?P<arn>.+)/invocations$"
)
# arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
FUNCTION_ARN = re.compile(
    r"^arn:[^:]+:lambda:[^:]+:[^:]+:function:(?P<name>[^:]+)(?::(?P<qualifier>[^:]+))?$"
)


@dataclass(frozen=True)
class FunctionRef:
    """A Lambda function as an integration names it: name and optional qualifier (alias or version)."""

    name: str
    qualifier: str | None

    @classmethod
    def from_integration_uri(cls, uri: str) -> FunctionRef | None:
        uri_match = LAMBDA_INVOCATION_URI.match(uri)
        arn_match = FUNCTION_ARN.match(uri_match["arn"]) if uri_match else None
        if arn_match is None:
            return None
        return cls(arn_match["name"], arn_match["qualifier"])
