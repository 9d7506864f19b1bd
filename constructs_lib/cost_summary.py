"""Idle cost at synth: what an environment costs per hour with no traffic and no jobs.

Constructs that keep capacity running (endpoint instances at minimum capacity, notebook instances,
MLflow tracking servers) describe it with ``always_on_capacity()``; ``idle_cost_summary(scope)`` walks
the construct tree, prices each item from ``PRICE_TABLE`` and totals them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from constructs import IConstruct

#: Where the prices come from, and when they were read.
PRICE_SOURCE = (
    "AWS SageMaker AI pricing page (https://aws.amazon.com/sagemaker/ai/pricing/), on-demand, "
    "US East (N. Virginia), USD per hour; transcribed 2025-10, not fetched at synth. Indicative "
    "only: other regions cost more (e.g. eu-west-1 about +10 %), and prices change."
)

#: USD per hour, on-demand, us-east-1. Keys: SageMaker instance types for hosting and notebooks,
#: ``mlflow.<Size>`` for managed MLflow tracking servers.
PRICE_TABLE: dict[str, float] = {
    "ml.t2.medium": 0.0464,
    "ml.t3.medium": 0.05,
    "ml.t3.large": 0.10,
    "ml.t3.xlarge": 0.20,
    "ml.m5.large": 0.115,
    "ml.m5.xlarge": 0.23,
    "ml.m5.2xlarge": 0.461,
    "ml.m5.4xlarge": 0.922,
    "ml.c5.large": 0.102,
    "ml.c5.xlarge": 0.204,
    "ml.c5.2xlarge": 0.408,
    "ml.r5.large": 0.151,
    "ml.r5.xlarge": 0.302,
    "ml.g4dn.xlarge": 0.7364,
    "ml.g5.xlarge": 1.408,
    "ml.g5.2xlarge": 1.515,
    "ml.inf2.xlarge": 0.99,
    "mlflow.Small": 0.642,
    "mlflow.Medium": 1.26,
    "mlflow.Large": 2.52,
}


@dataclass(frozen=True)
class AlwaysOnCapacity:
    """Capacity a construct keeps running while idle: ``quantity`` units of ``price_key``."""

    description: str
    price_key: str
    quantity: int = 1


@runtime_checkable
class CostedConstruct(Protocol):
    def always_on_capacity(self) -> list[AlwaysOnCapacity]: ...


@dataclass(frozen=True)
class CostLine:
    path: str
    description: str
    price_key: str
    quantity: int
    hourly_usd: float | None  # None: not in the price table

    @property
    def total_usd(self) -> float:
        return (self.hourly_usd or 0.0) * self.quantity


@dataclass(frozen=True)
class CostSummary:
    scope_path: str
    lines: tuple[CostLine, ...]

    @property
    def total_hourly_usd(self) -> float:
        return round(sum(line.total_usd for line in self.lines), 4)

    @property
    def unpriced(self) -> tuple[CostLine, ...]:
        return tuple(line for line in self.lines if line.hourly_usd is None)

    def format(self) -> str:
        rows = [f"idle cost of {self.scope_path or 'app'} (always-on capacity, USD/hour):"]
        for line in self.lines:
            price = "not in price table" if line.hourly_usd is None else f"{line.quantity} x {line.hourly_usd:.4f}"
            rows.append(f"  {line.path:<56} {line.price_key:<16} {price:>18} = {line.total_usd:8.4f}")
        if not self.lines:
            rows.append("  (nothing runs while idle)")
        rows.append(f"  {'total':<56} {'':<16} {'':>18} = {self.total_hourly_usd:8.4f}"
                    f"  (~{self.total_hourly_usd * 730:,.0f} USD/month)")
        return "\n".join(rows)


def idle_cost_summary(scope: IConstruct, prices: dict[str, float] | None = None) -> CostSummary:
    """Price every ``always_on_capacity()`` under ``scope``."""
    prices = PRICE_TABLE if prices is None else prices
    lines = []
    for construct in scope.node.find_all():
        if isinstance(construct, CostedConstruct):
            for item in construct.always_on_capacity():
                if item.quantity > 0:
                    lines.append(CostLine(construct.node.path, item.description, item.price_key, item.quantity,
                                          prices.get(item.price_key)))
    return CostSummary(scope.node.path, tuple(lines))
