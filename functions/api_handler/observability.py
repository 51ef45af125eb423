"""Logger, EMF metrics and (optional) tracing, set up from Powertools' own POWERTOOLS_* variables."""

from __future__ import annotations

import importlib.util
import os
import warnings
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

DEFAULT_METRICS_NAMESPACE = "ItemsService"

# Reads emit no metrics; Powertools would warn about that on every GET. Not publishing is what we want.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)

logger = Logger()
metrics = Metrics(namespace=os.getenv("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_METRICS_NAMESPACE)


class MetricsEvents:
    """ItemEvents as CloudWatch EMF metrics: one count per operation, flushed when the invocation ends."""

    def item_created(self) -> None:
        metrics.add_metric(name="ItemsCreated", unit=MetricUnit.Count, value=1)

    def item_updated(self) -> None:
        metrics.add_metric(name="ItemsUpdated", unit=MetricUnit.Count, value=1)

    def item_deleted(self) -> None:
        metrics.add_metric(name="ItemsDeleted", unit=MetricUnit.Count, value=1)

    def version_conflict(self) -> None:
        metrics.add_metric(name="VersionConflicts", unit=MetricUnit.Count, value=1)


def build_tracer() -> Tracer | None:
    """A Powertools Tracer, or None when tracing is off or the X-Ray SDK is not installed.

    Powertools' Tracer imports aws_xray_sdk in its constructor even when tracing is disabled, so it is only
    built here, at the first request, and only when it will trace. The X-Ray SDK is not in the zip (it pulls
    botocore in, far over the size budget); where traces are wanted it comes from a Lambda layer.
    """
    if resolve_truthy_env_var_choice(env=os.getenv("POWERTOOLS_TRACE_DISABLED", "false")):
        return None
    if importlib.util.find_spec("aws_xray_sdk") is None:
        logger.warning("tracing is enabled but aws_xray_sdk is not installed: continuing without traces")
        return None
    from aws_lambda_powertools import Tracer  # noqa: PLC0415 - see docstring

    return Tracer()
