"""Old path of `python -m infrastructure.ops.validate_infrastructure` (see infrastructure/ops/README.md)."""

from _launcher import launch

launch("validate_infrastructure")
