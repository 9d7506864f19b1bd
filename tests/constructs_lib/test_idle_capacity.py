"""Idle capacity and working hours: an alarm when capacity served nothing for a while, an opt-in
scale-in to its minimum (alarm -> step policy -> target), dev schedules in a time zone, and the
idle-cost summary before and after schedules. Works on any scalable target: components, async
endpoints, real-time variants."""

from __future__ import annotations

import pytest
from aws_cdk import Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk.assertions import Annotations, Match, Template

from constructs_lib import (
    AsyncEndpoint,
    ComputeReservation,
    ConstructValidationError,
    IdleCapacity,
    InferenceComponentEndpoint,
    InstanceVariant,
    RealtimeEndpoint,
    ScheduledScaling,
    WorkingHours,
    idle_cost_summary,
)
from tests.conftest import cfn_lint_errors, compliance_app, nag_findings, new_stack
from tests.constructs_lib.inference_fixtures import artifacts, cheap_model, network, vpc_model

DUBLIN = WorkingHours(time_zone="Europe/Dublin", start_hour=8, end_hour=19)


@pytest.fixture(scope="module")
def built():
    app = compliance_app()
    stack = new_stack(app, "Dev")
    bucket = artifacts(stack)
    net = network(stack)
    model = vpc_model(stack, bucket=bucket, net=net)
    endpoint = InferenceComponentEndpoint(
        stack, "Components", instance_type="ml.m5.large", min_instance_count=0, max_instance_count=2
    )
    component = endpoint.add_component("Churn", model=model, reservation=ComputeReservation(memory_mb=2048))
    component.auto_scale_copy_count(min_copies=0, max_copies=2, working_hours=DUBLIN)
    idle = IdleCapacity.for_component(stack, "ChurnIdle", component, idle_for=Duration.hours(1), scale_to_minimum=True)

    warm = endpoint.add_component("Warm", model=model, reservation=ComputeReservation(memory_mb=2048))
    warm.auto_scale_copy_count(min_copies=1, max_copies=2, working_hours=DUBLIN)
    report = IdleCapacity.for_component(stack, "WarmIdle", warm)

    async_endpoint = AsyncEndpoint(
        stack, "Async", variant=InstanceVariant(model=model, initial_instance_count=1), bucket=bucket
    )
    assert async_endpoint.scalable_target is not None
    DUBLIN.apply(async_endpoint.scalable_target, min_capacity=0, max_capacity=2)
    async_idle = IdleCapacity.for_async_endpoint(stack, "AsyncIdle", async_endpoint, scale_to_minimum=True)
    findings = nag_findings(app)
    return {
        "template": Template.from_stack(stack),
        "findings": findings,
        "stack": stack,
        "idle": idle,
        "report": report,
        "async_idle": async_idle,
        "component": component,
        "endpoint": endpoint,
    }


@pytest.fixture(scope="module")
def template(built) -> Template:
    return built["template"]


def _one(template, kind, prefix):
    found = {k: v for k, v in template.find_resources(kind).items() if k.startswith(prefix)}
    assert len(found) == 1, (kind, prefix, list(found))
    return next(iter(found.items()))


def test_the_idle_alarm_counts_missing_invocations_as_zero(template, built):
    alarm = _one(template, "AWS::CloudWatch::Alarm", "ChurnIdleAlarm")[1]["Properties"]
    assert (alarm["ComparisonOperator"], alarm["Threshold"], alarm["EvaluationPeriods"]) == ("LessThanThreshold", 1, 12)
    assert alarm["TreatMissingData"] == "breaching"
    (expression, invocations) = sorted(alarm["Metrics"], key=lambda m: "Expression" not in m)
    assert expression["Expression"] == "FILL(invocations, 0)"
    stat = invocations["MetricStat"]
    assert stat["Metric"]["MetricName"] == "Invocations" and stat["Period"] == 300
    assert stat["Metric"]["Dimensions"] == [
        {"Name": "InferenceComponentName", "Value": built["component"].physical_name}
    ]


def test_the_metric_has_the_alarms_period_so_cdk_overrides_nothing(template, built):
    # CDK warns (MetricsPeriodsOverridden) when the metrics of an expression have another period.
    Annotations.from_stack(built["stack"]).has_no_warning("*", Match.string_like_regexp("overridden"))


def test_scale_to_minimum_is_wired_alarm_to_policy_to_target(template, built):
    alarm = _one(template, "AWS::CloudWatch::Alarm", "ChurnIdleAlarm")[1]["Properties"]
    policy_id, policy = _one(template, "AWS::ApplicationAutoScaling::ScalingPolicy", "ChurnIdleScaleToMinimum")
    assert alarm["AlarmActions"] == [{"Ref": policy_id}]
    step = policy["Properties"]["StepScalingPolicyConfiguration"]
    assert step["AdjustmentType"] == "ExactCapacity"
    # Idle is 0 invocations (filled), below the threshold 1: the step below the threshold sets 0 copies.
    assert step["StepAdjustments"] == [{"MetricIntervalUpperBound": 0, "ScalingAdjustment": 0}]
    target_id, target = _one(template, "AWS::ApplicationAutoScaling::ScalableTarget", "ComponentsChurnScaling")
    assert policy["Properties"]["ScalingTargetId"] == {"Ref": target_id}
    assert target["Properties"]["ResourceId"] == f"inference-component/{built['component'].physical_name}"


