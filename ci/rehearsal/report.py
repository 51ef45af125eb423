"""The rehearsal's report: per role, the actions used, denied and granted-but-unused (build/reports/)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ci.common import contract
from ci.rehearsal.phases import PhaseResult, RehearsalState
from ci.rehearsal.policies import ROLE_POLICY_FILES, granted_actions, render, unused_grants

ADMINISTRATOR_ROLE = "administrator"


def policy_variables(account_id: str, region: str) -> dict[str, str]:
    """What bootstrap's templatefile fills in (infrastructure/bootstrap/main.tf, policy_variables)."""
    return {
        "partition": "aws",
        "account_id": account_id,
        "region": region,
        "name_prefix": contract.project(),
        "project_tag": contract.project(),
        "state_bucket": contract.name("state_bucket", account_id=account_id),
        "lock_table": contract.name("lock_table"),
    }


def build(
    state: RehearsalState, results: list[PhaseResult], policy_dir: Path, account_id: str
) -> dict[str, Any]:
    prefix = contract.name("github_role_prefix")
    decisions = state.decisions()
    probes = state.probe_ranges
    roles: dict[str, Any] = {}
    variables = policy_variables(account_id, state.region)
    for role, policy_file in ROLE_POLICY_FILES.items():
        mine = [d for d in decisions if d.role == f"{prefix}{role}"]
        used = sorted({d.action for d in mine if d.allowed})
        denied = sorted(
            {
                d.action
                for index, d in enumerate(decisions)
                if d.role == f"{prefix}{role}"
                and not d.allowed
                and not any(start <= index < end for start, end in probes)
            }
        )
        policy = render(policy_dir / policy_file, variables)
        roles[role] = {
            "requests": len(mine),
            "used": used,
            "denied": denied,
            "granted": granted_actions(policy),
            "unused": unused_grants(policy, used),
            "refusals": [asdict(r) for r in state.refusals if r.role == role],
            # Requests the emulator authorised against a real ARN (S3, some IAM): the resource-scoping input.
            "touched": sorted({(d.action, d.resource) for d in mine if d.allowed and d.resource != "*"}),
        }
    admin = [d for d in decisions if d.role is None]
    return {
        "env": state.env,
        "emulator": state.endpoint,
        "phases": [asdict(result) for result in results],
        "passed": sum(result.passed for result in results),
        "roles": roles,
        ADMINISTRATOR_ROLE: {"requests": len(admin), "used": sorted({d.action for d in admin if d.allowed})},
        "emulator_widening": state.workspace.widening_notes,
        "resources_created": state.created,
        "deployment_events": state.deployment_events,
    }


def summary_line(report: dict[str, Any]) -> str:
    denied = sum(len(role["denied"]) for role in report["roles"].values())
    unused = sum(len(role["unused"]) for role in report["roles"].values())
    return f"rehearsal: {report['passed']} phases passed, denied {denied}, unused grants {unused}"


def markdown(report: dict[str, Any]) -> str:
    lines = [f"# Deployment rehearsal: env {report['env']}", "", summary_line(report), "", "## Phases", ""]
    lines += ["| # | phase | result | seconds |", "|---|---|---|---|"]
    for phase in report["phases"]:
        result = "passed" if phase["passed"] else f"FAILED: {phase['error']}"
        lines.append(f"| {phase['number']} | {phase['title']} | {result} | {phase['seconds']:.1f} |")
    for phase in report["phases"]:
        lines += ["", f"### {phase['number']}. {phase['title']}", ""]
        lines += [f"- {figure}" for figure in phase["figures"]] or ["- (no figures)"]
    lines += ["", "## Roles", ""]
    lines += [
        "| role | requests | actions used | denied | granted | unused grants |",
        "|---|---|---|---|---|---|",
    ]
    for name, role in report["roles"].items():
        lines.append(
            f"| {name} | {role['requests']} | {len(role['used'])} | {len(role['denied'])} | "
            f"{len(role['granted'])} | {len(role['unused'])} |"
        )
    for name, role in report["roles"].items():
        lines += ["", f"### {name}", ""]
        lines.append("Used: " + (", ".join(f"`{a}`" for a in role["used"]) or "none"))
        lines += ["", "Denied: " + (", ".join(f"`{a}`" for a in role["denied"]) or "none")]
        lines += ["", "Granted but never used (see infrastructure/bootstrap/policies/README.md): "]
        lines.append(", ".join(f"`{a}`" for a in role["unused"]) or "none")
        for refusal in role["refusals"]:
            lines.append(f"- expected refusal, {refusal['what']}: {refusal['error_code']}")
    lines += ["", "## Deployment events", ""]
    lines += [f"- `{json.dumps(event, sort_keys=True)}`" for event in report["deployment_events"]] or [
        "- none"
    ]
    lines += ["", "## What the emulator could not check", ""]
    lines.append(
        "These changes were made to a temporary copy of the policies so that moto, which evaluates actions "
        "only, could run the path; resource scoping and trust conditions are proven by tests/rehearsal "
        "instead."
    )
    lines += [""] + [f"- {note}" for note in report["emulator_widening"]]
    return "\n".join(lines) + "\n"


def write(report: dict[str, Any], reports_dir: Path) -> tuple[Path, Path]:
    reports_dir.mkdir(parents=True, exist_ok=True)
    as_json, as_markdown = reports_dir / "rehearsal.json", reports_dir / "rehearsal.md"
    as_json.write_text(json.dumps(report, indent=2) + "\n")
    as_markdown.write_text(markdown(report))
    return as_json, as_markdown
