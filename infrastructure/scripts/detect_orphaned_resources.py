"""Old path of `python -m infrastructure.ops.detect_orphaned_resources` (see infrastructure/ops/README.md)."""

from _launcher import launch

launch("detect_orphaned_resources")
