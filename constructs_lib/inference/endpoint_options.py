"""Value classes shared by the endpoint constructs: instance types, variants, autoscaling, guardrails."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from aws_cdk import Duration, TimeZone
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch

if TYPE_CHECKING:
    from constructs_lib.inference.model import IModel

_INSTANCE_TYPE = re.compile(r"^ml\.(?P<family>[a-z0-9]+(?:-[a-z0-9]+)?)\.(?P<size>[0-9]*[a-z0-9]+)$")

#: Instance families with NVMe SSD instance storage, where SageMaker uses the instance store instead
#: of an EBS volume. Instance-store volumes are encrypted by the instance's hardware, and
#: ``CreateEndpointConfig`` fails when ``KmsKeyId`` is set with one of them, so endpoints skip the
#: volume key for these families. Source: the EC2 instance-type specifications ("Instance storage:
#: NVMe SSD") and the SageMaker ``KmsKeyId`` documentation. Families not listed (m5, c5, r5, m6i,
#: c7i, p3, t2, and Inferentia's inf1 and inf2, which EC2 lists as EBS-only) get the volume key.
INSTANCE_STORAGE_FAMILIES: dict[str, str] = {
    "m5d": "general purpose, NVMe SSD",
    "c5d": "compute optimized, NVMe SSD",
    "r5d": "memory optimized, NVMe SSD",
    "m6gd": "Graviton general purpose, NVMe SSD",
    "c6gd": "Graviton compute optimized, NVMe SSD",
    "r6gd": "Graviton memory optimized, NVMe SSD",
    "r7gd": "Graviton memory optimized, NVMe SSD",
    "g4dn": "NVIDIA T4, NVMe SSD",
    "g5": "NVIDIA A10G, NVMe SSD",
    "g6": "NVIDIA L4, NVMe SSD",
    "g6e": "NVIDIA L40S, NVMe SSD",
    "g7e": "NVIDIA RTX PRO 6000 Blackwell, NVMe SSD",
    "g7": "newer than this table's sources: treated as instance-store so that no KmsKeyId breaks CreateEndpointConfig",
    "p4d": "NVIDIA A100, NVMe SSD",
    "p4de": "NVIDIA A100 80 GB, NVMe SSD",
    "p5": "NVIDIA H100, NVMe SSD",
    "p5e": "NVIDIA H200, NVMe SSD",
    "p5en": "NVIDIA H200, NVMe SSD",
    "p6-b200": "NVIDIA B200, NVMe SSD",
    "p6-b300": "NVIDIA B300, NVMe SSD",
    "p6e-gb200": "NVIDIA GB200, NVMe SSD",
    "dl1": "Habana Gaudi, NVMe SSD",
    "trn1": "AWS Trainium, NVMe SSD",
    "trn1n": "AWS Trainium, NVMe SSD",
    "trn2": "AWS Trainium2, NVMe SSD",
}

#: Families with NVIDIA GPUs.
GPU_FAMILIES: frozenset[str] = frozenset(
    {
        "p2",
        "p3",
        "p4d",
        "p4de",
        "p5",
        "p5e",
        "p5en",
        "p6-b200",
        "p6-b300",
        "p6e-gb200",
        "g4dn",
        "g5",
        "g6",
        "g6e",
        "g7",
        "g7e",
    }
)
#: Families with other accelerators (Inferentia, Trainium, Gaudi).
ACCELERATOR_FAMILIES: frozenset[str] = frozenset({"inf1", "inf2", "trn1", "trn1n", "trn2", "dl1"})


class InstanceType:
    """A SageMaker hosting instance type such as ``ml.m5.large`` (``InstanceType.of("ml.g5.xlarge")``)."""

    def __init__(self, name: str) -> None:
        self.name = name
        match = _INSTANCE_TYPE.match(name)
        self.family: str | None = match["family"] if match else None

    @staticmethod
    def of(name: str) -> InstanceType:
        return InstanceType(name)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"InstanceType({self.name!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InstanceType) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    @property
    def is_valid(self) -> bool:
        """True for names of the form ``ml.<family>.<size>``."""
        return self.family is not None

    @property
    def is_gpu(self) -> bool:
        return self.family in GPU_FAMILIES

    @property
    def is_accelerated(self) -> bool:
        """GPU, Inferentia, Trainium or Gaudi."""
        return self.is_gpu or self.family in ACCELERATOR_FAMILIES

    @property
    def has_instance_storage(self) -> bool:
        """NVMe instance store: the endpoint's volume key must be left out (see ``INSTANCE_STORAGE_FAMILIES``)."""
        return self.family in INSTANCE_STORAGE_FAMILIES

    @property
    def is_inf1(self) -> bool:
        """Inf1 endpoints cannot use deployment guardrails or shadow variants."""
        return self.family == "inf1"


