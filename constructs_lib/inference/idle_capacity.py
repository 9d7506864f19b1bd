"""``IdleCapacity``: an alarm when capacity served no request for a while, and (opt-in) a scale-in to
its minimum, for any endpoint variant, inference component or asynchronous endpoint.

The alarm follows the invocations metric with missing data filled as 0 (SageMaker writes no data
point while nothing is invoked), so "idle" is a real value (0, below the threshold of 1) and the
step policy it triggers always finds its step (the one below the threshold). Scaling in sets the
scalable target's capacity to ``minimum`` (default, the target's own minimum: 0 copies for a
component that scales to zero); target tracking and the scale-out-from-zero alarm bring capacity
back when traffic returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict, Unpack, cast

from aws_cdk import Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from constructs import Construct

from constructs_lib._core import durations
from constructs_lib._core.durations import in_seconds
from constructs_lib._core.jsii_types import as_alarm_action
from constructs_lib._core.nag import acknowledge
from constructs_lib._core.stack_facts import construct_path, stack_of
from constructs_lib._core.validation import Problems, is_unresolved
from constructs_lib.inference.async_endpoint import AsyncEndpoint
from constructs_lib.inference.endpoint import ProductionVariant
from constructs_lib.inference.inference_component import InferenceComponent

#: The public names (the others serve the library's own modules).
__all__ = ["IdleCapacity", "IdleOptions"]

#: CloudWatch evaluates an alarm over at most one day (EvaluationPeriods x Period <= 86400 s).
_MAX_EVALUATION_SECONDS = 86_400


class IdleCapacity(Construct):
    """Alarms when ``invocations`` summed to zero for ``idle_for`` and, with ``scale_to_minimum``,
    scales ``scalable_target`` to ``minimum`` then. Build it with ``for_component``,
    ``for_variant`` or ``for_async_endpoint``, or give the metric and target yourself."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        invocations: cloudwatch.IMetric,
        scalable_target: appscaling.ScalableTarget | None = None,
        idle_for: Duration | None = None,
        period: Duration | None = None,
        scale_to_minimum: bool = False,
        minimum: int | None = None,
        alarm_actions: Sequence[cloudwatch.IAlarmAction] = (),
    ) -> None:
        """
        :param invocations: the requests metric (any statistic: its Sum is alarmed on).
        :param scalable_target: the capacity to scale in; required with ``scale_to_minimum``.
        :param idle_for: default 1 hour; how long without a request counts as idle (a whole number
            of periods, at most one day).
        :param period: default 5 minutes; the alarm's period (a multiple of one minute: SageMaker's
            invocation metrics have standard resolution).
        :param scale_to_minimum: default False (alarm only); True: set the target to ``minimum``
            when idle (opt in per environment).
        :param minimum: default, the target's minimum capacity.
        :param alarm_actions: default none; also notify these (e.g. an SNS topic).
        """
        super().__init__(scope, construct_id)
        idle_for = idle_for or durations.hours(1)
        period = period or durations.minutes(5)
        target_min, target_max = _target_range(scalable_target)
        minimum = target_min if minimum is None else minimum
        problems = Problems(self, "IdleCapacity")
        idle_s, period_s = in_seconds(idle_for), in_seconds(period)
        ok = problems.check(
            is_unresolved(period_s) or (period_s >= 60 and period_s % 60 == 0),
            "period (seconds)",
            period_s,
            "must be a multiple of 60 (SageMaker's invocation metrics have one-minute resolution)",
        )
        if ok and not is_unresolved(idle_s) and not is_unresolved(period_s):
            problems.check(
                idle_s >= period_s,
                "idle_for (seconds)",
                idle_s,
                f"must be at least the metric period ({period_s:g} s): an idle window shorter than one "
                "period cannot be observed",
            )
            problems.check(
                idle_s % period_s == 0,
                "idle_for (seconds)",
                idle_s,
                f"must be a whole number of periods ({period_s:g} s)",
            )
            problems.check(
                idle_s <= _MAX_EVALUATION_SECONDS,
                "idle_for (seconds)",
                idle_s,
                f"must be at most one day ({_MAX_EVALUATION_SECONDS} s): CloudWatch's longest evaluation range",
            )
        if scale_to_minimum:
            problems.check(
                scalable_target is not None,
                "scalable_target",
                None,
                "is required with scale_to_minimum (autoscale the capacity first: auto_scale_*)",
            )
        if minimum is not None and target_max is not None:
            problems.check_range("minimum", minimum, minimum=0, maximum=target_max, integer=True)
        problems.raise_if_any()

        self.idle_for, self.period = idle_for, period
        if isinstance(invocations, cloudwatch.Metric):
            # The expression's period applies to the metrics it uses in any case; given to the metric
            # itself, the two agree and CDK has nothing to warn about (MetricsPeriodsOverridden).
            invocations = invocations.with_(period=period)
        #: The alarm: in ALARM while the capacity is idle.
        self.alarm = cloudwatch.Alarm(
            self,
            "Alarm",
            metric=cloudwatch.MathExpression(
                expression="FILL(invocations, 0)",
                using_metrics={"invocations": invocations},
                period=period,
                label="Invocations (missing as 0)",
            ),
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=int(idle_s // period_s),
            treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
            alarm_description=f"{construct_path(scope)}: no invocations for {idle_for.to_human_string()}"
            + (f" (scales to {minimum})" if scale_to_minimum else ""),
        )
        if alarm_actions:
            self.alarm.add_alarm_action(*alarm_actions)
        #: The step policy that sets the capacity to ``minimum``; None without ``scale_to_minimum``.
        self.scale_in: appscaling.StepScalingAction | None = None
        if scale_to_minimum and scalable_target is not None and minimum is not None:
            self.scale_in = appscaling.StepScalingAction(
                self,
                "ScaleToMinimum",
                scaling_target=scalable_target,
                adjustment_type=appscaling.AdjustmentType.EXACT_CAPACITY,
            )
            # Idle is a value (FILL gives 0), 1 below the threshold: the step below the threshold sets the minimum.
            self.scale_in.add_adjustment(adjustment=minimum, upper_bound=0)
            self.alarm.add_alarm_action(as_alarm_action(cloudwatch_actions.ApplicationScalingAction(self.scale_in)))
        elif not alarm_actions:
            acknowledge(
                self.alarm,
                "An idle-capacity report: the alarm's state (dashboards, the console) is its purpose; "
                "pass alarm_actions to notify people or scale_to_minimum to act on it.",
                "HIPAA.Security-CloudWatchAlarmAction",
                "NIST.800.53.R5-CloudWatchAlarmAction",
            )

    # --- builders ----------------------------------------------------------------------------------

    @staticmethod
    def for_component(
        scope: Construct, construct_id: str, component: InferenceComponent, **options: Unpack[IdleOptions]
    ) -> IdleCapacity:
        """For an ``InferenceComponent``: its invocations and (once autoscaled) its copy count."""
        return IdleCapacity(
            scope,
            construct_id,
            invocations=component.metric_invocations(),
            scalable_target=component.scalable_target,
            **options,
        )

    @staticmethod
    def for_variant(
        scope: Construct, construct_id: str, variant: ProductionVariant, **options: Unpack[IdleOptions]
    ) -> IdleCapacity:
        """For an endpoint's variant: its invocations and, when it autoscales, its scalable target."""
        target = cast(appscaling.ScalableTarget | None, getattr(variant, "scalable_target", None))
        return IdleCapacity(
            scope, construct_id, invocations=variant.metric_invocations(), scalable_target=target, **options
        )

    @staticmethod
    def for_async_endpoint(
        scope: Construct, construct_id: str, endpoint: AsyncEndpoint, **options: Unpack[IdleOptions]
    ) -> IdleCapacity:
        """For an ``AsyncEndpoint``: its variant's invocations and its backlog scaling target."""
        return IdleCapacity(
            scope,
            construct_id,
            invocations=endpoint.variant().metric_invocations(),
            scalable_target=endpoint.scalable_target,
            **options,
        )


class IdleOptions(TypedDict, total=False):
    """The keyword arguments ``IdleCapacity``'s builders pass on (see its parameters)."""

    idle_for: Duration | None
    period: Duration | None
    scale_to_minimum: bool
    minimum: int | None
    alarm_actions: Sequence[cloudwatch.IAlarmAction]


def _target_range(target: appscaling.ScalableTarget | None) -> tuple[int | None, int | None]:
    if target is None:
        return None, None
    cfn = cast(appscaling.CfnScalableTarget, target.node.default_child)
    stack = stack_of(target)
    low, high = stack.resolve(cfn.min_capacity), stack.resolve(cfn.max_capacity)
    return (low if isinstance(low, int) else None), (high if isinstance(high, int) else None)
