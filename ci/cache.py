"""Content-hash cache for the host executor: an unchanged stage is skipped and its outputs restored.

The key covers everything that can change a stage's result: the content (not the mtime) of every input
file, the tool and its version, the image, every command's argv, and the stage's non-secret env.
Secret *values* never enter the key (only their names do), so a rotated token does not re-run lint and
the key reveals nothing. Only passing runs are stored: a failure is always re-run.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from ci.spec import StageSpec

# Entries kept per stage: enough to switch between a couple of branches without re-running everything.
ENTRIES_PER_STAGE = 3
MANIFEST = "manifest.json"
SKIPPED_PARTS = frozenset({"__pycache__", ".terraform", ".pytest_cache", ".mypy_cache", ".ruff_cache"})


def input_files(root: Path, patterns: Iterable[str]) -> list[Path]:
    """Existing files matched by repo-relative paths or globs, sorted, without caches and bytecode."""
    found: set[Path] = set()
    for pattern in patterns:
        # `dir/**` means "everything below dir" (Path.glob would yield only directories for it).
        normalized = f"{pattern}/*" if pattern.endswith("**") else pattern
        candidates = root.glob(normalized) if any(c in normalized for c in "*?[") else [root / normalized]
        for path in candidates:
            relative = path.relative_to(root)
            if path.is_file() and not SKIPPED_PARTS.intersection(relative.parts) and path.suffix != ".pyc":
                found.add(relative)
    return [root / relative for relative in sorted(found)]


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_key(spec: StageSpec, root: Path) -> str:
    """A hex digest that changes exactly when the stage's result could change."""
    definition = {
        "name": spec.name,
        "tool": spec.tool,
        "tool_version": spec.tool_version,
        "image": spec.image,
        "tool_env": spec.tool_env,
        "commands": [asdict(command) for command in spec.commands],
        "binaries": [asdict(binary) for binary in spec.binaries],
        "env": sorted(spec.env.items()),
        "secret_names": sorted(spec.secrets),
        "passthrough_names": sorted(spec.passthrough_env),
        "outputs": list(spec.outputs),
    }
    digest = hashlib.sha256(json.dumps(definition, sort_keys=True).encode())
    for path in input_files(root, spec.inputs):
        digest.update(f"\0{path.relative_to(root).as_posix()}\0{_file_digest(path)}".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class CachedRun:
    """What a restored entry brings back besides its files."""

    notes: tuple[str, ...] = ()
    stored_at: float = 0.0  # when the run that passed was stored (seconds since the epoch)


class StageCache:
    """Passing stages' outputs stored under ``build/cache/<stage>/<key>/``."""

    def __init__(self, root: Path, directory: Path | None = None) -> None:
        self.root = root
        self.directory = directory or root / "build" / "cache"

    def _entry(self, spec: StageSpec, key: str) -> Path:
        return self.directory / spec.name / key

    def has(self, spec: StageSpec, key: str) -> bool:
        """A complete entry exists (its outputs included): ``restore`` would bring it back."""
        entry = self._entry(spec, key)
        return (entry / MANIFEST).is_file() and all(
            (entry / "files" / output).is_dir()
            if output.endswith("/")
            else (entry / "files" / output).is_file()
            for output in spec.outputs
        )

    def restore(self, spec: StageSpec, key: str) -> CachedRun | None:
        """Put a stored run's outputs back in place; None when there is no complete entry."""
        entry = self._entry(spec, key)
        if not (entry / MANIFEST).is_file():
            return None
        for output in spec.outputs:
            stored, target = entry / "files" / output, self.root / output
            if output.endswith("/"):
                if not stored.is_dir():
                    return None
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(stored, target)
            elif stored.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(stored, target)
            else:
                return None
        # Touch the manifest so eviction keeps recently used entries.
        (entry / MANIFEST).touch()
        manifest = json.loads((entry / MANIFEST).read_text())
        return CachedRun(notes=tuple(manifest.get("notes", ())), stored_at=manifest.get("stored_at", 0.0))

    def store(self, spec: StageSpec, key: str, duration_seconds: float, notes: tuple[str, ...] = ()) -> None:
        entry = self._entry(spec, key)
        partial = entry.with_name(f"{key}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        for output in spec.outputs:
            source, stored = self.root / output, partial / "files" / output
            if output.endswith("/") and source.is_dir():
                shutil.copytree(source, stored)
            elif source.is_file():
                stored.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, stored)
        partial.mkdir(parents=True, exist_ok=True)
        manifest = {
            "stage": spec.name,
            "stored_at": time.time(),
            "duration_seconds": duration_seconds,
            "notes": list(notes),
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        shutil.rmtree(entry, ignore_errors=True)
        partial.rename(entry)  # the manifest's presence marks a complete entry
        self._evict(spec)

    def _evict(self, spec: StageSpec) -> None:
        entries = [path for path in (self.directory / spec.name).iterdir() if (path / MANIFEST).is_file()]
        entries.sort(key=lambda path: (path / MANIFEST).stat().st_mtime, reverse=True)
        for stale in entries[ENTRIES_PER_STAGE:]:
            shutil.rmtree(stale, ignore_errors=True)

    def clear(self) -> int:
        """Remove every entry; returns how many there were."""
        if not self.directory.is_dir():
            return 0
        count = sum(1 for _ in self.directory.glob(f"*/*/{MANIFEST}"))
        shutil.rmtree(self.directory)
        return count
