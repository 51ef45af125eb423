"""ci/common/terraform_cli.py: the one way the project runs terraform offline."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ci.common.terraform_cli import ProviderMirrorError, mirrored_providers, terraform_env

from .conftest import REPO_ROOT

AWS = "registry.terraform.io/hashicorp/aws"


def fake_mirror(root: Path, *providers: str) -> Path:
    for provider in providers:
        platform_dir = root / provider / "5.100.0" / "linux_amd64"
        platform_dir.mkdir(parents=True)
        (platform_dir / "terraform-provider-stub").write_text("")
    return root


def test_config_points_the_mirrored_providers_at_the_mirror(tmp_path: Path) -> None:
    # Given a mirror holding the AWS provider, named by TF_PROVIDER_MIRROR
    mirror = fake_mirror(tmp_path / "mirror", AWS)
    # When the environment is built
    env = terraform_env({"TF_PROVIDER_MIRROR": str(mirror)}, build_dir=tmp_path / "build")
    # Then terraform is told to use the written config, which installs AWS from the mirror only
    config = Path(env["TF_CLI_CONFIG_FILE"]).read_text()
    assert Path(env["TF_CLI_CONFIG_FILE"]) == tmp_path / "build" / "terraform.rc"
    assert f'path    = "{mirror}"' in config
    assert f'include = ["{AWS}"]' in config
    assert "direct" not in config
    assert env["TF_IN_AUTOMATION"] == "1"
    assert Path(env["TF_PLUGIN_CACHE_DIR"]).is_dir()


def test_registry_is_used_only_for_providers_the_mirror_lacks_when_allowed(tmp_path: Path) -> None:
    mirror = fake_mirror(tmp_path / "mirror", AWS)
    env = terraform_env(
        {"TF_PROVIDER_MIRROR": str(mirror), "TF_ALLOW_REGISTRY": "1"}, build_dir=tmp_path / "build"
    )
    config = Path(env["TF_CLI_CONFIG_FILE"]).read_text()
    assert f'direct {{\n    exclude = ["{AWS}"]' in config


def test_missing_mirror_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ProviderMirrorError, match=r"TF_PROVIDER_MIRROR=.*is not a directory"):
        terraform_env({"TF_PROVIDER_MIRROR": str(tmp_path / "nowhere")}, build_dir=tmp_path / "build")


def test_mirror_without_the_aws_provider_and_no_registry_is_a_clear_error(tmp_path: Path) -> None:
    mirror = fake_mirror(tmp_path / "mirror", "registry.terraform.io/hashicorp/random")
    with pytest.raises(
        ProviderMirrorError,
        match=r"cannot install Terraform provider\(s\) registry.terraform.io/hashicorp/aws",
    ):
        terraform_env({"TF_PROVIDER_MIRROR": str(mirror)}, build_dir=tmp_path / "build")


def test_mirrored_providers_lists_host_namespace_type(tmp_path: Path) -> None:
    mirror = fake_mirror(tmp_path, AWS, "registry.terraform.io/hashicorp/random")
    assert mirrored_providers(mirror) == [AWS, "registry.terraform.io/hashicorp/random"]


@pytest.mark.terraform
def test_env_command_prints_export_lines_a_shell_can_eval() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ci.common.terraform_cli", "env"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    exported = dict(line.removeprefix("export ").split("=", 1) for line in result.stdout.splitlines())
    assert exported["TF_CLI_CONFIG_FILE"].endswith("build/terraform/terraform.rc")
    assert exported["TF_IN_AUTOMATION"] == "1"


@pytest.mark.terraform
def test_wrapped_terraform_reads_the_project_config_not_the_missing_one() -> None:
    # Given TF_CLI_CONFIG_FILE in the caller's environment names a file that does not exist
    # When terraform runs through the wrapper
    result = subprocess.run(
        [sys.executable, "-m", "ci.common.terraform_cli", "--", "terraform", "version"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "TF_CLI_CONFIG_FILE": "/nonexistent/.terraformrc"},
    )
    # Then it runs without the "Unable to open CLI configuration file" warning
    assert result.returncode == 0
    assert "Terraform v" in result.stdout
    assert "Unable to open CLI configuration file" not in result.stderr


def test_wrapper_exits_2_with_the_reason_when_no_provider_can_be_installed(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ci.common.terraform_cli", "env"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "TF_PROVIDER_MIRROR": str(tmp_path)},
    )
    assert result.returncode == 2
    assert "cannot install Terraform provider" in result.stderr


def test_the_plugin_cache_is_filled_from_the_mirror_before_terraform_runs(tmp_path: Path) -> None:
    # Given a mirror holding the AWS provider unpacked, and an empty build directory
    mirror = fake_mirror(tmp_path / "mirror", AWS)
    # When the environment is built twice (the second time, the cache is already filled)
    for _ in range(2):
        env = terraform_env({"TF_PROVIDER_MIRROR": str(mirror)}, build_dir=tmp_path / "build")
    # Then the cache holds the package in Terraform's layout and init may link from it
    cached = Path(env["TF_PLUGIN_CACHE_DIR"]) / AWS / "5.100.0" / "linux_amd64" / "terraform-provider-stub"
    assert cached.is_file()
    assert not list(Path(env["TF_PLUGIN_CACHE_DIR"]).rglob("*.partial"))
    assert env["TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE"] == "true"


@pytest.mark.terraform
def test_concurrent_inits_with_a_cold_cache_all_link_from_it(tmp_path: Path) -> None:
    # Given a build directory whose plugin cache has never been filled (as in a fresh clone)
    env = terraform_env(build_dir=tmp_path / "build")
    stacks = ("environments/dev", "environments/prod", "global", "bootstrap")

    # When several stacks initialise at once (as the test workers, the rehearsal and stages do)
    def init(stack: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["terraform", "init", "-backend=false", "-input=false", "-no-color"],
            cwd=REPO_ROOT / "infrastructure" / stack,
            env={**env, "TF_DATA_DIR": str(tmp_path / stack.replace("/", "-"))},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    with ThreadPoolExecutor(max_workers=len(stacks)) as pool:
        results = list(pool.map(init, stacks))
    # Then every init succeeds, each using the shared cache rather than writing it
    for stack, result in zip(stacks, results, strict=True):
        assert result.returncode == 0, f"{stack}: {result.stderr}"
        assert "from the shared cache directory" in result.stdout, stack
