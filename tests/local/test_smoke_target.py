"""Where the smoke suite points, and that it skips (rather than fails) when nothing is configured."""

from __future__ import annotations

import json
from pathlib import Path

from tests.smoke.conftest import SmokeTarget, resolve_target


def write_outputs(path: Path, api_url: str) -> Path:
    path.write_text(
        json.dumps({"api_url": {"value": api_url}, "function_name": {"value": "fn-from-outputs"}})
    )
    return path


def test_no_api_url_means_no_target_with_a_reason(tmp_path: Path) -> None:
    reason = resolve_target({"SMOKE_OUTPUTS": str(tmp_path / "absent.json")})
    assert isinstance(reason, str)
    assert "API_URL" in reason


def test_env_local_never_uses_the_emulators_api_gateway_url_from_outputs(tmp_path: Path) -> None:
    # Given outputs of env local (their api_url names a host that only exists inside the emulator)
    outputs = write_outputs(
        tmp_path / "outputs.json", "https://abc.execute-api.us-east-1.amazonaws.com/local"
    )
    # Then without API_URL there is no target
    assert isinstance(resolve_target({"ENVIRONMENT": "local", "TERRAFORM_OUTPUTS": str(outputs)}), str)
    # And with the data plane's URL the outputs still name the resources
    target = resolve_target(
        {"ENVIRONMENT": "local", "TERRAFORM_OUTPUTS": str(outputs), "API_URL": "http://127.0.0.1:9/"}
    )
    assert isinstance(target, SmokeTarget)
    assert target.api_url == "http://127.0.0.1:9"
    assert target.function_name == "fn-from-outputs"
    assert target.table_name == "items-service-local-items"
    assert target.aws_reachable is False


def test_a_real_env_takes_its_api_url_from_the_terraform_outputs(tmp_path: Path) -> None:
    outputs = write_outputs(tmp_path / "outputs.json", "https://abc.execute-api.eu-west-1.amazonaws.com/dev")
    target = resolve_target({"SMOKE_ENV": "dev", "SMOKE_OUTPUTS": str(outputs), "AWS_REGION": "eu-west-1"})
    assert isinstance(target, SmokeTarget)
    assert target.api_url == "https://abc.execute-api.eu-west-1.amazonaws.com/dev"
    assert (target.env, target.region, target.aws_reachable) == ("dev", "eu-west-1", True)
    assert target.log_group_name == "/aws/lambda/fn-from-outputs"
