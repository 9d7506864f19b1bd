"""SQS queues of the monitoring loop: KMS-encrypted, TLS-only, retained (they hold undelivered events)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from constructs_lib._internal.nag import acknowledge
from constructs_lib._internal.service_role import service_statement

#: SQS keeps a message at most 14 days; a dead-letter queue keeps it that long for inspection.
DLQ_RETENTION = Duration.days(14)


def dead_letter_queue(scope: Construct, construct_id: str, *, encryption_key: kms.IKey, used_by: str) -> sqs.Queue:
    """A queue that receives what ``used_by`` (a rule target, a schedule, a Lambda) could not deliver."""
    queue = _encrypted_queue(scope, construct_id, encryption_key)
    acknowledge(
        queue,
        f"This queue is itself the dead-letter queue of {used_by}: what lands here is kept 14 days for "
        "inspection and redrive; a dead-letter queue of a dead-letter queue would only move the problem.",
        "AwsSolutions-SQS3",
    )
    return queue


def buffer_queue(scope: Construct, construct_id: str, *, encryption_key: kms.IKey, visibility_timeout: Duration,
                 dead_letter: sqs.IQueue, max_receive_count: int) -> sqs.Queue:
    """A work queue whose failed messages move to ``dead_letter`` after ``max_receive_count`` tries."""
    return _encrypted_queue(
        scope, construct_id, encryption_key, visibility_timeout=visibility_timeout,
        dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letter, max_receive_count=max_receive_count),
    )


def _encrypted_queue(scope: Construct, construct_id: str, encryption_key: kms.IKey, **props: object) -> sqs.Queue:
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=encryption_key,
        data_key_reuse=Duration.hours(1),
        enforce_ssl=True,
        retention_period=DLQ_RETENTION,
        removal_policy=RemovalPolicy.RETAIN,
        **props,  # type: ignore[arg-type]
    )


def allow_service_to_send(queue: sqs.IQueue, service: str, source_arn: str) -> None:
    """Let ``service`` (e.g. ``events.amazonaws.com``) send to ``queue`` on behalf of ``source_arn`` only."""
    queue.add_to_resource_policy(
        service_statement(queue, sid=None, service=service, actions=["sqs:SendMessage"], resources=[queue.queue_arn],
                          source_arn=source_arn)
    )
