"""Deployment guardrails of endpoints on instances (real-time and asynchronous): the checks of what
SageMaker accepts, the rollback alarms' shape and the ``DeploymentConfig`` property (private: one
implementation for ``RealtimeEndpoint`` and ``AsyncEndpoint``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from constructs_lib._core.durations import in_milliseconds, in_seconds
from constructs_lib._core.nag import acknowledge
from constructs_lib._core.service_model import check_shape, resolve
from constructs_lib._core.stack_facts import construct_path
from constructs_lib._core.validation import Problems, given, is_unresolved, whole
from constructs_lib.inference import _endpoints as ep
from constructs_lib.inference.endpoint import ProductionVariant
from constructs_lib.inference.endpoint_options import (
    CapacitySize,
    CapacityUnit,
    DeploymentGuardrails,
    DeploymentStrategy,
    InstanceVariant,
    TrafficRouting,
    as_instance_type,
)

#: The blue/green policy's members in botocore's model (the rolling policy's waits have the same limits).
_BLUE_GREEN = "CreateEndpointInput.DeploymentConfig.BlueGreenUpdatePolicy"
#: The auto-rollback alarm list in botocore's model (1 to 10 alarms).
_ROLLBACK_ALARMS = "CreateEndpointInput.DeploymentConfig.AutoRollbackConfiguration.Alarms"
# Shares of a variant's fleet that AWS accepts for each batch kind (percent, inclusive).
_CANARY = (0, 50)
_LINEAR = (10, 50)
_ROLLING = (5, 50)
_ROLLBACK = (0, 100)


def check_guardrails(
    problems: Problems,
    g: DeploymentGuardrails,
    variants: list[InstanceVariant],
    fleet: int,
    *,
    default_alarms: int,
    default_alarms_text: str,
) -> None:
    """Refuses guardrails SageMaker would reject or silently ignore.

    :param fleet: the fewest instances the smallest variant holds during an update (its scaling
        minimum, else its initial count): instance-count batches are shares of it.
    :param default_alarms: how many rollback alarms the endpoint creates with ``default_alarms=True``.
    :param default_alarms_text: what they are, for the message (``2 default alarms per production variant``).
    """
    inf1 = [v.variant_name for v in variants if as_instance_type(v.instance_type).is_inf1]
    problems.check(
        not inf1,
        "deployment",
        inf1,
        "guardrails are not supported on Inf1 instances (AWS silently deploys all at once)",
    )
    if g.strategy == DeploymentStrategy.ROLLING:
        problems.check(
            g.traffic_routing is None,
            "deployment.traffic_routing",
            g.traffic_routing,
            "applies to blue/green deployments only (rolling has no traffic routing)",
        )
        problems.check(
            len(variants) == 1,
            "deployment",
            "ROLLING",
            f"rolling deployments support a single production variant, not {len(variants)}",
        )
        check_batch(
            problems,
            "deployment.maximum_batch_size",
            g.maximum_batch_size,
            _ROLLING,
            fleet,
            required="rolling deployments need a maximum_batch_size",
        )
        if g.rollback_maximum_batch_size is not None:
            check_batch(
                problems,
                "deployment.rollback_maximum_batch_size",
                g.rollback_maximum_batch_size,
                _ROLLBACK,
                None,
                required="",
            )
        problems.check(
            g.canary_size is None and g.linear_step_size is None,
            "deployment",
            "canary/linear size",
            "canary_size and linear_step_size apply to blue/green deployments only",
        )
        problems.check(
            g.termination_wait is None,
            "deployment.termination_wait",
            g.termination_wait,
            "applies to blue/green deployments only",
        )
    else:
        routing = g.traffic_routing
        problems.check(
            routing is not None,
            "deployment.traffic_routing",
            routing,
            "is required for blue/green deployments (ALL_AT_ONCE, CANARY or LINEAR)",
        )
        problems.check(
            g.maximum_batch_size is None and g.rollback_maximum_batch_size is None,
            "deployment",
            "maximum_batch_size",
            "batch sizes apply to rolling deployments only",
        )
        for kind, prop, size, share in (
            (TrafficRouting.CANARY, "canary_size", g.canary_size, _CANARY),
            (TrafficRouting.LINEAR, "linear_step_size", g.linear_step_size, _LINEAR),
        ):
            if routing == kind:
                check_batch(problems, f"deployment.{prop}", size, share, fleet, required=f"{kind.value} needs a {prop}")
            else:
                problems.check(
                    size is None, f"deployment.{prop}", _text(size), f"applies to {kind.value} traffic routing only"
                )
        if g.termination_wait is not None:
            check_shape(
                problems,
                "deployment.termination_wait (seconds)",
                in_seconds(g.termination_wait),
                f"{_BLUE_GREEN}.TerminationWaitInSeconds",
            )
    wait = in_seconds(g.wait_interval)
    check_shape(
        problems,
        "deployment.wait_interval (seconds)",
        wait,
        f"{_BLUE_GREEN}.TrafficRoutingConfiguration.WaitIntervalInSeconds",
    )
    if g.maximum_execution_timeout is not None:
        timeout = in_seconds(g.maximum_execution_timeout)
        check_shape(
            problems,
            "deployment.maximum_execution_timeout (seconds)",
            timeout,
            f"{_BLUE_GREEN}.MaximumExecutionTimeoutInSeconds",
        )
        waits = wait + (in_seconds(g.termination_wait) if g.termination_wait else 0)
        problems.check(
            is_unresolved(waits) or timeout > waits,
            "deployment.maximum_execution_timeout (seconds)",
            timeout,
            f"must be longer than the waits it contains ({waits:g} s)",
        )
    count = (default_alarms if g.default_alarms else 0) + len(g.alarms)
    most = resolve(_ROLLBACK_ALARMS)[1]["max"]
    problems.check(
        1 <= count <= most,
        "deployment.alarms",
        count,
        f"auto-rollback takes 1 to {most} alarms ({default_alarms_text} unless default_alarms=False, plus your own)",
    )
    problems.check_range("deployment.max_error_rate", g.max_error_rate, minimum=0.0001, maximum=1)
    problems.check_range("deployment.max_model_latency (ms)", in_milliseconds(g.max_model_latency), minimum=1)


def rollback_alarm(
    scope: Construct,
    construct_id: str,
    *,
    metric: cloudwatch.IMetric,
    threshold: float,
    description: str,
    comparison: cloudwatch.ComparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluation_periods: int = 3,
    datapoints_to_alarm: int = 2,
    rolls_back: str = "deployments",
) -> cloudwatch.Alarm:
    """A default rollback alarm: missing data (no traffic) is not a breach, ``description`` says what
    and ``rolls_back`` what it rolls back. ``add_alarm_actions`` gives it its actions."""
    return cloudwatch.Alarm(
        scope,
        construct_id,
        metric=metric,
        threshold=threshold,
        comparison_operator=comparison,
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=datapoints_to_alarm,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        alarm_description=f"{description} (rolls back {rolls_back})",
    )


def error_rate_alarm(scope: Construct, variant: ProductionVariant, g: DeploymentGuardrails) -> cloudwatch.Alarm:
    """The variant's 5XX error rate (the Average of ``Invocation5XXErrors``) at ``g.max_error_rate`` or above."""
    return rollback_alarm(
        scope,
        f"{variant.variant_name}ErrorRateAlarm",
        metric=variant.metric_invocation_5xx_errors(),
        threshold=g.max_error_rate,
        description=f"{construct_path(scope)} {variant.variant_name}: 5XX error rate >= {g.max_error_rate:.2%}",
    )


