"""Turn `terraform show -json <plan>` into a short markdown summary a reviewer can read in a PR.

python -m ci.steps.plan_summary build/reports/plan-dev.json --output build/reports/plan-dev.md
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# Terraform's action lists mapped to one word; ["delete", "create"] is a replacement.
ACTION_NAMES = {
    ("create",): "create",
    ("update",): "update",
    ("delete",): "delete",
    ("delete", "create"): "replace",
    ("create", "delete"): "replace",
    ("read",): "read",
    ("no-op",): "no-op",
}
ORDER = ("create", "update", "replace", "delete", "read")


def summarize(plan: dict[str, Any], title: str) -> str:
    changes = [
        (
            change["address"],
            ACTION_NAMES.get(tuple(change["change"]["actions"]), "/".join(change["change"]["actions"])),
        )
        for change in plan.get("resource_changes", [])
    ]
    changes = [(address, action) for address, action in changes if action != "no-op"]
    counts = Counter(action for _, action in changes)
    totals = ", ".join(f"{counts[action]} to {action}" for action in ORDER if counts[action]) or "no changes"
    lines = [f"### Terraform plan: {title}", "", f"**{totals}**", ""]
    if changes:
        lines += ["| Action | Resource |", "|---|---|"]
        lines += [
            f"| {action} | `{address}` |" for address, action in sorted(changes, key=lambda c: (c[1], c[0]))
        ]
    output_changes = sorted(plan.get("output_changes", {}))
    if output_changes:
        lines += ["", f"Outputs: {', '.join(f'`{name}`' for name in output_changes)}"]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ci.steps.plan_summary", description=__doc__.split("\n")[1]
    )
    parser.add_argument("plan_json", type=Path)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        plan = json.loads(args.plan_json.read_text())
    except (OSError, json.JSONDecodeError) as error:
        print(f"cannot read the plan JSON {args.plan_json}: {error}", file=sys.stderr)
        return 1
    markdown = summarize(plan, args.plan_json.stem)
    args.output.write_text(markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