InstanceType.T2_MEDIUM = InstanceType("ml.t2.medium")  # type: ignore[attr-defined]
InstanceType.M5_LARGE = InstanceType("ml.m5.large")  # type: ignore[attr-defined]
InstanceType.M5_XLARGE = InstanceType("ml.m5.xlarge")  # type: ignore[attr-defined]
InstanceType.C5_XLARGE = InstanceType("ml.c5.xlarge")  # type: ignore[attr-defined]
InstanceType.C6I_XLARGE = InstanceType("ml.c6i.xlarge")  # type: ignore[attr-defined]
InstanceType.G4DN_XLARGE = InstanceType("ml.g4dn.xlarge")  # type: ignore[attr-defined]
InstanceType.G5_XLARGE = InstanceType("ml.g5.xlarge")  # type: ignore[attr-defined]
InstanceType.INF2_XLARGE = InstanceType("ml.inf2.xlarge")  # type: ignore[attr-defined]


def as_instance_type(value: InstanceType | str) -> InstanceType:
    return value if isinstance(value, InstanceType) else InstanceType(value)


# --- autoscaling ---------------------------------------------------------------------------------


class ScalingMetric(str, Enum):
    """What a variant's target-tracking policy follows."""

    #: ``SageMakerVariantInvocationsPerInstance`` (predefined): requests per instance per minute.
    INVOCATIONS_PER_INSTANCE = "InvocationsPerInstance"
    #: ``CPUUtilization`` of ``/aws/sagemaker/Endpoints``, percent summed over the vCPUs (up to 100 x vCPUs).
    CPU_UTILIZATION = "CPUUtilization"
    #: ``GPUUtilization`` of ``/aws/sagemaker/Endpoints``, percent summed over the GPUs.
    GPU_UTILIZATION = "GPUUtilization"
    #: ``custom_metric`` of ``AutoScalingOptions``.
    CUSTOM = "Custom"


@dataclass(frozen=True)
class ScheduledScaling:
    """A scheduled change of a variant's capacity range, e.g. scale a dev endpoint in at night.

    :param name: the scheduled action's construct id (unique per variant).
    :param schedule: when, e.g. ``appscaling.Schedule.cron(hour="20", minute="0")``.
    :param min_capacity: default unchanged; the new minimum.
    :param max_capacity: default unchanged; the new maximum.
    :param time_zone: default UTC; the cron expression's time zone.
    """

    name: str
    schedule: appscaling.Schedule
    min_capacity: int | None = None
    max_capacity: int | None = None
    time_zone: TimeZone | None = None


@dataclass(frozen=True)
class InstanceScaling:
    """What ``InstanceProductionVariant.auto_scale_instance_count`` received (see its parameters)."""

    max_capacity: int
    min_capacity: int = 2
    metric: ScalingMetric = ScalingMetric.INVOCATIONS_PER_INSTANCE
    target_value: float = 100.0
    custom_metric: cloudwatch.IMetric | None = None
    scale_in_cooldown: Duration = field(default_factory=lambda: Duration.minutes(5))
    scale_out_cooldown: Duration = field(default_factory=lambda: Duration.minutes(1))
    disable_scale_in: bool = False
    schedules: Sequence[ScheduledScaling] = ()