def add_alarm_actions(
    alarms: Sequence[cloudwatch.Alarm],
    actions: Sequence[cloudwatch.IAlarmAction],
    *,
    during: str = "endpoint deployments",
) -> None:
    """The default rollback alarms' actions; without any, each is acknowledged (SageMaker reads it
    ``during`` the deployments it rolls back)."""
    for alarm in alarms:
        if actions:
            alarm.add_alarm_action(*actions)
        else:
            acknowledge(
                alarm,
                f"SageMaker reads this alarm during {during} to roll them back; it needs no "
                "action of its own. Pass alarm_actions to also notify people.",
                "HIPAA.Security-CloudWatchAlarmAction",
                "NIST.800.53.R5-CloudWatchAlarmAction",
            )


def deployment_config(
    g: DeploymentGuardrails, alarms: Sequence[cloudwatch.IAlarm]
) -> sagemaker.CfnEndpoint.DeploymentConfigProperty:
    """The endpoint's ``DeploymentConfig``: the update policy of ``g`` and auto-rollback on ``alarms``."""

    def seconds(d: Duration | None) -> int | float | None:
        return whole(in_seconds(d)) if d is not None else None

    rollback = sagemaker.CfnEndpoint.AutoRollbackConfigProperty(
        alarms=[sagemaker.CfnEndpoint.AlarmProperty(alarm_name=a.alarm_name) for a in alarms]
    )
    if g.strategy == DeploymentStrategy.ROLLING:
        batch = g.maximum_batch_size
        assert batch is not None  # check_guardrails requires it for rolling deployments
        return sagemaker.CfnEndpoint.DeploymentConfigProperty(
            rolling_update_policy=sagemaker.CfnEndpoint.RollingUpdatePolicyProperty(
                maximum_batch_size=_capacity(batch),
                wait_interval_in_seconds=whole(in_seconds(g.wait_interval)),
                maximum_execution_timeout_in_seconds=seconds(g.maximum_execution_timeout),
                rollback_maximum_batch_size=_capacity(g.rollback_maximum_batch_size),
            ),
            auto_rollback_configuration=rollback,
        )
    routing = g.traffic_routing
    assert routing is not None  # check_guardrails requires it for blue/green deployments
    return sagemaker.CfnEndpoint.DeploymentConfigProperty(
        blue_green_update_policy=sagemaker.CfnEndpoint.BlueGreenUpdatePolicyProperty(
            traffic_routing_configuration=sagemaker.CfnEndpoint.TrafficRoutingConfigProperty(
                type=routing.value,
                wait_interval_in_seconds=whole(in_seconds(g.wait_interval)),
                canary_size=_capacity(g.canary_size),
                linear_step_size=_capacity(g.linear_step_size),
            ),
            termination_wait_in_seconds=seconds(g.termination_wait),
            maximum_execution_timeout_in_seconds=seconds(g.maximum_execution_timeout),
        ),
        auto_rollback_configuration=rollback,
    )


