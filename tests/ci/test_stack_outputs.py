"""Every reader of an environment's Terraform outputs sees the same flat names, whatever the file's shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ci.common.stack_outputs import read_stack_outputs, stack_outputs

THROTTLING = {"rate_limit": 20, "burst_limit": 40}


def test_terraform_output_json_of_a_root_is_flattened_with_the_service_fields_lifted() -> None:
    # Given `terraform output -json` of an environment root (api_url + the service object)
    document = {
        "api_url": {"sensitive": False, "type": "string", "value": "https://x.execute-api/dev"},
        "service": {
            "sensitive": False,
            "type": ["object", {}],
            "value": {"function_name": "items-service-dev-api", "api_throttling": THROTTLING},
        },
    }
    # Then a reader gets plain values by name; objects that merely look nested stay as they are
    assert stack_outputs(document) == {
        "api_url": "https://x.execute-api/dev",
        "function_name": "items-service-dev-api",
        "api_throttling": THROTTLING,
    }


def test_flat_and_value_only_files_read_the_same() -> None:
    flat = {"function_name": "f", "api_throttling": THROTTLING}
    wrapped = {"function_name": {"value": "f"}, "api_throttling": {"value": THROTTLING}}
    assert stack_outputs(flat) == stack_outputs(wrapped) == flat


def test_a_file_that_is_not_an_object_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(["not", "outputs"]))
    with pytest.raises(ValueError, match="expected a JSON object"):
        read_stack_outputs(path)
