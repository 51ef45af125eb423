"""The libraries the AWS Lambda Python runtime provides next to the function's code: the AWS SDK and its deps.

Workers run without site-packages, so the artifact must bring everything else itself, as on Lambda. The SDK
comes from this environment (linked, not copied), which is what the artifact was tested with.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from pathlib import Path

RUNTIME_PROVIDED_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")


def runtime_library_dir(cache_dir: Path) -> Path:
    """A directory holding links to the runtime-provided modules (created once, refreshed when stale)."""
    target = cache_dir / "runtime-python"
    target.mkdir(parents=True, exist_ok=True)
    for module in RUNTIME_PROVIDED_MODULES:
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            continue  # not installed here, so not provided either
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        link = target / source.name
        if link.is_symlink() and Path(os.readlink(link)) == source:
            continue
        link.unlink(missing_ok=True)
        with contextlib.suppress(FileExistsError):  # another data plane linked it at the same moment
            link.symlink_to(source)
    return target