def _text(size: CapacitySize | None) -> str | None:
    if size is None:
        return None
    unit = "instances" if size.unit == CapacityUnit.INSTANCE_COUNT else "percent"
    return f"CapacitySize.{unit}({size.value})"


@overload
def _capacity(size: CapacitySize) -> sagemaker.CfnEndpoint.CapacitySizeProperty: ...
@overload
def _capacity(size: CapacitySize | None) -> sagemaker.CfnEndpoint.CapacitySizeProperty | None: ...
def _capacity(size: CapacitySize | None) -> sagemaker.CfnEndpoint.CapacitySizeProperty | None:
    if size is None:
        return None
    return sagemaker.CfnEndpoint.CapacitySizeProperty(type=size.unit.value, value=size.value)


def check_batch(
    problems: Problems,
    prop: str,
    size: CapacitySize | None,
    percent: tuple[int, int],
    fleet: int | None,
    *,
    required: str,
) -> None:
    """A batch is ``low%`` (exclusive when 0) to ``high%`` of the fleet, as a percentage or an instance count."""
    if size is None:
        if required:
            problems.add(prop, None, required)
        return
    if not isinstance(given(size), CapacitySize):
        problems.add(prop, size, "must be a CapacitySize (CapacitySize.instances(n) or CapacitySize.percent(p))")
        return
    low, high = percent
    if size.unit == CapacityUnit.CAPACITY_PERCENT:
        problems.check_range(f"{prop} (percent)", size.value, minimum=max(1, low), maximum=high, integer=True)
    elif fleet is not None:
        least, most = ep.capacity_bounds(percent, fleet)
        problems.check(
            least <= size.value <= most,
            f"{prop} (instances)",
            size.value,
            f"must be {low or 'above 0'}{'%' if low else ''} to {high}% of the variant's {fleet} instance(s), "
            + (
                f"i.e. {least} to {most} instance(s)"
                if least <= most
                else "which no whole instance count is: use more instances or a percentage"
            ),
        )
    else:
        problems.check_range(f"{prop} (instances)", size.value, minimum=1, integer=True)
