"""Old path of `python -m infrastructure.ops.cost_analysis` (see infrastructure/ops/README.md)."""

from _launcher import launch

launch("cost_analysis")
