"""The project's one way to run Terraform offline: its own CLI config pointing at a provider mirror.

The machine (and CI) has no registry access and ``TF_CLI_CONFIG_FILE`` may name a file that does not
exist, so every caller (tests, the pipeline's stages, the docs) gets its environment from
``terraform_env()``: it writes ``build/terraform/terraform.rc`` with a ``filesystem_mirror`` for the
providers found in the mirror (``$TF_PROVIDER_MIRROR``, default ``/opt/tf-plugins``) and a ``direct``
block that excludes exactly those, plus a shared plugin cache.

The cache is filled from an unpacked mirror before Terraform runs (under a file lock, once), and
``TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE`` lets ``init`` link from it instead of reinstalling:
Terraform does not make writing the cache safe for concurrent inits ("mkdir .../plugin-cache/...: file
exists" when the test workers, the rehearsal and a stage init at once), while reading it is. The lock-file
caveat of that setting does not apply here: lock files are not committed (see docs/DEPLOYMENT.md). A
provider that only the registry has is still cached by the first init that needs it.

Shell use::

    eval "$(python -m ci.common.terraform_cli env)"          # export lines for this shell
    python -m ci.common.terraform_cli -- terraform init ...   # run one command with that environment
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from ci.common.paths import REPO_ROOT

TERRAFORM_BUILD_DIR = REPO_ROOT / "build" / "terraform"
CLI_CONFIG_NAME = "terraform.rc"
PLUGIN_CACHE_NAME = "plugin-cache"
MIRROR_ENV_VAR = "TF_PROVIDER_MIRROR"
DEFAULT_MIRROR = Path("/opt/tf-plugins")
# Set to "1" to let Terraform reach the public registry for providers the mirror lacks.
ALLOW_REGISTRY_ENV_VAR = "TF_ALLOW_REGISTRY"
# The providers this project's configuration needs (see infrastructure/**/versions.tf).
REQUIRED_PROVIDERS = ("registry.terraform.io/hashicorp/aws",)


class ProviderMirrorError(RuntimeError):
    """No provider mirror is available and the registry may not be used."""


def _mirror_dir(base: Mapping[str, str]) -> Path | None:
    configured = base.get(MIRROR_ENV_VAR)
    if configured:
        path = Path(configured)
        if not path.is_dir():
            raise ProviderMirrorError(f"{MIRROR_ENV_VAR}={configured} is not a directory")
        return path
    return DEFAULT_MIRROR if DEFAULT_MIRROR.is_dir() else None


def mirrored_providers(mirror: Path) -> list[str]:
    """Provider source addresses (``host/namespace/type``) present in a filesystem mirror."""
    return sorted(
        f"{host.name}/{namespace.name}/{provider.name}"
        for host in mirror.iterdir()
        if host.is_dir()
        for namespace in host.iterdir()
        if namespace.is_dir()
        for provider in namespace.iterdir()
        if provider.is_dir() and any(provider.iterdir())
    )


def _link_or_copy(source: str, destination: str) -> None:
    """Hard-link a provider file into the cache (the binary is hundreds of MB), copying across devices."""
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (made if absent) while the block runs: other processes
    taking it wait, so only one of them at a time writes what the lock guards."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def warm_plugin_cache(mirror: Path, providers: Sequence[str], plugin_cache: Path) -> None:
    """Put every unpacked mirror package of ``providers`` into the plugin cache, each one atomically.

    The cache uses the unpacked mirror's layout (``host/namespace/type/version/os_arch/``). Packed (zip)
    mirrors are left to Terraform. Concurrent callers serialise on a lock file beside the cache.
    """
    with exclusive_lock(plugin_cache.parent / f"{PLUGIN_CACHE_NAME}.lock"):
        for provider in providers:
            for package in sorted((mirror / provider).glob("*/*")):
                target = plugin_cache / package.relative_to(mirror)
                if not package.is_dir() or target.is_dir():
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
                shutil.rmtree(partial, ignore_errors=True)
                shutil.copytree(package, partial, copy_function=_link_or_copy)
                partial.rename(target)


def render_cli_config(
    mirror: Path | None, providers: Sequence[str], allow_registry: bool, plugin_cache: Path
) -> str:
    """HCL text of the CLI config: mirror for ``providers``, registry only for the rest (if allowed)."""
    quoted = ", ".join(f'"{provider}"' for provider in providers)
    blocks = []
    if mirror is not None and providers:
        blocks.append(f'  filesystem_mirror {{\n    path    = "{mirror}"\n    include = [{quoted}]\n  }}')
    if allow_registry:
        exclude = f"\n    exclude = [{quoted}]\n  " if providers else ""
        blocks.append(f"  direct {{{exclude}}}")
    installation = "\n".join(blocks)
    return (
        "# Written by ci/common/terraform_cli.py; do not edit (regenerated on every run).\n"
        f'plugin_cache_dir = "{plugin_cache}"\n'
        f"provider_installation {{\n{installation}\n}}\n"
    )


def terraform_env(
    base: Mapping[str, str] | None = None, *, build_dir: Path = TERRAFORM_BUILD_DIR
) -> dict[str, str]:
    """An environment for running ``terraform`` offline with the project's CLI config.

    ``build_dir`` holds the written ``terraform.rc`` and the plugin cache (default build/terraform).
    """
    env = dict(os.environ if base is None else base)
    mirror = _mirror_dir(env)
    providers = mirrored_providers(mirror) if mirror is not None else []
    allow_registry = env.get(ALLOW_REGISTRY_ENV_VAR) == "1"
    missing = [provider for provider in REQUIRED_PROVIDERS if provider not in providers]
    if missing and not allow_registry:
        where = f"the mirror {mirror}" if mirror is not None else f"no mirror ({DEFAULT_MIRROR} absent)"
        raise ProviderMirrorError(
            f"cannot install Terraform provider(s) {', '.join(missing)}: {where} lacks them and the "
            f"registry is not allowed. Point {MIRROR_ENV_VAR} at a filesystem mirror "
            f"(`terraform providers mirror DIR` on a connected machine) or set {ALLOW_REGISTRY_ENV_VAR}=1."
        )
    config_path = build_dir / CLI_CONFIG_NAME
    plugin_cache = build_dir / PLUGIN_CACHE_NAME
    plugin_cache.mkdir(parents=True, exist_ok=True)
    if mirror is not None:
        warm_plugin_cache(mirror, providers, plugin_cache)
    config = render_cli_config(mirror, providers, allow_registry, plugin_cache)
    if not config_path.is_file() or config_path.read_text() != config:
        # Write-then-rename so a concurrent reader never sees a half-written file.
        partial = config_path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(config)
        partial.replace(config_path)
    env["TF_CLI_CONFIG_FILE"] = str(config_path)
    env["TF_PLUGIN_CACHE_DIR"] = str(plugin_cache)
    env["TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE"] = "true"
    env["TF_IN_AUTOMATION"] = "1"
    env["CHECKPOINT_DISABLE"] = "1"  # no version-check calls home
    return env


EXPORTED_NAMES = (
    "TF_CLI_CONFIG_FILE",
    "TF_PLUGIN_CACHE_DIR",
    "TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE",
    "TF_IN_AUTOMATION",
    "CHECKPOINT_DISABLE",
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ci.common.terraform_cli",
        description="Run terraform with the project's offline provider configuration.",
        epilog='Examples: eval "$(python -m ci.common.terraform_cli env)"; '
        "python -m ci.common.terraform_cli -- terraform -chdir=infrastructure/environments/local init",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="`env` to print export lines, or a command")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    try:
        env = terraform_env()
    except ProviderMirrorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not command or command == ["env"]:
        for name in EXPORTED_NAMES:
            print(f"export {name}={shlex.quote(env[name])}")
        return 0
    return subprocess.run(command, env=env, check=False).returncode  # noqa: S603 - the user's own command


if __name__ == "__main__":
    raise SystemExit(main())
