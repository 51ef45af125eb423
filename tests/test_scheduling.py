"""How `make test` hands files to its xdist workers: slow files first, shared-fixture files together."""

from __future__ import annotations

from pathlib import Path

from xdist.scheduler import LoadFileScheduling

from ci.common.paths import REPO_ROOT
from tests.scheduling import SHARED_FIXTURE_SCOPES, SharedFixtureFileScheduling, slow_files_first, work_unit


class FakeItem:
    def __init__(self, nodeid: str, slow: bool = False) -> None:
        self.nodeid = nodeid
        self.slow = slow

    def get_closest_marker(self, name: str) -> object | None:
        return object() if name == "slow" and self.slow else None


def test_files_with_a_slow_test_move_to_the_front_and_every_file_stays_together() -> None:
    items = [
        FakeItem("tests/unit/test_a.py::one"),
        FakeItem("tests/unit/test_a.py::two"),
        FakeItem("tests/local/test_up.py::setup"),
        FakeItem("tests/local/test_up.py::long", slow=True),
        FakeItem("tests/ci/test_b.py::one"),
    ]
    slow_files_first(items)  # type: ignore[arg-type]
    assert [item.nodeid for item in items] == [
        "tests/local/test_up.py::setup",
        "tests/local/test_up.py::long",
        "tests/unit/test_a.py::one",
        "tests/unit/test_a.py::two",
        "tests/ci/test_b.py::one",
    ]


def test_files_sharing_a_session_fixture_are_one_unit_of_work_and_others_one_each() -> None:
    shared = {work_unit(f"{path}::test") for path in SHARED_FIXTURE_SCOPES}
    assert len(shared) == 1
    assert work_unit("tests/unit/test_a.py::one") == work_unit("tests/unit/test_a.py::two")
    assert work_unit("tests/unit/test_a.py::one") != work_unit("tests/unit/test_b.py::one")
    assert SharedFixtureFileScheduling._split_scope is not LoadFileScheduling._split_scope


def test_the_shared_files_exist_and_use_the_fixture_they_are_grouped_for() -> None:
    for path, scope in SHARED_FIXTURE_SCOPES.items():
        fixture = scope.split("[")[1].rstrip("]")
        assert fixture in (REPO_ROOT / Path(path)).read_text(), f"{path} no longer uses {fixture}"
