"""How `make test` spreads test files over pytest-xdist workers (``--dist loadfile``).

xdist hands each worker whole files, most tests first. Two things make that slow here: a file with one
long test (the `ci local up` ones) starts last, and two files that share a session fixture (env local
applied into moto) may land on different workers and each build it. So the collection puts files with
``slow`` tests first, keeping the order within and between the rest, and the scheduler treats files that
share such a fixture as one unit of work. (Naming the longest files, longest first, measured no better: the
suite is CPU-bound, so what runs beside what matters little.)
"""

from __future__ import annotations

from typing import Any

import pytest
from xdist.scheduler import LoadFileScheduling

# Files whose tests share one expensive session fixture: one worker runs them all, in collection order
# (the public local cloud: read by the infrastructure tests, then destroyed and stopped by test_local_up).
PUBLIC_LOCAL_CLOUD = "tests [deployed_local]"
SHARED_FIXTURE_SCOPES = {
    "tests/infrastructure/test_local_apply.py": PUBLIC_LOCAL_CLOUD,
    "tests/infrastructure/test_ops_scripts.py": PUBLIC_LOCAL_CLOUD,
    "tests/local/test_local_up.py": PUBLIC_LOCAL_CLOUD,
}


def test_file(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def slow_files_first(items: list[pytest.Item]) -> None:
    """Reorder in place: files holding a ``slow`` test first; a stable sort keeps each file together."""
    slow = {test_file(item.nodeid) for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: test_file(item.nodeid) not in slow)


def work_unit(nodeid: str) -> str:
    """The unit of work a test belongs to: its file, or the scope of the files it shares a fixture with."""
    file = test_file(nodeid)
    return SHARED_FIXTURE_SCOPES.get(file, file)


class SharedFixtureFileScheduling(LoadFileScheduling):
    """``--dist loadfile``, except that files sharing a session fixture form one work unit."""

    def _split_scope(self, nodeid: str) -> str:
        return work_unit(nodeid)


def make_scheduler(config: pytest.Config, log: Any) -> LoadFileScheduling | None:
    if config.getoption("dist") != "loadfile":
        return None
    # Collection order (slow files first) decides the queue, not xdist's "most tests first".
    config.option.loadscopereorder = False
    return SharedFixtureFileScheduling(config, log)
