"""Idle cost at synth: what an environment costs per hour with no traffic and no jobs.

Constructs that keep capacity running (endpoint instances at minimum capacity, notebook instances,
MLflow tracking servers) describe it with ``always_on_capacity()``; ``idle_cost_summary(scope)`` walks
the construct tree, prices each item from ``PRICE_TABLE`` and totals them. The always-on network is
counted from the resources the stacks contain: interface VPC endpoints (billed per endpoint per
Availability Zone: one per subnet of the endpoint), NAT gateways and their public IPv4 addresses.

Schedules and scale-to-zero: capacity that scales to zero when idle (an inference component or an
asynchronous endpoint at minimum 0) costs nothing idle and has no line. Capacity whose scalable
target runs on ``WorkingHours`` (scaled to zero outside them) is counted for its scheduled hours
only: each line has ``hours_per_week`` (168 without a schedule), and the summary totals both the
idle cost before schedules (everything around the clock) and after them (the weekly average).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from aws_cdk import aws_ec2 as ec2
from constructs import IConstruct

from constructs_lib._core.stack_facts import construct_path, stack_of
from constructs_lib.inference.schedules import scheduled_hours_per_week

#: Hours in a week: a line without a schedule runs all of them.
HOURS_PER_WEEK = 168

#: Where the prices come from, and when they were read.
PRICE_SOURCE = (
    "AWS SageMaker AI pricing page (https://aws.amazon.com/sagemaker/ai/pricing/), on-demand, "
    "US East (N. Virginia), USD per hour; transcribed 2025-10, not fetched at synth. Indicative "
    "only: other regions cost more (e.g. eu-west-1 about +10 %), and prices change."
)

#: Where the network prices come from, and when they were read.
NETWORK_PRICE_SOURCE = (
    "AWS PrivateLink pricing (https://aws.amazon.com/privatelink/pricing/): interface endpoint per endpoint "
    "per AZ; Amazon VPC pricing (https://aws.amazon.com/vpc/pricing/): NAT gateway, public IPv4 address; "
    "US East (N. Virginia), USD per hour, hourly charges only (data processed is extra; gateway endpoints "
    "are free); transcribed 2025-10, not fetched at synth."
)
#: Every source of ``PRICE_TABLE``, printed under the summary.
PRICE_SOURCES: tuple[str, ...] = (PRICE_SOURCE, NETWORK_PRICE_SOURCE)

#: Price keys of the always-on network.
INTERFACE_ENDPOINT_AZ = "vpce.interface-az"
NAT_GATEWAY = "nat-gateway"
PUBLIC_IPV4 = "public-ipv4"

#: USD per hour, on-demand, us-east-1. Keys: SageMaker instance types for hosting and notebooks,
#: ``mlflow.<Size>`` for managed MLflow tracking servers, and the network's keys above.
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
    INTERFACE_ENDPOINT_AZ: 0.01,
    NAT_GATEWAY: 0.045,
    PUBLIC_IPV4: 0.005,
}


@dataclass(frozen=True)
class AlwaysOnCapacity:
    """Capacity a construct keeps running while idle: ``quantity`` units of ``price_key``."""

    description: str
    price_key: str
    quantity: int = 1
    #: The scalable targets that hold this capacity: a ``WorkingHours`` schedule on them all limits
    #: the hours counted (``scheduled_hours_per_week``).
    scalable_targets: tuple[IConstruct, ...] = ()

    @property
    def hours_per_week(self) -> int:
        """The hours per week the capacity runs: its targets' schedule when every one has one, else 168."""
        hours = [scheduled_hours_per_week(t) for t in self.scalable_targets]
        known = [h for h in hours if h is not None]
        if not hours or len(known) < len(hours):
            return HOURS_PER_WEEK
        # Different schedules: at most their sum (an upper bound, as the idle cost is).
        return known[0] if len(set(known)) == 1 else min(HOURS_PER_WEEK, sum(known))


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
    hours_per_week: int = HOURS_PER_WEEK

    @property
    def unscheduled_usd(self) -> float:
        """USD per hour around the clock (before schedules)."""
        return (self.hourly_usd or 0.0) * self.quantity

    @property
    def total_usd(self) -> float:
        """USD per hour on average over a week (after schedules)."""
        return self.unscheduled_usd * self.hours_per_week / HOURS_PER_WEEK


