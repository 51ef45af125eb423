"""Build one Lambda function's zip: its package + its runtime dependencies, byte-identical on every rebuild.

    python -m ci.steps.package --function api_handler --group api-handler \\
        --python-version 3.13 --python-platform aarch64-manylinux2014 --output build/dist/api_handler.zip

Dependencies are the function's dependency group exported from uv.lock (`uv export --frozen
--only-group`), installed for the *target* runtime and architecture from wheels only, so the zip does not
depend on the build machine. Reproducible: entries sorted, one fixed timestamp, fixed permissions, no
bytecode, symlinks dereferenced.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

# 1980-01-01 00:00:00 is the earliest time a zip entry can hold.
FIXED_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644  # regular file, rw-r--r--
COMPRESSION_LEVEL = 9
# Never shipped: bytecode (the runtime compiles), console scripts, and caches.
EXCLUDED_PARTS = frozenset({"__pycache__", "bin", ".pytest_cache", ".mypy_cache"})
EXCLUDED_SUFFIXES = frozenset({".pyc", ".pyo"})
# uv's lock file for the --target directory, not part of any package.
EXCLUDED_NAMES = frozenset({".lock"})


class PackagingError(RuntimeError):
    pass


def _run(argv: Sequence[str]) -> str:
    result = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
    if result.returncode != 0:
        raise PackagingError(f"`{' '.join(argv)}` exited {result.returncode}:\n{result.stderr.strip()}")
    return result.stdout


def install_dependencies(group: str, target: Path, python_version: str, platform: str, uv: str) -> None:
    """Install the group's locked runtime dependencies into ``target`` for the given runtime/arch."""
    requirements = target.parent / f"{target.name}-requirements.txt"
    requirements.write_text(
        _run([uv, "export", "--frozen", "--only-group", group, "--no-emit-project", "--no-header"])
    )
    _run(
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--no-deps",  # the export already lists the whole locked closure
            "--target",
            str(target),
            "--requirements",
            str(requirements),
            "--python-platform",
            platform,
            "--python-version",
            python_version,
            "--only-binary",
            ":all:",
            "--no-compile",
        ]
    )


def _files(base: Path) -> Iterator[Path]:
    # followlinks: symlinked modules in the package are shipped as the files they point at.
    for directory, subdirs, names in os.walk(base, followlinks=True):
        subdirs[:] = [name for name in subdirs if name not in EXCLUDED_PARTS]
        for name in names:
            path = Path(directory, name)
            if path.suffix not in EXCLUDED_SUFFIXES and name not in EXCLUDED_NAMES:
                yield path


def zip_entries(function_dir: Path, dependencies_dir: Path | None) -> dict[str, Path]:
    """Archive name -> source file: the function as ``<name>/...`` and its dependencies at the root."""
    entries = {
        f"{function_dir.name}/{path.relative_to(function_dir).as_posix()}": path
        for path in _files(function_dir)
    }
    if dependencies_dir is not None and dependencies_dir.is_dir():
        for path in _files(dependencies_dir):
            name = path.relative_to(dependencies_dir).as_posix()
            if name.split("/", 1)[0] == function_dir.name:
                raise PackagingError(f"dependency file {name} would shadow the function package")
            entries[name] = path
    return entries


def write_reproducible_zip(entries: dict[str, Path], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIMESTAMP)
            info.external_attr = FILE_MODE << 16
            info.create_system = 3  # unix, so the permissions above are honoured
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[name].read_bytes(), compresslevel=COMPRESSION_LEVEL)
    partial.replace(output)


def build(
    function: str,
    group: str,
    python_version: str,
    platform: str,
    output: Path,
    source_root: Path,
    work_dir: Path,
    uv: str,
) -> Path:
    function_dir = source_root / function
    if not (function_dir / "__init__.py").is_file():
        raise PackagingError(f"{function_dir} is not a Python package (no __init__.py)")
    dependencies_dir = work_dir / function
    shutil.rmtree(dependencies_dir, ignore_errors=True)
    work_dir.mkdir(parents=True, exist_ok=True)
    install_dependencies(group, dependencies_dir, python_version, platform, uv)
    write_reproducible_zip(zip_entries(function_dir, dependencies_dir), output)
    return output


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ci.steps.package", description=__doc__.split("\n")[0])
    parser.add_argument("--function", required=True, help="package directory under --source-root")
    parser.add_argument("--group", required=True, help="uv dependency group with its runtime dependencies")
    parser.add_argument("--python-version", required=True, help="Lambda runtime's Python, e.g. 3.13")
    parser.add_argument("--python-platform", required=True, help="uv target, e.g. aarch64-manylinux2014")
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--max-bytes", type=int, required=True, help="fail when the zip is larger")
    parser.add_argument("--source-root", type=Path, default=Path("functions"))
    parser.add_argument("--work-dir", type=Path, default=Path("build/package"))
    parser.add_argument("--uv", default=shutil.which("uv") or "uv", help="uv executable")
    args = parser.parse_args(argv)
    try:
        zip_path = build(
            args.function,
            args.group,
            args.python_version,
            args.python_platform,
            args.output,
            args.source_root,
            args.work_dir,
            args.uv,
        )
    except PackagingError as error:
        print(f"package {args.function}: {error}", file=sys.stderr)
        return 1
    size = zip_path.stat().st_size
    sha256 = hashlib.sha256(zip_path.read_bytes()).hexdigest()
    print(f"{zip_path}: {size} bytes, sha256 {sha256}")
    if size > args.max_bytes:
        print(f"package {args.function}: {size} bytes exceeds the limit of {args.max_bytes}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
