"""Old path of `python -m infrastructure.ops.destroy_validation` (see infrastructure/ops/README.md)."""

from _launcher import launch

launch("destroy_validation")
