"""Stage dependencies: validation, selection and a readable rendering for `python -m ci list`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ci.spec import StageSpec


class PipelineDefinitionError(ValueError):
    """Unknown stage, dependency on a missing stage, or a cycle."""


def _by_name(specs: Sequence[StageSpec]) -> dict[str, StageSpec]:
    return {spec.name: spec for spec in specs}


def topological_order(specs: Sequence[StageSpec]) -> list[StageSpec]:
    """Stages so that each comes after its dependencies; ties keep the declared order."""
    by_name = _by_name(specs)
    for spec in specs:
        for dependency in spec.depends_on:
            if dependency not in by_name:
                raise PipelineDefinitionError(f"stage {spec.name!r} depends on unknown stage {dependency!r}")
    ordered: list[StageSpec] = []
    done: set[str] = set()
    visiting: set[str] = set()

    def visit(spec: StageSpec) -> None:
        if spec.name in done:
            return
        if spec.name in visiting:
            raise PipelineDefinitionError(f"dependency cycle through stage {spec.name!r}")
        visiting.add(spec.name)
        for dependency in spec.depends_on:
            visit(by_name[dependency])
        visiting.discard(spec.name)
        done.add(spec.name)
        ordered.append(spec)

    for spec in specs:
        visit(spec)
    return ordered


def select(specs: Sequence[StageSpec], names: Iterable[str]) -> dict[str, tuple[StageSpec, tuple[str, ...]]]:
    """The selected stages (all when ``names`` is empty), each with its *effective* dependencies.

    Exactly the named stages run: a CI job asks for the stages it needs and earlier jobs ran the rest.
    A dependency that is not selected is looked through, so `run lint package` still orders package
    after lint even though the stages between them (test, coverage) are not run.
    """
    ordered = topological_order(specs)
    by_name = _by_name(ordered)
    wanted = list(dict.fromkeys(names)) or [spec.name for spec in ordered]
    unknown = [name for name in wanted if name not in by_name]
    if unknown:
        raise PipelineDefinitionError(
            f"unknown stage(s): {', '.join(unknown)}; stages are: {', '.join(by_name)}"
        )
    chosen = set(wanted)

    def nearest_selected(name: str) -> set[str]:
        found: set[str] = set()
        for dependency in by_name[name].depends_on:
            found |= {dependency} if dependency in chosen else nearest_selected(dependency)
        return found

    return {
        spec.name: (spec, tuple(sorted(nearest_selected(spec.name), key=list(by_name).index)))
        for spec in ordered
        if spec.name in chosen
    }


def levels(specs: Sequence[StageSpec]) -> list[list[str]]:
    """Stages grouped by depth: everything in one level can run at the same time."""
    depth: dict[str, int] = {}
    for spec in topological_order(specs):
        depth[spec.name] = 1 + max((depth[d] for d in spec.depends_on), default=-1)
    grouped: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for name, level in depth.items():
        grouped[level].append(name)
    return grouped


def render(specs: Sequence[StageSpec]) -> str:
    """A plain-text view of the DAG: one line per stage with what it waits for, then the parallel levels."""
    lines = []
    width = max(len(spec.name) for spec in specs)
    for spec in topological_order(specs):
        after = f"after {', '.join(spec.depends_on)}" if spec.depends_on else "no dependencies"
        cache = (
            ""
            if spec.reusable
            else "  [replayed only as a block, after a pass against a fresh local cloud]"
            if spec.needs_cloud
            else "  [never cached]"
        )
        lines.append(f"{spec.name:<{width}}  {after:<34} {spec.tool} {spec.tool_version}{cache}")
        lines.append(f"{'':<{width}}  {spec.description}")
    lines.append("")
    lines.append("run order (stages on one line run concurrently):")
    lines.extend(f"  {index + 1}. {'  '.join(level)}" for index, level in enumerate(levels(specs)))
    return "\n".join(lines)


def ancestors(specs: Sequence[StageSpec], name: str) -> list[str]:
    """Every stage ``name`` transitively depends on, in run order (without ``name`` itself)."""
    by_name = _by_name(specs)
    if name not in by_name:
        raise PipelineDefinitionError(f"unknown stage {name!r}; stages are: {', '.join(by_name)}")
    found: set[str] = set()
    pending = list(by_name[name].depends_on)
    while pending:
        dependency = pending.pop()
        if dependency not in found:
            found.add(dependency)
            pending.extend(by_name[dependency].depends_on)
    return [spec.name for spec in topological_order(specs) if spec.name in found]
