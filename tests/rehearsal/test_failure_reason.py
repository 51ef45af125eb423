"""What a failed rehearsal command is reported with: enough of Terraform's error to act on, in one line."""

from __future__ import annotations

import pytest

from ci.rehearsal.phases import _last_error

LOCK_HELD = """
Acquiring state lock. This may take a few moments...
╷
│ Error: Error acquiring the state lock
│
│ Error message: operation error DynamoDB: PutItem, https response error
│ StatusCode: 400, RequestID: 7SBN, ConditionalCheckFailedException: The
│ conditional request failed
│ Lock Info:
│   ID:        0f1e2d3c-aaaa-bbbb-cccc-111122223333
│   Operation: OperationTypePlan
│   Created:   2026-12-05 21:58:01.123 +0000 UTC
╵
"""


@pytest.mark.parametrize("output", [LOCK_HELD, LOCK_HELD.replace("│", "").replace("╷", "").replace("╵", "")])
def test_a_terraform_error_is_reported_with_its_status_exception_and_lock_holder(output: str) -> None:
    reason = _last_error(output)
    assert reason.startswith("Error: Error acquiring the state lock Error message: operation error DynamoDB")
    assert "StatusCode: 400" in reason
    assert "ConditionalCheckFailedException" in reason
    assert "ID: 0f1e2d3c-aaaa-bbbb-cccc-111122223333" in reason
    assert "\n" not in reason


def test_output_without_an_error_box_gives_its_last_error_line() -> None:
    assert _last_error("building\nerror: uv sync failed\ncleaning up\n") == "error: uv sync failed"
    assert _last_error("") == "no output"