# --- variants ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstanceVariant:
    """A production variant on instances (real-time or asynchronous endpoints).

    :param model: the model to host.
    :param variant_name: default ``AllTraffic``; keep it stable: blue/green and rolling updates need
        the same variant name in the old and new configuration.
    :param instance_type: default ``ml.m5.large``.
    :param initial_instance_count: default 2, one per Availability Zone (the production minimum).
    :param initial_weight: default 1; share of traffic relative to the other variants (A/B tests);
        for a shadow variant, the share of production traffic copied to it.
    :param volume_size_gb: default, SageMaker's; EBS volume size (1 to 512), not for instance-store types.
    :param model_data_download_timeout: default, SageMaker's; 60 to 3600 seconds.
    :param container_startup_health_check_timeout: default, SageMaker's; 60 to 3600 seconds.
    """

    model: IModel
    variant_name: str = "AllTraffic"
    instance_type: InstanceType | str = "ml.m5.large"
    initial_instance_count: int = 2
    initial_weight: float = 1.0
    volume_size_gb: int | None = None
    model_data_download_timeout: Duration | None = None
    container_startup_health_check_timeout: Duration | None = None


@dataclass(frozen=True)
class ConcurrencyScaling:
    """What ``ServerlessProductionVariant.auto_scale_provisioned_concurrency`` received (see its parameters)."""

    max_capacity: int
    min_capacity: int = 1
    target_utilization: float = 0.5
    scale_in_cooldown: Duration = field(default_factory=lambda: Duration.minutes(5))
    scale_out_cooldown: Duration = field(default_factory=lambda: Duration.minutes(1))
    schedules: Sequence[ScheduledScaling] = ()


@dataclass(frozen=True)
class ServerlessVariant:
    """The production variant of a serverless endpoint.

    :param model: the model to host: one CPU container, outside a VPC and without network isolation
        (Serverless Inference supports neither).
    :param variant_name: default ``AllTraffic``.
    :param memory_size_mb: default 2048; 1024 to 6144 in steps of 1024.
    :param max_concurrency: default 20; concurrent invocations, 1 to 200.
    :param provisioned_concurrency: default none (cold starts possible); 1 to ``max_concurrency``;
        autoscale it with ``endpoint.variant().auto_scale_provisioned_concurrency(...)``.
    """

    model: IModel
    variant_name: str = "AllTraffic"
    memory_size_mb: int = 2048
    max_concurrency: int = 20
    provisioned_concurrency: int | None = None


# --- deployment guardrails -----------------------------------------------------------------------


class CapacityUnit(str, Enum):
    INSTANCE_COUNT = "INSTANCE_COUNT"
    CAPACITY_PERCENT = "CAPACITY_PERCENT"


@dataclass(frozen=True)
class CapacitySize:
    """A batch of a variant's fleet: ``CapacitySize.instances(1)`` or ``CapacitySize.percent(10)``."""

    value: int
    unit: CapacityUnit = CapacityUnit.INSTANCE_COUNT

    @staticmethod
    def instances(count: int) -> CapacitySize:
        return CapacitySize(count, CapacityUnit.INSTANCE_COUNT)

    @staticmethod
    def percent(share: int) -> CapacitySize:
        return CapacitySize(share, CapacityUnit.CAPACITY_PERCENT)


class TrafficRouting(str, Enum):
    """How a blue/green deployment shifts traffic to the new fleet."""

    ALL_AT_ONCE = "ALL_AT_ONCE"
    CANARY = "CANARY"
    LINEAR = "LINEAR"


class DeploymentStrategy(str, Enum):
    BLUE_GREEN = "BLUE_GREEN"
    ROLLING = "ROLLING"