@dataclass(frozen=True)
class CostSummary:
    scope_path: str
    lines: tuple[CostLine, ...]

    @property
    def total_hourly_usd(self) -> float:
        """The idle cost after schedules: USD per hour averaged over a week."""
        return round(sum(line.total_usd for line in self.lines), 4)

    @property
    def unscheduled_hourly_usd(self) -> float:
        """The idle cost before schedules: every line around the clock."""
        return round(sum(line.unscheduled_usd for line in self.lines), 4)

    @property
    def unpriced(self) -> tuple[CostLine, ...]:
        return tuple(line for line in self.lines if line.hourly_usd is None)

    def format(self) -> str:
        rows = [f"idle cost of {self.scope_path or 'app'} (always-on capacity and network, USD/hour):"]
        for line in self.lines:
            price = "not in price table" if line.hourly_usd is None else f"{line.quantity} x {line.hourly_usd:.4f}"
            hours = "" if line.hours_per_week == HOURS_PER_WEEK else f"  ({line.hours_per_week} h/week)"
            rows.append(f"  {line.path:<56} {line.price_key:<18} {price:>18} = {line.total_usd:8.4f}{hours}")
        if not self.lines:
            rows.append("  (nothing runs while idle)")
        if self.unscheduled_hourly_usd != self.total_hourly_usd:
            rows.append(
                f"  {'total before schedules':<56} {'':<18} {'':>18} = {self.unscheduled_hourly_usd:8.4f}"
                f"  (~{self.unscheduled_hourly_usd * 730:,.0f} USD/month)"
            )
        rows.append(
            f"  {'total':<56} {'':<18} {'':>18} = {self.total_hourly_usd:8.4f}"
            f"  (~{self.total_hourly_usd * 730:,.0f} USD/month)"
        )
        return "\n".join(rows)


def idle_cost_summary(scope: IConstruct, prices: dict[str, float] | None = None) -> CostSummary:
    """Price every ``always_on_capacity()`` under ``scope``, and the network its stacks contain."""
    prices = PRICE_TABLE if prices is None else prices
    lines: list[CostLine] = []
    constructs = scope.node.find_all()
    for construct in constructs:
        if isinstance(construct, CostedConstruct):
            for item in construct.always_on_capacity():
                if item.quantity > 0:
                    lines.append(
                        CostLine(
                            construct.node.path,
                            item.description,
                            item.price_key,
                            item.quantity,
                            prices.get(item.price_key),
                            item.hours_per_week,
                        )
                    )
    for path, items in _network_capacity(constructs).items():
        lines += [
            CostLine(path, item.description, item.price_key, item.quantity, prices.get(item.price_key))
            for item in items
        ]
    return CostSummary(construct_path(scope), tuple(lines))


def _network_capacity(constructs: list[IConstruct]) -> dict[str, list[AlwaysOnCapacity]]:
    """The always-on network among ``constructs``, by stack path: interface endpoints counted per
    Availability Zone (the subnets each one has an interface in), NAT gateways, public IPv4 addresses."""
    endpoints: Counter[str] = Counter()
    endpoint_azs: Counter[str] = Counter()
    nat_gateways: Counter[str] = Counter()
    addresses: Counter[str] = Counter()
    for construct in constructs:
        if isinstance(construct, ec2.CfnVPCEndpoint) and construct.vpc_endpoint_type == "Interface":
            stack = stack_of(construct)
            endpoints[stack.node.path] += 1
            endpoint_azs[stack.node.path] += len(stack.resolve(construct.subnet_ids) or [])
        elif isinstance(construct, ec2.CfnNatGateway):  # public or private, billed per hour alike
            nat_gateways[stack_of(construct).node.path] += 1
        elif isinstance(construct, ec2.CfnEIP):
            addresses[stack_of(construct).node.path] += 1
    capacity: dict[str, list[AlwaysOnCapacity]] = {}
    for path in sorted(set(endpoints) | set(nat_gateways) | set(addresses)):
        items = capacity.setdefault(path, [])
        if endpoint_azs[path]:
            items.append(
                AlwaysOnCapacity(
                    f"{endpoints[path]} interface VPC endpoints, per AZ", INTERFACE_ENDPOINT_AZ, endpoint_azs[path]
                )
            )
        if nat_gateways[path]:
            items.append(AlwaysOnCapacity("NAT gateways", NAT_GATEWAY, nat_gateways[path]))
        if addresses[path]:
            items.append(AlwaysOnCapacity("public IPv4 addresses (Elastic IPs)", PUBLIC_IPV4, addresses[path]))
    return capacity
