"""The rehearsal's working copy: infrastructure/ and data/ copied, the OIDC policies widened for the emulator.

Everything the rehearsal writes (Terraform state of bootstrap and global, .terraform directories, plans,
outputs, logs) stays in this copy under build/rehearsal/, so the checkout's own roots are never touched.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ci.common.paths import REPO_ROOT
from ci.rehearsal.policies import ROLE_POLICY_FILES, widen_for_emulator

COPIED = ("infrastructure", "data")
SKIPPED = shutil.ignore_patterns(
    ".terraform", "*.tfstate", "*.tfstate.*", ".terraform.lock.hcl", "__pycache__", "tests"
)


@dataclass
class Workspace:
    root: Path
    widening_notes: list[str] = field(default_factory=list)

    @property
    def bootstrap(self) -> Path:
        return self.root / "infrastructure" / "bootstrap"

    @property
    def global_root(self) -> Path:
        return self.root / "infrastructure" / "global"

    def env_root(self, env: str) -> Path:
        return self.root / "infrastructure" / "environments" / env

    @property
    def dist(self) -> Path:
        # Where an env root's default lambda_artifact_path (../../../build/dist/…) points in this copy.
        return self.root / "build" / "dist"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def policy_file(self, role: str) -> Path:
        return self.bootstrap / "policies" / ROLE_POLICY_FILES[role]


def prepare(
    root: Path, repo_root: Path = REPO_ROOT, without_actions: Mapping[str, tuple[str, ...]] | None = None
) -> Workspace:
    """A fresh copy under ``root``; ``without_actions`` takes actions out of a role's policy (what-ifs)."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for name in COPIED:
        # Symlinks are followed: the copy is plain files, as a Windows checkout would need anyway.
        shutil.copytree(repo_root / name, root / name, ignore=SKIPPED)
    workspace = Workspace(root)
    workspace.dist.mkdir(parents=True)
    workspace.logs.mkdir()
    for role in ROLE_POLICY_FILES:
        path = workspace.policy_file(role)
        policy = json.loads(path.read_text())
        removed = (without_actions or {}).get(role, ())
        if removed:
            policy = _without(policy, removed)
            workspace.widening_notes.append(f"{role}: removed {', '.join(removed)} (what-if run)")
        widened, notes = widen_for_emulator(policy, role)
        workspace.widening_notes.extend(notes)
        path.write_text(json.dumps(widened, indent=2))
    return workspace


def _without(policy: dict[str, object], actions: tuple[str, ...]) -> dict[str, object]:
    statements = []
    for statement in policy["Statement"]:  # type: ignore[attr-defined]
        kept = [a for a in statement["Action"] if a not in actions]
        if kept:
            statements.append({**statement, "Action": kept})
    return {**policy, "Statement": statements}