def test_without_scale_to_minimum_it_only_reports(template):
    assert not [k for k in template.find_resources("AWS::ApplicationAutoScaling::ScalingPolicy") if "WarmIdle" in k]
    alarm = _one(template, "AWS::CloudWatch::Alarm", "WarmIdleAlarm")[1]["Properties"]
    assert "AlarmActions" not in alarm


def test_works_for_an_async_endpoints_backlog_target(template):
    alarm = _one(template, "AWS::CloudWatch::Alarm", "AsyncIdleAlarm")[1]["Properties"]
    policy_id, _ = _one(template, "AWS::ApplicationAutoScaling::ScalingPolicy", "AsyncIdleScaleToMinimum")
    assert alarm["AlarmActions"] == [{"Ref": policy_id}]
    dims = {d["Name"] for m in alarm["Metrics"] if "MetricStat" in m for d in m["MetricStat"]["Metric"]["Dimensions"]}
    assert dims == {"EndpointName", "VariantName"}


def test_working_hours_scale_to_zero_at_night_and_back_in_the_morning(template):
    target = _one(template, "AWS::ApplicationAutoScaling::ScalableTarget", "ComponentsChurnScaling")[1]
    actions = {a["ScheduledActionName"]: a for a in target["Properties"]["ScheduledActions"]}
    evening = next(a for n, a in actions.items() if "Evening" in n)
    morning = next(a for n, a in actions.items() if "Morning" in n)
    assert evening["Schedule"] == "cron(0 19 * * ? *)" and evening["Timezone"] == "Europe/Dublin"
    assert evening["ScalableTargetAction"] == {"MinCapacity": 0, "MaxCapacity": 0}
    assert morning["Schedule"] == "cron(0 8 ? * MON,TUE,WED,THU,FRI *)" and morning["Timezone"] == "Europe/Dublin"
    assert morning["ScalableTargetAction"] == {"MinCapacity": 0, "MaxCapacity": 2}


def test_the_async_endpoint_runs_on_the_same_schedule(template):
    target = _one(template, "AWS::ApplicationAutoScaling::ScalableTarget", "AsyncAllTrafficScaling")[1]
    assert {a["Schedule"] for a in target["Properties"]["ScheduledActions"]} == {
        "cron(0 19 * * ? *)",
        "cron(0 8 ? * MON,TUE,WED,THU,FRI *)",
    }


def test_passes_cfn_lint(template):
    assert cfn_lint_errors(template) == []


def test_is_compliant_under_the_nag_packs(built):
    assert built["findings"] == []


def test_idle_cost_counts_scheduled_hours_and_nothing_for_scale_to_zero(built):
    summary = idle_cost_summary(built["endpoint"])
    (line,) = summary.lines
    # Churn scales to zero; Warm keeps one copy (one ml.m5.large) but only 55 h a week.
    assert (line.quantity, line.hours_per_week) == (1, 55)
    assert summary.unscheduled_hourly_usd == pytest.approx(0.115)
    assert summary.total_hourly_usd == pytest.approx(round(0.115 * 55 / 168, 4))
    text = summary.format()
    assert "total before schedules" in text and "(55 h/week)" in text


def test_a_realtime_variant_on_working_hours_is_counted_for_those_hours():
    stack = new_stack()
    endpoint = RealtimeEndpoint(stack, "R", variants=[InstanceVariant(model=cheap_model(stack))])
    target = endpoint.variant().auto_scale_instance_count(min_capacity=2, max_capacity=4)
    WorkingHours(time_zone="America/New_York", night_capacity=1).apply(target, min_capacity=2, max_capacity=4)
    (line,) = idle_cost_summary(endpoint).lines
    assert line.hours_per_week == 168  # night capacity 1: it never stops, the summary stays an upper bound


# --- bad input -----------------------------------------------------------------------------------


def _target(stack) -> appscaling.ScalableTarget:
    endpoint = InferenceComponentEndpoint(stack, "E", instance_type="ml.m5.large", max_instance_count=1)
    component = endpoint.add_component("C", model=cheap_model(stack), reservation=ComputeReservation(memory_mb=512))
    return component.auto_scale_copy_count(
        min_copies=0,
        max_copies=2,
        schedules=[ScheduledScaling("Lunch", appscaling.Schedule.cron(minute="0", hour="19"), max_capacity=1)],
    )


@pytest.fixture(scope="module")
def shared_target() -> appscaling.ScalableTarget:
    """``_target``'s copy-count target (0 to 2 copies, a scheduled action ``Lunch`` at 19:00), in a
    stack of its own that is never synthesized, for the schedules and idle windows that must be
    rejected. Safe to share: ``WorkingHours.apply`` checks its input, then reads the target's
    scheduled actions, and refuses before it adds any; ``IdleCapacity`` (in a fresh stack ``Test``)
    reads the target's range and refuses before it builds anything: the target stays as it was."""
    return _target(new_stack(construct_id="Shared"))


