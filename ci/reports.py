"""The run's summary: build/reports/summary.md, also appended to $GITHUB_STEP_SUMMARY in Actions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ci.spec import StageResult

STATUS_ICONS = {"passed": "✅", "incomplete": "⚠️", "failed": "❌", "skipped": "⏭️"}


def render_summary(
    results: Sequence[StageResult], env: str, executor: str, reason: str, strict: bool = False
) -> str:
    lines = [
        f"## Pipeline summary (env `{env}`, executor `{executor}`)",
        "",
        f"Executor choice: {reason}",
        "",
    ]
    incomplete = [result.name for result in results if result.status == "incomplete"]
    if incomplete:
        consequence = "the run fails (--strict)" if strict else "not a pass: run with --strict to fail on it"
        lines += [
            f"> **Incomplete:** {', '.join(incomplete)} could not do its job; {consequence}.",
            "",
        ]
    lines += [
        "| Stage | Status | Duration | Cached | Report |",
        "|---|---|---|---|---|",
    ]
    for result in results:
        status = f"{STATUS_ICONS[result.status]} {result.status}"
        duration = f"{result.duration_seconds:.1f}s" if result.status != "skipped" else "-"
        cached = "yes" if result.cached else "no"
        report = f"`{result.report}`" if result.report else "-"
        lines.append(f"| {result.name} | {status} | {duration} | {cached} | {report} |")
    noted = [result for result in results if result.notes]
    if noted:
        lines += ["", "### Notes", ""]
        for result in noted:
            cached = " (cached result)" if result.cached else ""
            lines += [f"- **{result.name}**{cached}: {note}" for note in result.notes]
    problems = [result for result in results if result.status != "passed"]
    if problems:
        lines += ["", "### Problems", ""]
        for result in problems:
            detail = f"`{result.failed_command}` exited {result.exit_code}" if result.failed_command else ""
            text = "; ".join(part for part in (detail, result.message) if part)
            lines.append(f"- **{result.name}** {result.status}: {text}")
            if result.output_tail:
                lines += [
                    "",
                    "  ```text",
                    *(f"  {line}" for line in result.output_tail.splitlines()),
                    "  ```",
                ]
    return "\n".join(lines) + "\n"


def write_summary(markdown: str, reports_dir: Path, environ: Mapping[str, str]) -> Path:
    """Write summary.md and, when GitHub Actions names a step summary file, append the same text to it."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    path = reports_dir / "summary.md"
    path.write_text(markdown, encoding="utf-8")
    step_summary = environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with Path(step_summary).open("a", encoding="utf-8") as stream:
            stream.write(markdown)
    return path
