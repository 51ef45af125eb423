"""Content-hash cache: what invalidates a stage, what does not, and restoring outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci.cache import StageCache, cache_key, input_files
from ci.spec import Command, StageSpec, frozen_env


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("print('v1')\n")
    (tmp_path / "src" / "__pycache__").mkdir()
    (tmp_path / "src" / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\x00")
    (tmp_path / "docs.md").write_text("unrelated\n")
    return tmp_path


def _spec(**changes: object) -> StageSpec:
    base: dict[str, object] = {
        "name": "lint",
        "description": "d",
        "tool": "ruff",
        "tool_version": "0.14.14",
        "image": "python:3.11-slim@sha256:abc",
        "commands": (Command(("ruff", "check", ".")),),
        "inputs": ("src/**/*.py",),
        "outputs": ("build/reports/lint.txt", "build/reports/html/"),
        "secrets": ("TOKEN",),
    }
    base.update(changes)
    return StageSpec(**base)  # type: ignore[arg-type]


def test_changed_input_content_invalidates(repo: Path) -> None:
    before = cache_key(_spec(), repo)
    (repo / "src" / "app.py").write_text("print('v2')\n")
    assert cache_key(_spec(), repo) != before


def test_unrelated_file_and_bytecode_do_not_invalidate(repo: Path) -> None:
    before = cache_key(_spec(), repo)
    (repo / "docs.md").write_text("edited\n")
    (repo / "src" / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\x01")
    assert cache_key(_spec(), repo) == before


def test_touching_a_file_without_changing_it_does_not_invalidate(repo: Path) -> None:
    before = cache_key(_spec(), repo)
    (repo / "src" / "app.py").write_text("print('v1')\n")
    assert cache_key(_spec(), repo) == before


def test_new_input_file_invalidates(repo: Path) -> None:
    before = cache_key(_spec(), repo)
    (repo / "src" / "new.py").write_text("")
    assert cache_key(_spec(), repo) != before


@pytest.mark.parametrize(
    "change",
    [
        {"tool_version": "0.14.15"},
        {"commands": (Command(("ruff", "check", "--fix", ".")),)},
        {"env": frozen_env({"RUFF_LINE_LENGTH": "100"})},
        {"image": "python:3.12-slim@sha256:abc"},
    ],
)
def test_tool_version_argv_env_and_image_are_part_of_the_key(repo: Path, change: dict[str, object]) -> None:
    assert cache_key(_spec(**change), repo) != cache_key(_spec(), repo)


def test_secret_values_never_reach_the_key(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKEN", "one")
    before = cache_key(_spec(), repo)
    monkeypatch.setenv("TOKEN", "two")
    assert cache_key(_spec(), repo) == before


def test_dir_double_star_means_every_file_below(repo: Path) -> None:
    files = input_files(repo, ["src/**"])
    assert [path.relative_to(repo).as_posix() for path in files] == ["src/app.py"]


def test_store_then_restore_puts_outputs_back(repo: Path) -> None:
    spec = _spec()
    (repo / "build/reports/html").mkdir(parents=True)
    (repo / "build/reports/lint.txt").write_text("all good\n")
    (repo / "build/reports/html/index.html").write_text("<p>ok</p>\n")
    cache = StageCache(repo)
    key = cache_key(spec, repo)
    cache.store(spec, key, duration_seconds=1.5)

    (repo / "build/reports/lint.txt").unlink()
    (repo / "build/reports/html/index.html").write_text("stale\n")
    assert cache.restore(spec, key)
    assert (repo / "build/reports/lint.txt").read_text() == "all good\n"
    assert (repo / "build/reports/html/index.html").read_text() == "<p>ok</p>\n"


def test_restore_misses_for_an_unknown_key_and_clear_empties(repo: Path) -> None:
    spec = _spec(outputs=())
    cache = StageCache(repo)
    assert not cache.restore(spec, "0" * 64)
    cache.store(spec, "1" * 64, duration_seconds=0.1)
    assert cache.restore(spec, "1" * 64)
    assert cache.clear() == 1
    assert not cache.restore(spec, "1" * 64)


def test_old_entries_are_evicted(repo: Path) -> None:
    spec = _spec(outputs=())
    cache = StageCache(repo)
    for index in range(5):
        cache.store(spec, f"{index:064d}", duration_seconds=0.1)
    assert len(list((cache.directory / "lint").iterdir())) == 3
