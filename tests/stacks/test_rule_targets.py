"""Every EventBridge rule target and every EventBridge Scheduler schedule the app synthesizes has a
dead-letter queue and a retry policy (attempts and event age): an event that cannot be delivered is
retried, then kept, never dropped. (DeployOnApproval's rule already had both on main: no exemption.)"""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from aws_cdk import Stack, Stage
from aws_cdk import aws_events as events
from aws_cdk import aws_scheduler as scheduler

from constructs_lib._core.queues import targets_without_dead_letter_or_retry


def undelivered_targets(resources: Iterable[tuple[str, dict]]) -> list[str]:
    """``<construct path> target <id>`` of every rule target and schedule without a DLQ and a retry policy."""
    found = []
    for path, resource in resources:
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Events::Rule":
            missing = targets_without_dead_letter_or_retry(properties.get("Targets", []))
        elif resource["Type"] == "AWS::Scheduler::Schedule":
            missing = targets_without_dead_letter_or_retry([{"Id": "Target", **properties["Target"]}])
        else:
            continue
        found += [f"{path} target {target}" for target in missing]
    return found


def rules_and_schedules(synthesized_app) -> list[tuple[str, dict]]:
    """(construct path of the L2, synthesized resource) of every rule and schedule of the app."""
    found = []
    for construct in synthesized_app.app.node.find_all():
        if isinstance(construct, (events.CfnRule, scheduler.CfnSchedule)):
            stack = Stack.of(construct)
            assembly = synthesized_app.assembly.get_nested_assembly(Stage.of(stack).artifact_id)
            template = assembly.get_stack_artifact(stack.artifact_id).template
            path = construct.node.path.rsplit("/", 1)[0] if construct.node.id == "Resource" else construct.node.path
            found.append((path, template["Resources"][stack.resolve(construct.logical_id)]))
    return found


@pytest.fixture(scope="module")
def app_rules(synthesized_app) -> list[tuple[str, dict]]:
    return rules_and_schedules(synthesized_app)


def test_every_rule_target_and_schedule_of_the_app_has_a_dead_letter_queue_and_a_retry_policy(app_rules):
    rules = [path for path, resource in app_rules if resource["Type"] == "AWS::Events::Rule"]
    assert len(rules) >= 6  # the check looked at the app's rules (monitoring runs, drift, new data per environment)
    assert undelivered_targets(app_rules) == []


def test_the_check_fails_on_a_target_without_a_dlq_or_with_half_a_retry_policy():
    resources = [
        (
            "S/Bare",
            {
                "Type": "AWS::Events::Rule",
                "Properties": {"Targets": [{"Id": "T0", "Arn": "arn:aws:sns:eu-west-1:1:t"}]},
            },
        ),
        (
            "S/Half",
            {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "Targets": [
                        {
                            "Id": "T0",
                            "Arn": "arn:aws:sqs:eu-west-1:1:q",
                            "DeadLetterConfig": {"Arn": "arn:aws:sqs:eu-west-1:1:d"},
                            "RetryPolicy": {"MaximumRetryAttempts": 3},
                        }
                    ]
                },
            },
        ),
        (
            "S/Schedule",
            {
                "Type": "AWS::Scheduler::Schedule",
                "Properties": {"Target": {"Arn": "arn:aws:lambda:eu-west-1:1:function:f", "RoleArn": "r"}},
            },
        ),
        (
            "S/Good",
            {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "Targets": [
                        {
                            "Id": "T0",
                            "Arn": "a",
                            "DeadLetterConfig": {"Arn": "d"},
                            "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600},
                        }
                    ]
                },
            },
        ),
    ]
    assert undelivered_targets(resources) == ["S/Bare target T0", "S/Half target T0", "S/Schedule target Target"]
