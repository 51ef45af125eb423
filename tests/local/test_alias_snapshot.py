"""The data plane serves an alias as it was at one moment, even while the alias is being moved.

Found by the canary test under load: the version an alias points at and its routing were read in two calls,
so an update between them paired the new routing with the old version (primary and canary both the new
version) until the next refresh, and one request in forty went to the wrong version.
"""

from __future__ import annotations

from typing import Any

from ci.local.deployment_watcher import DeploymentWatcher
from ci.local.function_ref import FunctionRef

ARN = "arn:aws:lambda:us-east-1:123456789012:function:items-api"


class AliasMovedAfterTheFirstRead:
    """A Lambda API whose alias `live` moves from version 2 to version 1 with a 25 % canary of version 2
    right after the first call the watcher makes, whichever call that is."""

    def __init__(self) -> None:
        self.version, self.weights = "2", {}
        self.calls = 0

    def _read(self, answer: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        if self.calls == 1:
            self.version, self.weights = "1", {"2": 0.25}
        return answer

    def get_alias(self, FunctionName: str, Name: str) -> dict[str, Any]:
        routing = {"AdditionalVersionWeights": dict(self.weights)}
        return self._read(
            {"AliasArn": f"{ARN}:{Name}", "FunctionVersion": self.version, "RoutingConfig": routing}
        )

    def get_function_configuration(self, FunctionName: str, Qualifier: str) -> dict[str, Any]:
        version = self.version if Qualifier == "live" else Qualifier
        return self._read(
            {
                "FunctionName": FunctionName,
                "FunctionArn": f"{ARN}:{version}",
                "Version": version,
                "Handler": "api_handler.handler.lambda_handler",
                "Runtime": "python3.11",
                "CodeSha256": f"code-of-version-{version}",
            }
        )


def test_an_alias_moved_between_two_reads_is_served_as_it_was_when_first_read() -> None:
    # Given a watcher whose emulator moves the alias right after the watcher's first read
    watcher = DeploymentWatcher.__new__(DeploymentWatcher)  # no emulator, no threads: only the reads
    watcher._lambda = AliasMovedAfterTheFirstRead()  # type: ignore[assignment]
    watcher._new_pool = lambda configuration: object()  # type: ignore[method-assign,assignment,return-value]
    # When it binds the alias's workers
    binding = watcher._binding(FunctionRef("items-api", "live"), None)
    # Then they are the alias before the move (version 2, no canary), never a mix of before and after
    canary = binding.canary.configuration.version if binding.canary else None
    assert (binding.primary.configuration.version, canary, binding.weight) == ("2", None, 0.0)
    # And the workers are invoked through the alias, as on Lambda
    assert binding.primary.configuration.invoked_arn == f"{ARN}:live"
