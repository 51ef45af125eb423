"""`python -m ci local up` end to end: deploy into a fresh local cloud, smoke it, reload, destroy, stop it.

The cloud is the suite's shared public one (tests/local_up.py): the infrastructure and ops-tool tests read it
first, and this test ends its life.
"""

from __future__ import annotations

import json
import re
import signal
import time
from pathlib import Path

import pytest

from tests.local.doc_examples import check_api_examples, check_readme_script, curl_examples
from tests.local.http_client import call
from tests.local_up import LocalUp, run_pipeline_stages, run_smoke_suite
from tests.ops_tools import run_script
from tests.processes import descendants, still_running

API_DOC_ITEM_ID = "0366d13e-28a9-4591-a318-3592b6a0c400"  # the example item of docs/API.md


def wait_for_new_live_version(cloud: LocalUp, before: str, timeout: float = 180) -> str:
    lambda_client = cloud.emulator_client("lambda")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        version = lambda_client.get_alias(FunctionName="items-service-local-api", Name="live")[
            "FunctionVersion"
        ]
        if version != before:
            return str(version)
        time.sleep(1)
    pytest.fail(f"--reload did not redeploy; stderr:\n{cloud.stderr_path.read_text()[-4000:]}")


@pytest.mark.slow
def test_local_up_deploys_serves_passes_smoke_reloads_is_destroyed_and_stops_cleanly(
    deployed_local: LocalUp, repo_root: Path, tmp_path: Path
) -> None:
    cloud = deployed_local  # the suite's public cloud (tests/local_up.py): this test ends its life
    api_url = cloud.printed["API_URL"]
    # Then the printed values describe the running cloud
    assert api_url.startswith("http://127.0.0.1:")
    assert cloud.printed["TABLE_NAME"] == "items-service-local-items"
    assert call(api_url, "GET", "/openapi.json").json()["openapi"].startswith("3.")
    # And the smoke suite passes against it, every check included: only the authorizer's checks skip,
    # because this cloud's API is public (tests/local/test_local_auth.py runs them with --auth)
    smoke = run_smoke_suite(cloud, repo_root)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    skipped = [line for line in smoke.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skipped, smoke.stdout
    assert all("test_authorizer.py" in line and "is public" in line for line in skipped), skipped
    # And the docs' curl examples (README, docs/API.md) answer what the docs show
    for index in range(3):  # the list example pages through a few active items (as `--seed` makes)
        body = json.dumps({"name": f"doc example {index}"}).encode()
        created = call(api_url, "POST", "/items", body, [("Content-Type", "application/json")])
        assert created.status == 201, created.body
    [readme_example] = curl_examples((repo_root / "README.md").read_text())
    check_readme_script(readme_example, api_url)
    api_examples = curl_examples((repo_root / "docs" / "API.md").read_text())
    assert check_api_examples(api_examples, api_url, API_DOC_ITEM_ID) >= 6
    # And it announced itself, so a pipeline run deploys into it and its contract stage passes against it
    discovery = cloud.discovery_file
    assert json.loads(discovery.read_text())["api_url"] == api_url
    contract = run_pipeline_stages(cloud, "deploy", "contract")
    assert contract.returncode == 0, contract.stdout + contract.stderr
    assert "using the running `python -m ci local up`" in contract.stdout
    assert re.search(
        r"note: contract: \d+ generated cases over \d+ operations and scenarios, 0 failed", contract.stdout
    )
    # And every apply and deploy into it left its deployment event in the env's log group
    logs = cloud.emulator_client("logs")
    group = "/items-service/local/deployments"
    events = [json.loads(e["message"]) for e in logs.filter_log_events(logGroupName=group)["events"]]
    recorded = [(event["stage"], event["result"]) for event in events]
    assert ("apply", "success") in recorded, recorded
    assert recorded.count(("deploy", "success")) >= 2, recorded  # local up's own deploy, then the pipeline's
    # When the function's source changes (--reload)
    lambda_client = cloud.emulator_client("lambda")
    before = lambda_client.get_alias(FunctionName="items-service-local-api", Name="live")["FunctionVersion"]
    package_init = cloud.tree / "functions" / "api_handler" / "__init__.py"
    package_init.write_text(package_init.read_text() + "\n# changed by the local-up test\n")
    # Then it is repackaged and deployed as a new version, and the API keeps answering
    wait_for_new_live_version(cloud, before)
    assert call(api_url, "GET", "/items?limit=1").status == 200
    # When the ops tool destroys env local, with the typed confirmation, finding the cloud as a user's would
    destroyed = run_script(
        "destroy_validation",
        "--env=local",
        "destroy",
        "--confirm=local",
        f"--state-file={cloud.state_file}",
        f"--var=lambda_artifact_path={cloud.tree / 'build' / 'dist' / 'api_handler.zip'}",
        extra_env={"TF_DATA_DIR": str(tmp_path / "terraform-data")},
        discovery_file=cloud.discovery_file,
    )
    # Then nothing of it is left: Terraform's resources, and the record of the migrations local up ran
    assert destroyed.returncode == 0, destroyed.stdout[-4000:] + destroyed.stderr[-2000:]
    assert "deleted items-service-local-items-migrations" in destroyed.stdout
    assert destroyed.stdout.rstrip().endswith("nothing left")
    # When it is stopped with SIGTERM
    started_processes = descendants(cloud.process.pid)
    assert started_processes  # the emulator and the Lambda workers at least
    cloud.process.send_signal(signal.SIGTERM)
    # Then it exits cleanly and leaves no process behind
    assert cloud.process.wait(timeout=60) == 0, cloud.stderr_path.read_text()[-4000:]
    assert still_running(started_processes) == set()
    # and it withdrew its announcement
    assert not discovery.exists()