@pytest.mark.parametrize(
    "hours, message",
    [
        (
            WorkingHours(time_zone="Europe/Dublinn"),
            "working_hours.time_zone='Europe/Dublinn': must be an IANA time zone",
        ),
        (WorkingHours(time_zone="CET+1"), "working_hours.time_zone='CET+1'"),
        (
            WorkingHours(time_zone="UTC", start_hour=19, end_hour=8),
            "working_hours.end_hour=8: must be after start_hour",
        ),
        (WorkingHours(time_zone="UTC", start_hour=24), "working_hours.start_hour=24"),
        (WorkingHours(time_zone="UTC", days=("MON", "MONDAY")), "working_hours.days=['MON', 'MONDAY']"),
        (WorkingHours(time_zone="UTC", days=("MON", "MON")), "working_hours.days=['MON']: names must be unique"),
        (WorkingHours(time_zone="UTC", night_capacity=3), "working_hours.night_capacity=3: must not be above"),
    ],
)
def test_bad_working_hours_fail(hours, message, shared_target):
    with pytest.raises(ConstructValidationError) as error:
        hours.apply(shared_target, min_capacity=0, max_capacity=2, id_prefix="Night")
    assert message in str(error.value)


def test_an_action_at_the_same_time_as_another_fails(shared_target):
    with pytest.raises(ConstructValidationError, match=r"overlaps the target's scheduled action 'Lunch'"):
        WorkingHours(time_zone="UTC").apply(shared_target, min_capacity=0, max_capacity=2)


def test_working_hours_twice_on_one_target_fail():
    stack = new_stack()
    target = _target(stack)
    DUBLIN.apply(target, min_capacity=0, max_capacity=2, id_prefix="First")
    with pytest.raises(ConstructValidationError, match="overlaps"):
        DUBLIN.apply(target, min_capacity=0, max_capacity=2, id_prefix="Second")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"idle_for": Duration.minutes(2), "period": Duration.minutes(5)},
            "idle_for (seconds)=120: must be at least the metric period",
        ),
        ({"idle_for": Duration.minutes(7), "period": Duration.minutes(5)}, "must be a whole number of periods"),
        ({"period": Duration.seconds(30)}, "period (seconds)=30: must be a multiple of 60"),
        (
            {"idle_for": Duration.days(2), "period": Duration.hours(1)},
            "idle_for (seconds)=172800: must be at most one day",
        ),
        (
            {"scale_to_minimum": True, "scalable_target": None},
            "scalable_target=None: is required with scale_to_minimum",
        ),
        ({"minimum": 5}, "minimum=5: must be an integer from 0 to 2"),
    ],
)
def test_bad_idle_windows_fail(kwargs, message, shared_target):
    stack = new_stack()
    args = {"scalable_target": shared_target, **kwargs}
    from aws_cdk import aws_cloudwatch as cloudwatch

    metric = cloudwatch.Metric(namespace="AWS/SageMaker", metric_name="Invocations")
    with pytest.raises(ConstructValidationError) as error:
        IdleCapacity(stack, "Idle", invocations=metric, **args)
    assert "IdleCapacity 'Test/Idle' has invalid input" in str(error.value)
    assert message in str(error.value)


def test_fixed_copies_or_a_managed_minimum_keep_the_instances_around_the_clock():
    stack = new_stack()
    model = cheap_model(stack)
    for minimum, fixed, hours in ((0, False, 55), (0, True, 168), (1, False, 168)):
        endpoint = InferenceComponentEndpoint(
            stack, f"E{minimum}{fixed}", instance_type="ml.m5.large", min_instance_count=minimum, max_instance_count=2
        )
        scheduled = endpoint.add_component("A", model=model, reservation=ComputeReservation(memory_mb=1024))
        scheduled.auto_scale_copy_count(min_copies=1, max_copies=2, working_hours=DUBLIN)
        if fixed:
            endpoint.add_component("B", model=model, reservation=ComputeReservation(memory_mb=1024))
        (item,) = endpoint.always_on_capacity()
        assert item.hours_per_week == hours, (minimum, fixed)


def test_for_variant_watches_a_realtime_variant_and_scales_it_to_its_minimum():
    stack = new_stack()
    endpoint = RealtimeEndpoint(stack, "R", variants=[InstanceVariant(model=cheap_model(stack))])
    endpoint.variant().auto_scale_instance_count(min_capacity=2, max_capacity=4)
    idle = IdleCapacity.for_variant(stack, "Idle", endpoint.variant(), scale_to_minimum=True)
    template = Template.from_stack(stack)
    policy = _one(template, "AWS::ApplicationAutoScaling::ScalingPolicy", "IdleScaleToMinimum")[1]["Properties"]
    assert policy["StepScalingPolicyConfiguration"]["StepAdjustments"][0]["ScalingAdjustment"] == 2
    assert idle.alarm.alarm_arn
