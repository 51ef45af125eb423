"""The Lambda function as deployed in the emulator: its configuration and its code.

moto's ``GetFunction`` answers a ``Code.Location`` on a fake AWS host that cannot be fetched, so the code is
taken from the emulator's S3 object that the deployment uploaded (content-addressed key
``functions/<function dir>/<sha256 hex>.zip`` in the artifact bucket), and checked against the function's
``CodeSha256`` before it is unpacked into a cache directory keyed by that digest.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ci.local.function_ref import FunctionRef

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client

ARTIFACT_PREFIX = "functions/"


class ArtifactNotFound(LookupError):
    """The deployed code is not in the emulator's S3, or does not match the function's CodeSha256."""


@dataclass(frozen=True)
class FunctionConfiguration:
    """The published version an integration's qualifier points at, as the emulator reports it."""

    name: str
    version: str
    invoked_arn: str
    handler: str
    runtime: str
    timeout_seconds: int
    memory_mb: int
    code_sha256: str
    environment: Mapping[str, str] = field(default_factory=dict)

    @property
    def code_sha256_hex(self) -> str:
        return base64.b64decode(self.code_sha256).hex()


def load_function_configuration(lambda_client: LambdaClient, ref: FunctionRef) -> FunctionConfiguration:
    if ref.qualifier:
        config = lambda_client.get_function_configuration(FunctionName=ref.name, Qualifier=ref.qualifier)
    else:
        config = lambda_client.get_function_configuration(FunctionName=ref.name)
    unqualified_arn = config["FunctionArn"].rsplit(":", 1)[0] if ref.qualifier else config["FunctionArn"]
    return FunctionConfiguration(
        name=config["FunctionName"],
        version=config.get("Version", "$LATEST"),
        invoked_arn=f"{unqualified_arn}:{ref.qualifier}" if ref.qualifier else unqualified_arn,
        handler=config.get("Handler", ""),
        runtime=config.get("Runtime", ""),
        timeout_seconds=config.get("Timeout", 3),
        memory_mb=config.get("MemorySize", 128),
        code_sha256=config["CodeSha256"],
        environment=dict(config.get("Environment", {}).get("Variables", {})),
    )


class ArtifactStore:
    """Finds a function's deployed zip in the emulator's S3; keeps it unpacked, one directory per digest."""

    def __init__(self, s3: S3Client, cache_dir: Path, bucket_hints: Iterable[str] = ()) -> None:
        self._s3 = s3
        self._cache_dir = cache_dir
        self._bucket_hints = list(bucket_hints)
        self._lock = threading.Lock()

    def task_root(self, function: FunctionConfiguration) -> Path:
        target = self._cache_dir / function.code_sha256_hex
        with self._lock:
            if target.is_dir():
                return target
            archive = self._download(function)
            self._unpack(archive, target)
        return target

    def _download(self, function: FunctionConfiguration) -> bytes:
        digest = function.code_sha256_hex
        for bucket, key in self._candidate_objects(function):
            body = self._s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            if hashlib.sha256(body).hexdigest() == digest:
                return body
        raise ArtifactNotFound(
            f"no object ending in {digest}.zip with that sha256 in the emulator's S3 for function "
            f"{function.name} (CodeSha256 {function.code_sha256}); did the deployment upload the artifact?"
        )

    def _candidate_objects(self, function: FunctionConfiguration) -> Iterable[tuple[str, str]]:
        """Hinted buckets (the artifact bucket's conventional name) first, then artifact-looking ones, then
        the rest: the object is found by its digest, wherever the deployment put it."""
        existing = [bucket["Name"] for bucket in self._s3.list_buckets().get("Buckets", [])]
        ordered = [b for b in self._bucket_hints if b in existing]
        ordered += sorted((b for b in existing if b not in ordered), key=lambda name: "artifact" not in name)
        suffix = f"{function.code_sha256_hex}.zip"
        for bucket in dict.fromkeys(ordered):
            paginator = self._s3.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=bucket, Prefix=ARTIFACT_PREFIX):
                for item in page.get("Contents", []):
                    if item["Key"].endswith(suffix):
                        yield bucket, item["Key"]

    def _unpack(self, archive: bytes, target: Path) -> None:
        self._cache_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=self._cache_dir))
        try:
            with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
                for member in zipped.infolist():
                    # Refuse absolute paths and ".." so an archive cannot write outside its directory.
                    destination = (staging / member.filename).resolve()
                    if not destination.is_relative_to(staging.resolve()):
                        raise ArtifactNotFound(f"unsafe path in artifact: {member.filename}")
                zipped.extractall(staging)
            os.replace(staging, target)  # atomic: a half-unpacked artifact is never used
        finally:
            shutil.rmtree(staging, ignore_errors=True)
