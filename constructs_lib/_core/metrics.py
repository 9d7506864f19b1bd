"""One way to build a CloudWatch metric from a namespace, dimensions and the caller's ``MetricOptions``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch

_OPTION_FIELDS = (
    "account",
    "color",
    "id",
    "label",
    "period",
    "region",
    "stack_account",
    "stack_region",
    "statistic",
    "unit",
    "visible",
)


def metric(
    namespace: str,
    metric_name: str,
    dimensions: Mapping[str, str],
    options: cloudwatch.MetricOptions | None,
    *,
    statistic: str,
    period: Duration | None = None,
) -> cloudwatch.Metric:
    """A metric with ``statistic`` and ``period`` (default five minutes) unless ``options`` says
    otherwise; ``options.dimensions_map`` adds to (and may override) ``dimensions``."""
    given: dict[str, Any] = {}
    extra: Mapping[str, str] = {}
    if options is not None:
        given = {f: getattr(options, f) for f in _OPTION_FIELDS if getattr(options, f) is not None}
        extra = options.dimensions_map or {}
    settings: dict[str, Any] = {"statistic": statistic, **({"period": period} if period else {}), **given}
    return cloudwatch.Metric(
        namespace=namespace, metric_name=metric_name, dimensions_map={**dimensions, **extra}, **settings
    )
