"""Value classes shared by the endpoint constructs: instance types, variants, autoscaling, guardrails."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, TypedDict, Unpack

from aws_cdk import Duration, TimeZone
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch

from constructs_lib._core import durations

# Instance types live in constructs_lib.foundation.instance_type; imported here for the endpoints.
from constructs_lib.foundation.instance_type import ACCELERATOR_FAMILIES as ACCELERATOR_FAMILIES
from constructs_lib.foundation.instance_type import GPU_FAMILIES as GPU_FAMILIES
from constructs_lib.foundation.instance_type import INSTANCE_STORAGE_FAMILIES as INSTANCE_STORAGE_FAMILIES
from constructs_lib.foundation.instance_type import InstanceType as InstanceType
from constructs_lib.foundation.instance_type import as_instance_type as as_instance_type

#: The public names (the others serve the library's own modules).
__all__ = [
    "AsyncScalingOptions",
    "CapacitySize",
    "CapacityUnit",
    "DeploymentGuardrails",
    "DeploymentStrategy",
    "GuardrailOptions",
    "InstanceVariant",
    "ScalingMetric",
    "ScheduledScaling",
    "ServerlessVariant",
    "TrafficRouting",
]

if TYPE_CHECKING:
    from constructs_lib.inference.model import IModel

# --- autoscaling ---------------------------------------------------------------------------------


class ScalingMetric(StrEnum):
    """What a variant's target-tracking policy follows."""

    #: ``SageMakerVariantInvocationsPerInstance`` (predefined): requests per instance per minute.
    INVOCATIONS_PER_INSTANCE = "InvocationsPerInstance"
    #: ``CPUUtilization`` of ``/aws/sagemaker/Endpoints``, percent summed over the vCPUs (up to 100 x vCPUs).
    CPU_UTILIZATION = "CPUUtilization"
    #: ``GPUUtilization`` of ``/aws/sagemaker/Endpoints``, percent summed over the GPUs.
    GPU_UTILIZATION = "GPUUtilization"
    #: ``custom_metric`` of ``auto_scale_instance_count``.
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
    scale_in_cooldown: Duration = field(default_factory=lambda: durations.minutes(5))
    scale_out_cooldown: Duration = field(default_factory=lambda: durations.minutes(1))
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
    scale_in_cooldown: Duration = field(default_factory=lambda: durations.minutes(5))
    scale_out_cooldown: Duration = field(default_factory=lambda: durations.minutes(1))
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


class CapacityUnit(StrEnum):
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


class TrafficRouting(StrEnum):
    """How a blue/green deployment shifts traffic to the new fleet."""

    ALL_AT_ONCE = "ALL_AT_ONCE"
    CANARY = "CANARY"
    LINEAR = "LINEAR"


class DeploymentStrategy(StrEnum):
    BLUE_GREEN = "BLUE_GREEN"
    ROLLING = "ROLLING"


@dataclass(frozen=True)
class DeploymentGuardrails:
    """How endpoint updates roll out, and the CloudWatch alarms that roll them back.

    Build with ``DeploymentGuardrails.canary(...)``, ``.linear(...)``, ``.all_at_once(...)`` or
    ``.rolling(...)``, for a ``RealtimeEndpoint`` or an ``AsyncEndpoint`` (SageMaker offers guardrails
    for both). The endpoint creates its rollback alarms unless ``default_alarms=False``: a real-time
    one the 5XX error rate and p99 model latency of every production variant, an asynchronous one
    the 5XX error rate, the failed-invocation rate and a backlog without capacity. ``alarms`` adds
    your own. AWS takes 1 to 10 alarms.

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
    :param max_error_rate: default 0.01 (1%); the 5XX alarm's threshold (average of Invocation5XXErrors),
        and an asynchronous endpoint's failed-invocation alarm's.
    :param max_model_latency: default 1 s; a real-time endpoint's latency alarm's threshold (p99 of ModelLatency).
    """

    strategy: DeploymentStrategy = DeploymentStrategy.BLUE_GREEN
    traffic_routing: TrafficRouting | None = TrafficRouting.ALL_AT_ONCE
    canary_size: CapacitySize | None = None
    linear_step_size: CapacitySize | None = None
    maximum_batch_size: CapacitySize | None = None
    rollback_maximum_batch_size: CapacitySize | None = None
    wait_interval: Duration = field(default_factory=lambda: durations.minutes(10))
    termination_wait: Duration | None = None
    maximum_execution_timeout: Duration | None = None
    alarms: Sequence[cloudwatch.IAlarm] = ()
    default_alarms: bool = True
    max_error_rate: float = 0.01
    max_model_latency: Duration = field(default_factory=lambda: durations.seconds(1))

    @staticmethod
    def all_at_once(
        *, wait_interval: Duration | None = None, **kwargs: Unpack[GuardrailOptions]
    ) -> DeploymentGuardrails:
        """Blue/green: shift all traffic, bake ``wait_interval`` with the alarms watching, then finish."""
        return DeploymentGuardrails(traffic_routing=TrafficRouting.ALL_AT_ONCE, **_wait(wait_interval), **kwargs)

    @staticmethod
    def canary(
        size: CapacitySize, *, wait_interval: Duration | None = None, **kwargs: Unpack[GuardrailOptions]
    ) -> DeploymentGuardrails:
        """Blue/green: send ``size`` of the traffic to the new fleet, bake, then shift the rest."""
        return DeploymentGuardrails(
            traffic_routing=TrafficRouting.CANARY, canary_size=size, **_wait(wait_interval), **kwargs
        )

    @staticmethod
    def linear(
        step: CapacitySize, *, wait_interval: Duration | None = None, **kwargs: Unpack[GuardrailOptions]
    ) -> DeploymentGuardrails:
        """Blue/green: shift ``step`` of the traffic at a time, baking after each step."""
        return DeploymentGuardrails(
            traffic_routing=TrafficRouting.LINEAR, linear_step_size=step, **_wait(wait_interval), **kwargs
        )

    @staticmethod
    def rolling(
        batch: CapacitySize, *, wait_interval: Duration | None = None, **kwargs: Unpack[GuardrailOptions]
    ) -> DeploymentGuardrails:
        """Rolling: replace ``batch`` of the fleet at a time (fewer spare instances than blue/green)."""
        return DeploymentGuardrails(
            strategy=DeploymentStrategy.ROLLING,
            traffic_routing=None,
            maximum_batch_size=batch,
            **_wait(wait_interval),
            **kwargs,
        )


class GuardrailOptions(TypedDict, total=False):
    """The keyword arguments the ``DeploymentGuardrails`` builders pass on (see its parameters)."""

    rollback_maximum_batch_size: CapacitySize | None
    termination_wait: Duration | None
    maximum_execution_timeout: Duration | None
    alarms: Sequence[cloudwatch.IAlarm]
    default_alarms: bool
    max_error_rate: float
    max_model_latency: Duration


class _Wait(TypedDict, total=False):
    wait_interval: Duration


def _wait(wait_interval: Duration | None) -> _Wait:
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
    scale_in_cooldown: Duration = field(default_factory=lambda: durations.minutes(10))
    scale_out_cooldown: Duration = field(default_factory=lambda: durations.minutes(5))
    scale_out_from_zero: bool = True
    schedules: Sequence[ScheduledScaling] = ()
