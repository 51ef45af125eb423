"""DAG order and stage selection."""

from __future__ import annotations

import pytest

from ci.dag import PipelineDefinitionError, ancestors, levels, render, select, topological_order
from ci.spec import Command, StageSpec
from ci.stages import build_stages


def _spec(name: str, *depends_on: str) -> StageSpec:
    return StageSpec(
        name=name,
        description=name,
        tool="t",
        tool_version="1",
        image="i:1.0.0",
        commands=(Command(("true",)),),
        depends_on=depends_on,
    )


def test_dependencies_come_first() -> None:
    order = [spec.name for spec in topological_order(build_stages("local", environ={}))]
    for before, after in [
        ("lint", "test"),
        ("test", "coverage"),
        ("coverage", "package"),
        ("sast", "package"),
        ("iac-scan", "package"),
        ("package", "plan"),
        ("plan", "apply"),
        ("apply", "deploy"),
        ("deploy", "smoke"),
    ]:
        assert order.index(before) < order.index(after)


def test_independent_stages_share_the_first_level() -> None:
    assert levels(build_stages("local", environ={}))[0] == ["lint", "iac-scan", "sast"]


def test_selection_runs_exactly_the_named_stages_ordered_through_unselected_ones() -> None:
    selection = select(build_stages("local", environ={}), ["package", "lint", "sast", "iac-scan"])
    assert list(selection) == ["lint", "iac-scan", "sast", "package"]
    # package depends on coverage -> test -> lint; coverage and test are not selected, lint is
    assert selection["package"][1] == ("lint", "iac-scan", "sast")
    assert selection["lint"][1] == ()


def test_empty_selection_means_every_stage() -> None:
    specs = build_stages("local", environ={})
    assert list(select(specs, [])) == [spec.name for spec in specs]


def test_unknown_stage_is_named_in_the_error() -> None:
    with pytest.raises(PipelineDefinitionError, match=r"unknown stage.*lnt"):
        select(build_stages("local", environ={}), ["lnt"])


def test_cycles_and_dangling_dependencies_are_rejected() -> None:
    with pytest.raises(PipelineDefinitionError, match="cycle"):
        topological_order([_spec("a", "b"), _spec("b", "a")])
    with pytest.raises(PipelineDefinitionError, match="unknown stage 'ghost'"):
        topological_order([_spec("a", "ghost")])


def test_render_shows_each_stage_and_the_parallel_levels() -> None:
    text = render(build_stages("local", environ={}))
    assert "package   after coverage, iac-scan, sast" in text
    assert "1. lint  iac-scan  sast" in text
    # and how the cache treats each: sast never, the cloud stages only as a block, the rest by content
    lines = {line.split()[0]: line for line in text.splitlines() if line and not line.startswith(" ")}
    assert lines["sast"].endswith("[never cached]")
    assert all("replayed only as a block" in lines[name] for name in ("plan", "apply", "contract"))
    assert "[" not in lines["lint"]


def test_ancestors_are_every_transitive_dependency_in_run_order() -> None:
    specs = list(build_stages("dev", environ={}))
    assert ancestors(specs, "coverage") == ["lint", "test"]
    assert ancestors(specs, "lint") == []
    assert ancestors(specs, "smoke") == [
        spec.name for spec in specs if spec.name not in ("smoke", "contract")
    ]
    with pytest.raises(PipelineDefinitionError, match="unknown stage 'nope'"):
        ancestors(specs, "nope")
