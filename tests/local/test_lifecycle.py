"""The data plane before and after a deployment lands, its OpenAPI route, and a clean stop."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ci.local.data_plane import DataPlaneSettings, LocalDataPlane, find_openapi_document
from ci.local.deployed_function import ArtifactNotFound, ArtifactStore, FunctionConfiguration
from ci.local.deployment_watcher import emulator_client_session
from ci.local.emulator import MotoServer
from ci.local.worker_pool import WORKER_SCRIPT
from tests.local.conftest import BUCKET, deploy_probe
from tests.local.http_client import call


def test_data_plane_answers_503_until_the_api_is_deployed_then_serves_it(
    emulator: MotoServer, tmp_path: Path
) -> None:
    # Given a data plane started on an empty emulator (before `apply`), with an OpenAPI document
    openapi = tmp_path / "openapi.json"
    openapi.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "items", "version": "1"}}))
    plane = LocalDataPlane(
        DataPlaneSettings(
            emulator_endpoint=emulator.endpoint_url,
            cache_dir=tmp_path / "cache",
            refresh_interval=0.2,
            openapi_document=openapi,
        )
    )
    plane.start()
    try:
        # Then API requests get a JSON 503 that says why, and the OpenAPI document is served already
        waiting = call(plane.url, "GET", "/items")
        assert waiting.status == 503
        assert "No API is deployed" in waiting.json()["message"]
        assert call(plane.url, "GET", "/openapi.json").json()["openapi"] == "3.0.3"
        # When the deployment lands
        deploy_probe(emulator.endpoint_url)
        plane.watcher.refresh()
        # Then the API is served
        assert call(plane.url, "GET", "/probe/ready").status == 200
        pids = [
            pid
            for binding in plane.watcher.current.functions.values()
            for pid in binding.pool.worker_pids()  # type: ignore[union-attr]
        ]
        assert pids
    finally:
        plane.stop()
    # And stopping leaves no worker process behind
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_artifact_that_does_not_match_code_sha256_is_refused(emulator: MotoServer, tmp_path: Path) -> None:
    # Given an object under the content-addressed key whose bytes are not what the function was built from
    s3 = emulator_client_session().client("s3", endpoint_url=emulator.endpoint_url)
    s3.create_bucket(Bucket=f"{BUCKET}-tampered")
    digest = "ab" * 32
    s3.put_object(Bucket=f"{BUCKET}-tampered", Key=f"functions/api_handler/{digest}.zip", Body=b"other bytes")
    function = FunctionConfiguration(
        name="fn",
        version="1",
        invoked_arn="arn:aws:lambda:us-east-1:123456789012:function:fn:live",
        handler="h.handler",
        runtime="python3.11",
        timeout_seconds=3,
        memory_mb=128,
        code_sha256="q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=",
    )
    assert function.code_sha256_hex == digest
    # Then the store refuses to run it
    with pytest.raises(ArtifactNotFound, match="sha256"):
        ArtifactStore(s3, tmp_path).task_root(function)


def test_committed_openapi_document_is_found_in_data(tmp_path: Path) -> None:
    (tmp_path / "data" / "api").mkdir(parents=True)
    assert find_openapi_document(tmp_path) is None
    nested = tmp_path / "data" / "api" / "openapi-items.json"
    nested.write_text("{}")
    assert find_openapi_document(tmp_path) == nested
    default = tmp_path / "data" / "openapi.json"
    default.write_text("{}")
    assert find_openapi_document(tmp_path) == default


def test_a_worker_started_by_a_large_process_reports_its_own_peak_memory_not_its_parents() -> None:
    # Given a parent that holds 300 MB (a long test session is about that large), every page touched
    ballast = bytearray(300 * 1024 * 1024)
    for offset in range(0, len(ballast), 4096):
        ballast[offset] = 1
    # When a process it starts measures its peak memory the way the worker does
    measure = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('lambda_worker', {str(WORKER_SCRIPT)!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "print(module.max_memory_used_mb())\n"
    )
    printed = subprocess.run(
        [sys.executable, "-c", measure], capture_output=True, text=True, check=True
    ).stdout
    # Then it sees its own few megabytes: a 256 MB function would otherwise be "out of memory" at once
    assert int(printed) < 100
    del ballast
