"""SQS queues of the monitoring loop: KMS-encrypted, TLS-only, retained (they hold undelivered events);
the retry policy and dead-letter queue every EventBridge rule target and schedule has."""

from __future__ import annotations

from typing import Any, cast

import jsii
from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IValidation

from constructs_lib._core import durations
from constructs_lib._core.durations import in_seconds
from constructs_lib._core.nag import acknowledge
from constructs_lib._core.service_role import service_statement
from constructs_lib._core.stack_facts import stack_of
from constructs_lib._core.validation import Problems


def dlq_retention() -> Duration:
    """SQS keeps a message at most 14 days; a dead-letter queue keeps it that long for inspection."""
    return durations.days(14)


def dead_letter_queue(
    scope: Construct, construct_id: str, *, encryption_key: kms.IKey, used_by: str, fifo: bool = False
) -> sqs.Queue:
    """A queue that receives what ``used_by`` (a rule target, a schedule, a Lambda) could not deliver.
    ``fifo``: the dead-letter queue of a FIFO queue (SQS requires it to be FIFO too)."""
    queue = _encrypted_queue(scope, construct_id, encryption_key, **({"fifo": True} if fifo else {}))
    acknowledge(
        queue,
        f"This queue is itself the dead-letter queue of {used_by}: what lands here is kept 14 days for "
        "inspection and redrive; a dead-letter queue of a dead-letter queue would only move the problem.",
        "AwsSolutions-SQS3",
    )
    return queue


def buffer_queue(
    scope: Construct,
    construct_id: str,
    *,
    encryption_key: kms.IKey,
    visibility_timeout: Duration,
    dead_letter: sqs.IQueue,
    max_receive_count: int,
    fifo: bool = False,
) -> sqs.Queue:
    """A work queue whose failed messages move to ``dead_letter`` after ``max_receive_count`` tries.
    ``fifo``: first in, first out with content-based deduplication (a duplicate delivery within five
    minutes is dropped by SQS); ``dead_letter`` must then be FIFO too."""
    fifo_props: dict[str, object] = {"fifo": True, "content_based_deduplication": True} if fifo else {}
    return _encrypted_queue(
        scope,
        construct_id,
        encryption_key,
        visibility_timeout=visibility_timeout,
        dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letter, max_receive_count=max_receive_count),
        **fifo_props,
    )


def _encrypted_queue(scope: Construct, construct_id: str, encryption_key: kms.IKey, **props: Any) -> sqs.Queue:
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=encryption_key,
        data_key_reuse=durations.hours(1),
        enforce_ssl=True,
        retention_period=dlq_retention(),
        removal_policy=RemovalPolicy.RETAIN,
        **props,
    )


def allow_service_to_send(queue: sqs.IQueue, service: str, source_arn: str) -> None:
    """Let ``service`` (e.g. ``events.amazonaws.com``) send to ``queue`` on behalf of ``source_arn`` only."""
    queue.add_to_resource_policy(
        service_statement(
            queue,
            sid=None,
            service=service,
            actions=["sqs:SendMessage"],
            resources=[queue.queue_arn],
            source_arn=source_arn,
        )
    )


#: What a retry policy may say (EventBridge rule targets and EventBridge Scheduler targets alike).
RETRY_ATTEMPTS_RANGE = (0, 185)
MAX_EVENT_AGE_SECONDS_RANGE = (60, 86400)


def check_retry_policy(problems: Problems, retry_attempts: int, max_event_age: Duration) -> None:
    """The retry policy of a rule target or a schedule, as EventBridge accepts it."""
    problems.check_range(
        "retry_attempts", retry_attempts, minimum=RETRY_ATTEMPTS_RANGE[0], maximum=RETRY_ATTEMPTS_RANGE[1], integer=True
    )
    problems.check_range(
        "max_event_age (seconds)",
        in_seconds(max_event_age),
        minimum=MAX_EVENT_AGE_SECONDS_RANGE[0],
        maximum=MAX_EVENT_AGE_SECONDS_RANGE[1],
        integer=True,
    )


def targets_without_dead_letter_or_retry(targets: list[dict[str, Any]]) -> list[str]:
    """The ids of rule or schedule targets (CloudFormation ``Targets`` / ``Target``, in CloudFormation or
    CDK casing) missing a dead-letter queue or a full retry policy (attempts and event age)."""
    missing: list[str] = []
    for index, target in enumerate(targets):
        normalized = {key[:1].upper() + key[1:]: value for key, value in target.items()}
        policy: dict[str, Any] = normalized.get("RetryPolicy") or {}
        retry = {key[:1].upper() + key[1:]: value for key, value in policy.items()}
        if not normalized.get("DeadLetterConfig") or not {"MaximumRetryAttempts", "MaximumEventAgeInSeconds"} <= set(
            retry
        ):
            missing.append(str(normalized.get("Id", index)))
    return missing


def require_dead_letter_and_retry(rule: events.Rule) -> None:
    """Fail synth if a target of ``rule`` has no dead-letter queue or no retry policy (attempts and age):
    an event EventBridge cannot deliver must be retried, then kept."""
    rule.node.add_validation(_DeadLetterAndRetry(rule))


@jsii.implements(IValidation)
class _DeadLetterAndRetry:
    def __init__(self, rule: events.Rule) -> None:
        self._rule = rule

    def validate(self) -> list[str]:
        cfn_rule = cast(events.CfnRule, self._rule.node.default_child)
        targets: list[dict[str, Any]] = stack_of(self._rule).resolve(cfn_rule.targets) or []
        return [
            f"EventBridge rule '{self._rule.node.path}' target {target_id}: has no dead-letter queue or no full "
            "retry policy; build the target with dead_letter_queue=, retry_attempts= and max_event_age= "
            "(e.g. aws_events_targets.LambdaFunction(fn, dead_letter_queue=dlq, retry_attempts=3, "
            "max_event_age=durations.hours(1)))"
            for target_id in targets_without_dead_letter_or_retry(targets)
        ]
