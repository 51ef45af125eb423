"""The package step: a reproducible zip with the function at its root and its locked runtime dependencies."""

from __future__ import annotations

import hashlib
import sys
import time
import zipfile
from pathlib import Path

import pytest

from ci.steps.package import FIXED_TIMESTAMP, build, main


@pytest.fixture
def function_source(tmp_path: Path) -> Path:
    """A small function package with a symlinked data file and some bytecode that must not ship."""
    source_root = tmp_path / "functions"
    package = source_root / "api_handler"
    (package / "__pycache__").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "handler.py").write_text("def lambda_handler(event, context):\n    return {}\n")
    (package / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\x00")
    (tmp_path / "item.schema.json").write_text('{"type": "object"}\n')
    (package / "schema.json").symlink_to(tmp_path / "item.schema.json")
    return source_root


# uv is pinned in the dev group, so it sits next to the interpreter running the tests.
UV = str(Path(sys.executable).parent / "uv")


@pytest.fixture(autouse=True)
def in_repo_root(repo_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo_root)  # `uv export` reads the repo's uv.lock


def _build(source_root: Path, output: Path) -> Path:
    return build(
        "api_handler",
        "api-handler",
        "3.11",
        "x86_64-manylinux2014",
        output,
        source_root,
        output.parent / "work",
        UV,
    )


def test_zip_has_the_function_at_its_root_and_its_dependencies(function_source: Path, tmp_path: Path) -> None:
    archive = _build(function_source, tmp_path / "dist" / "api_handler.zip")
    names = zipfile.ZipFile(archive).namelist()
    assert "api_handler/handler.py" in names
    assert any(name.startswith("aws_lambda_powertools/") for name in names)
    assert any(name.startswith("fastjsonschema/") for name in names)
    assert not any(name.startswith("boto3/") for name in names)  # the Lambda runtime provides boto3
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)
    assert names == sorted(names)


def test_symlinks_are_dereferenced(function_source: Path, tmp_path: Path) -> None:
    archive = _build(function_source, tmp_path / "dist" / "api_handler.zip")
    assert zipfile.ZipFile(archive).read("api_handler/schema.json") == b'{"type": "object"}\n'


def test_rebuilds_are_byte_identical_with_fixed_metadata(function_source: Path, tmp_path: Path) -> None:
    first = _build(function_source, tmp_path / "one" / "api_handler.zip").read_bytes()
    time.sleep(1.1)  # a later wall clock must not leak into the archive
    (function_source / "api_handler" / "handler.py").touch()
    second = _build(function_source, tmp_path / "two" / "api_handler.zip").read_bytes()
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    for info in zipfile.ZipFile(tmp_path / "one" / "api_handler.zip").infolist():
        assert info.date_time == FIXED_TIMESTAMP
        assert info.external_attr >> 16 == 0o100644


def test_size_limit_fails_the_step(function_source: Path, tmp_path: Path) -> None:
    code = main(
        [
            "--function",
            "api_handler",
            "--group",
            "api-handler",
            "--python-version",
            "3.11",
            "--python-platform",
            "x86_64-manylinux2014",
            "--output",
            str(tmp_path / "big.zip"),
            "--max-bytes",
            "1000",
            "--source-root",
            str(function_source),
            "--work-dir",
            str(tmp_path / "work"),
            "--uv",
            UV,
        ]
    )
    assert code == 1


def test_a_directory_without_init_is_refused(tmp_path: Path) -> None:
    (tmp_path / "functions" / "api_handler").mkdir(parents=True)
    code = main(
        [
            "--function",
            "api_handler",
            "--group",
            "api-handler",
            "--python-version",
            "3.11",
            "--python-platform",
            "x86_64-manylinux2014",
            "--output",
            str(tmp_path / "x.zip"),
            "--max-bytes",
            "1",
            "--source-root",
            str(tmp_path / "functions"),
            "--uv",
            UV,
        ]
    )
    assert code == 1
    assert not (tmp_path / "x.zip").exists()