@dataclass(frozen=True)
class DeploymentGuardrails:
    """How endpoint updates roll out, and the CloudWatch alarms that roll them back.

    Build with ``DeploymentGuardrails.canary(...)``, ``.linear(...)``, ``.all_at_once(...)`` or
    ``.rolling(...)``. The endpoint creates two rollback alarms (5XX error rate and model latency
    of every production variant) unless ``default_alarms=False``; ``alarms`` adds your own. AWS
    takes 1 to 10 alarms.

    :param strategy: default blue/green.
    :param traffic_routing: blue/green only; default ALL_AT_ONCE.
    :param canary_size: CANARY only: the first batch, at most 50% of the fleet.
    :param linear_step_size: LINEAR only: each batch, 10% to 50% of the fleet.
    :param maximum_batch_size: rolling only: each batch, 5% to 50% of the fleet.
    :param rollback_maximum_batch_size: rolling only; default, the whole old fleet at once.
    :param wait_interval: default 10 minutes; baking time between steps (0 to 3600 s).
    :param termination_wait: default none; blue/green: keep the old fleet this long after the shift (0 to 3600 s).
    :param maximum_execution_timeout: default, SageMaker's; 600 to 28800 s, longer than all waits.
    :param alarms: default none; your own alarms, added to the default ones.
    :param default_alarms: default True; create the 5XX error-rate and model-latency alarms.
    :param max_error_rate: default 0.01 (1%); the 5XX alarm's threshold (average of Invocation5XXErrors).
    :param max_model_latency: default 1 s; the latency alarm's threshold (p99 of ModelLatency).
    """

    strategy: DeploymentStrategy = DeploymentStrategy.BLUE_GREEN
    traffic_routing: TrafficRouting | None = TrafficRouting.ALL_AT_ONCE
    canary_size: CapacitySize | None = None
    linear_step_size: CapacitySize | None = None
    maximum_batch_size: CapacitySize | None = None
    rollback_maximum_batch_size: CapacitySize | None = None
    wait_interval: Duration = field(default_factory=lambda: Duration.minutes(10))
    termination_wait: Duration | None = None
    maximum_execution_timeout: Duration | None = None
    alarms: Sequence[cloudwatch.IAlarm] = ()
    default_alarms: bool = True
    max_error_rate: float = 0.01
    max_model_latency: Duration = field(default_factory=lambda: Duration.seconds(1))

    @staticmethod
    def all_at_once(*, wait_interval: Duration | None = None, **kwargs) -> DeploymentGuardrails:
        """Blue/green: shift all traffic, bake ``wait_interval`` with the alarms watching, then finish."""
        return DeploymentGuardrails(traffic_routing=TrafficRouting.ALL_AT_ONCE, **_wait(wait_interval), **kwargs)

    @staticmethod
    def canary(size: CapacitySize, *, wait_interval: Duration | None = None, **kwargs) -> DeploymentGuardrails:
        """Blue/green: send ``size`` of the traffic to the new fleet, bake, then shift the rest."""
        return DeploymentGuardrails(
            traffic_routing=TrafficRouting.CANARY, canary_size=size, **_wait(wait_interval), **kwargs
        )

    @staticmethod
    def linear(step: CapacitySize, *, wait_interval: Duration | None = None, **kwargs) -> DeploymentGuardrails:
        """Blue/green: shift ``step`` of the traffic at a time, baking after each step."""
        return DeploymentGuardrails(
            traffic_routing=TrafficRouting.LINEAR, linear_step_size=step, **_wait(wait_interval), **kwargs
        )

    @staticmethod
    def rolling(batch: CapacitySize, *, wait_interval: Duration | None = None, **kwargs) -> DeploymentGuardrails:
        """Rolling: replace ``batch`` of the fleet at a time (fewer spare instances than blue/green)."""
        return DeploymentGuardrails(
            strategy=DeploymentStrategy.ROLLING,
            traffic_routing=None,
            maximum_batch_size=batch,
            **_wait(wait_interval),
            **kwargs,
        )


def _wait(wait_interval: Duration | None) -> dict:
    return {} if wait_interval is None else {"wait_interval": wait_interval}


@dataclass(frozen=True)
class AsyncScalingOptions:
    """Autoscaling of an asynchronous endpoint's instances, down to zero when its queue is empty.

    A target-tracking policy follows ``ApproximateBacklogSizePerInstance``; because that metric is
    not emitted at zero instances, a step policy on ``HasBacklogWithoutCapacity`` adds the first
    instance when requests wait and nothing runs.

    :param max_capacity: default 2; the most instances.
    :param min_capacity: default 0 (scale to zero).
    :param target_backlog_per_instance: default 5; queued requests per instance to aim for.
    :param scale_in_cooldown: default 10 minutes.
    :param scale_out_cooldown: default 5 minutes; also the step policy's cooldown.
    :param scale_out_from_zero: default True; the ``HasBacklogWithoutCapacity`` step policy (only
        useful with ``min_capacity=0``).
    :param schedules: default none; scheduled changes of the range.
    """

    max_capacity: int = 2
    min_capacity: int = 0
    target_backlog_per_instance: float = 5.0
    scale_in_cooldown: Duration = field(default_factory=lambda: Duration.minutes(10))
    scale_out_cooldown: Duration = field(default_factory=lambda: Duration.minutes(5))
    scale_out_from_zero: bool = True
    schedules: Sequence[ScheduledScaling] = ()
