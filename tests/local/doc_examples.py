"""Run the curl examples of README.md and docs/API.md against a running API and compare what they show.

Two shapes of example exist in the docs:
- README: one ``bash`` script whose shown outputs are comments, ``# {...}`` on the line after a command and
  ``# 204`` at the end of one; every shown error code and status must appear in what the script printed.
- docs/API.md: one ``sh`` block per command, its shown output in the ``json`` / ``text`` block right after it.
  The blocks run in order; the document's example item id is replaced by the id the create returned, and
  ``$NEXT_CURSOR`` is the last list's ``nextCursor``.

Compared (the docs show real answers, whose ids and timestamps differ per run): for an error its code, for an
item its name, description, status, version and creator, for a list its count and statuses, for text the text.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from typing import Any

FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
ITEM_FIELDS = ("name", "description", "status", "version", "createdBy")


@dataclass(frozen=True)
class Example:
    script: str
    shown: str | None  # the output block's text, or None when the doc shows none
    shown_language: str = ""


def fenced_blocks(markdown: str) -> list[tuple[str, str, int, int]]:
    return [(m.group(1), m.group(2), m.start(), m.end()) for m in FENCE.finditer(markdown)]


def curl_examples(markdown: str) -> list[Example]:
    """Every shell block made of curl commands, with the output block that directly follows it."""
    blocks = fenced_blocks(markdown)
    examples = []
    for index, (language, body, _, end) in enumerate(blocks):
        commands = [line for line in body.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        if (
            language not in ("sh", "bash")
            or not commands
            or not commands[0].lstrip().startswith(("curl", "ID="))
        ):
            continue
        shown, shown_language = None, ""
        if index + 1 < len(blocks):
            next_language, next_body, next_start, _ = blocks[index + 1]
            if next_language in ("json", "text") and not markdown[end:next_start].strip():
                shown, shown_language = next_body.strip(), next_language
        examples.append(Example(body, shown, shown_language))
    return examples


def run(script: str, environ: dict[str, str]) -> str:
    completed = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        env={**os.environ, **environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, f"example failed:\n{script}\n{completed.stderr}"
    return completed.stdout


def summary(text: str, language: str = "json") -> Any:
    """What must agree between a shown output and a real one."""
    if language == "text":
        return text.strip()
    value = json.loads(text)
    if "error" in value:
        return {"error": value["error"]["code"]}
    if "items" in value:
        return {"count": value["count"], "statuses": sorted({item["status"] for item in value["items"]})}
    return {field: value[field] for field in ITEM_FIELDS if field in value}


def commented_outputs(script: str) -> tuple[list[str], list[str]]:
    """README style: error codes of ``# {...}`` lines, and statuses of ``# NNN`` line endings."""
    codes = [
        json.loads(line.strip()[1:].strip())["error"]["code"]
        for line in script.splitlines()
        if line.strip().startswith("# {")
    ]
    statuses = re.findall(r"#\s*(\d{3})\s*$", script, re.MULTILINE)
    return codes, statuses


def check_readme_script(example: Example, api_url: str) -> None:
    printed = run(example.script, {"API_URL": api_url})
    codes, statuses = commented_outputs(example.script)
    assert codes or statuses, "the README example shows no output to check"
    for code in codes:
        assert f'"code":"{code}"' in printed.replace(" ", ""), (code, printed)
    # curl -s ends no output with a newline, so a `-w '%{http_code}\n'` status ends the line it lands on
    lines = [line.strip() for line in printed.splitlines()]
    for status in statuses:
        assert any(line.endswith(status) for line in lines), (status, printed)


def check_api_examples(examples: list[Example], api_url: str, document_item_id: str) -> int:
    """Run the API.md examples in order; returns how many shown outputs were compared."""
    environ = {"API_URL": api_url}
    item_id: str | None = None
    compared = 0
    for example in examples:
        script = example.script.replace(document_item_id, item_id) if item_id else example.script
        printed = run(script, environ)
        if example.shown is not None:
            real_text = printed if example.shown_language == "json" else printed.strip()
            assert summary(real_text, example.shown_language) == summary(
                example.shown, example.shown_language
            ), (
                script,
                printed,
            )
            compared += 1
        if example.shown_language == "json":
            answer = json.loads(printed)
            item_id = item_id or answer.get("id")
            if answer.get("nextCursor"):
                environ["NEXT_CURSOR"] = answer["nextCursor"]
    return compared
