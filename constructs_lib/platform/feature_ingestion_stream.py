"""``FeatureIngestionStream``: a Kinesis data stream whose records a Lambda consumer writes to a feature group."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from constructs_lib._core import durations
from constructs_lib._core.durations import in_hours, in_milliseconds, in_seconds
from constructs_lib._core.grants import grant_key_use
from constructs_lib._core.jsii_types import as_interface
from constructs_lib._core.nag import acknowledge
from constructs_lib._core.queues import dead_letter_queue as new_dead_letter_queue
from constructs_lib._core.service_model import check_shape
from constructs_lib._core.stack_facts import construct_path
from constructs_lib._core.validation import Problems, is_unresolved
from constructs_lib._core.vpc_function import VpcFunction
from constructs_lib.foundation._keys import key_or_new
from constructs_lib.foundation.network import FEATURE_STORE_RUNTIME_ENDPOINT, INetwork
from constructs_lib.platform.feature_group import FeatureDefinition, FeatureGroup, IFeatureGroup

_HANDLER_DIR = Path(__file__).parent / "feature_ingestion_stream_handler"
#: CloudFormation's ``AWS::Kinesis::Stream`` ShardCount maximum (botocore gives the minimum, 1).
_MAX_SHARDS = 100_000
#: Kinesis Data Streams keeps records 24 hours to 365 days (``IncreaseStreamRetentionPeriod``).
_RETENTION_HOURS = (24, 8760)
#: The shards an on-demand stream starts with (4 MB/s of writes): the consumer's concurrency basis.
_ON_DEMAND_SHARDS = 4
# Lambda's event source mapping limits for Kinesis (AWS::Lambda::EventSourceMapping).
_BATCH_SIZE = (1, 10_000)
_BATCHING_WINDOW_SECONDS = (0, 300)
_PARALLELIZATION = (1, 10)
_RETRY_ATTEMPTS = (0, 10_000)  # -1 (retry until the record expires) is refused: never retried forever
_RECORD_AGE_SECONDS = (60, 604_800)


def _alarm_period() -> Duration:
    """The period of the consumer's alarms."""
    return durations.minutes(5)


@jsii.implements(lambda_.IEventSourceDlq)
class _QueueDestination:
    """The event source mapping's on-failure destination: the queue, with no grant of its own (CDK's
    ``SqsDlq`` would add ``kms:ReEncrypt*`` and ``kms:GenerateDataKey*``; the role has the exact actions)."""

    def __init__(self, queue: sqs.IQueue) -> None:
        self._queue = queue

    def bind(
        self, target: lambda_.IEventSourceMapping, target_handler: lambda_.IFunction
    ) -> lambda_.DlqDestinationConfig:
        return lambda_.DlqDestinationConfig(destination=self._queue.queue_arn)


class FeatureIngestionStream(Construct):
    """Defines a streaming path into a feature group: a KMS-encrypted Kinesis data stream and a Lambda
    consumer (in the network) that writes each record to the feature group with ``PutRecord``.

    Producers put one JSON object per Kinesis record (feature name to value, ``grant_write``). The
    consumer checks each against the feature group's definitions; a record that can never be
    written (bad JSON, an unknown feature, a missing identifier or event time, a wrong type, one
    Feature Store refuses) goes to the dead-letter queue with the reason, and is not retried. Other
    failures are reported as partial batch failures (``ReportBatchItemFailures``): Lambda retries
    from the failed record, bisecting the batch, at most ``retry_attempts`` times, then sends the
    batch's shard and sequence range to the same dead-letter queue (its on-failure destination).

    ``PutRecord`` is an upsert by record identifier and event time: a duplicate (a retry, a
    redelivery) leaves the online store as it is and adds one more identical row to the offline
    store's history. Alarms: the consumer's iterator age (records waiting), its errors, and messages
    in the dead-letter queue. The consumer's role may put records on this feature group only (no
    reads, no deletes), read and decrypt the stream and send to its dead-letter queue.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        feature_group: IFeatureGroup,
        network: INetwork,
        features: Sequence[FeatureDefinition] | None = None,
        record_identifier: str | None = None,
        event_time: str | None = None,
        encryption_key: kms.IKey | None = None,
        stream_mode: kinesis.StreamMode = kinesis.StreamMode.PROVISIONED,
        shard_count: int | None = 1,
        retention: Duration | None = None,
        batch_size: int = 100,
        max_batching_window: Duration | None = None,
        parallelization_factor: int = 1,
        retry_attempts: int = 5,
        max_record_age: Duration | None = None,
        max_iterator_age: Duration | None = None,
        alarm_actions: Sequence[cloudwatch.IAlarmAction] = (),
        stream_name: str | None = None,
        log_retention_days: int = 365,
        log_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param feature_group: where the records go; the consumer may ``PutRecord`` on it only.
        :param network: the consumer's VPC and security groups; it reaches Feature Store's runtime
            and SQS: without an internet route the network needs the ``sagemaker.featurestore-runtime``
            and ``sqs`` interface endpoints (a missing one fails at synth).
        :param features: default, ``feature_group``'s definitions (required for an imported group);
            what each record is checked against.
        :param record_identifier: default, ``feature_group``'s (required for an imported group).
        :param event_time: default, ``feature_group``'s (required for an imported group).
        :param encryption_key: default, a new ``EncryptionKey``; encrypts the stream, the dead-letter
            queue and the function's environment (pass the platform key).
        :param stream_mode: default PROVISIONED (``shard_count`` shards); ON_DEMAND scales itself
            (``shard_count=None`` then).
        :param shard_count: default 1; provisioned shards (1 MB/s or 1,000 records/s of writes each),
            1 to 100,000 (botocore ``CreateStream`` ShardCount and CloudFormation's maximum).
        :param retention: default 24 hours; how long records stay readable (whole hours, 24 to 8760).
        :param batch_size: default 100; records per invocation (1 to 10,000).
        :param max_batching_window: default 1 second; how long Lambda gathers a batch (0 to 300 s).
        :param parallelization_factor: default 1; concurrent batches per shard (1 to 10).
        :param retry_attempts: default 5; retries of a failing batch before its range goes to the
            dead-letter queue (0 to 10,000; never unlimited).
        :param max_record_age: default 1 day; records older than this are not retried (60 s to 7 days).
        :param max_iterator_age: default 5 minutes; the iterator-age alarm's threshold (the age of
            the oldest record not yet processed).
        :param alarm_actions: default none; actions of the alarms (e.g. an SNS topic action).
        :param stream_name: default, generated by CloudFormation.
        :param log_retention_days: default 365; the consumer's log group.
        :param log_key: default ``encryption_key``; the consumer's log group key (a logs key).
        :param removal_policy: default RETAIN; what happens to the stream (and the records in it).
        """
        super().__init__(scope, construct_id)
        retention = retention or durations.hours(24)
        max_batching_window = max_batching_window or durations.seconds(1)
        max_record_age = max_record_age or durations.days(1)
        max_iterator_age = max_iterator_age or durations.minutes(5)
        if isinstance(feature_group, FeatureGroup):
            features = features if features is not None else feature_group.features
            record_identifier = record_identifier or feature_group.record_identifier
            event_time = event_time or feature_group.event_time
        self._validate(
            features,
            record_identifier,
            event_time,
            stream_mode,
            shard_count,
            retention,
            batch_size,
            max_batching_window,
            parallelization_factor,
            retry_attempts,
            max_record_age,
            max_iterator_age,
            stream_name,
        )
        assert features is not None and record_identifier is not None and event_time is not None  # checked
        network.require_endpoints(
            self,
            (FEATURE_STORE_RUNTIME_ENDPOINT, "sqs"),
            purpose="the consumer writes records to Feature Store and sends invalid ones to its dead-letter queue",
        )
        self.feature_group = feature_group
        self.encryption_key: kms.IKey = key_or_new(
            self, encryption_key, f"{construct_path(self)} feature ingestion stream"
        )

        self.stream = kinesis.Stream(
            self,
            "Resource",
            stream_name=stream_name,
            stream_mode=stream_mode,
            shard_count=shard_count if stream_mode == kinesis.StreamMode.PROVISIONED else None,
            retention_period=retention,
            encryption=kinesis.StreamEncryption.KMS,
            encryption_key=self.encryption_key,
            removal_policy=removal_policy,
        )
        acknowledge(
            self.stream,
            "The stream holds feature values: it is encrypted with the platform's customer-managed key (rotated, "
            "used only by the roles granted here: the producers and the consumer), as the HIPAA and NIST packs "
            "ask, rather than the aws/kinesis key; its per-request cost is accepted.",
            "AwsSolutions-KDS3",
        )
        self.dead_letter_queue: sqs.IQueue = new_dead_letter_queue(
            self,
            "DeadLetterQueue",
            encryption_key=self.encryption_key,
            used_by=f"the feature ingestion consumer of {construct_path(self)} (invalid records, exhausted batches)",
        )
        shards = shard_count if stream_mode == kinesis.StreamMode.PROVISIONED and shard_count else _ON_DEMAND_SHARDS
        self.consumer = VpcFunction(
            self,
            "Consumer",
            code_directory=_HANDLER_DIR,
            description=(
                f"Writes the records of {construct_path(self)} to feature group {feature_group.feature_group_name}"
            ),
            network=network,
            encryption_key=self.encryption_key,
            dead_letter_queue=self.dead_letter_queue,
            environment={
                "FEATURE_GROUP_NAME": feature_group.feature_group_name,
                "FEATURES": json.dumps({f.name: f.type.value for f in features}, sort_keys=True),
                "RECORD_IDENTIFIER": record_identifier,
                "EVENT_TIME": event_time,
                "DEAD_LETTER_QUEUE_URL": self.dead_letter_queue.queue_url,
            },
            # One batch per shard at a time, times the parallelization factor.
            reserved_concurrent_executions=shards * parallelization_factor
            if not is_unresolved(shards)
            else parallelization_factor,
            log_retention_days=log_retention_days,
            log_key=log_key,
        )
        self.role = self.consumer.role
        feature_group.grant_put_records(self.role)
        # The handler sends invalid records, and Lambda the ranges of exhausted batches, with this role
        # (the queue's key: VpcFunction grants encrypting with its dead-letter queue's key).
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="SendToDeadLetterQueue", actions=["sqs:SendMessage"], resources=[self.dead_letter_queue.queue_arn]
            )
        )
        self.consumer.function.add_event_source(
            event_sources.KinesisEventSource(
                self.stream,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=batch_size,
                max_batching_window=max_batching_window,
                parallelization_factor=parallelization_factor,
                bisect_batch_on_error=True,
                report_batch_item_failures=True,
                retry_attempts=retry_attempts,
                max_record_age=max_record_age,
                on_failure=as_interface(lambda_.IEventSourceDlq, _QueueDestination(self.dead_letter_queue)),
            )
        )
        self.alarms: list[cloudwatch.Alarm] = [
            self._alarm(
                "IteratorAgeAlarm",
                self.metric_iterator_age(),
                in_milliseconds(max_iterator_age),
                f"records wait more than {max_iterator_age.to_human_string()} to be written",
                cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            ),
            self._alarm(
                "ErrorsAlarm", self.consumer.function.metric_errors(period=_alarm_period()), 1, "the consumer failed"
            ),
            self._alarm(
                "DeadLetterAlarm",
                self.dead_letter_queue.metric_approximate_number_of_messages_visible(
                    period=_alarm_period(), statistic="Maximum"
                ),
                1,
                "records or batch ranges wait in the dead-letter queue",
            ),
        ]
        for alarm in self.alarms:
            if alarm_actions:
                alarm.add_alarm_action(*alarm_actions)
            else:
                acknowledge(
                    alarm,
                    "No alarm_actions were given to this ingestion stream: the alarm's state is on dashboards and "
                    "in composite alarms; pass alarm_actions (the platform's alert topic) to notify people.",
                    "HIPAA.Security-CloudWatchAlarmAction",
                    "NIST.800.53.R5-CloudWatchAlarmAction",
                )

    # --- grants and metrics ----------------------------------------------------------------------

    @property
    def stream_name(self) -> str:
        return self.stream.stream_name

    @property
    def stream_arn(self) -> str:
        return self.stream.stream_arn

    def grant_write(self, grantee: iam.IGrantable) -> iam.Grant:
        """Put records (``PutRecord``, ``PutRecords``, and ``ListShards``/``DescribeStreamSummary``
        that producer libraries call) and encrypt with the stream's key."""
        grant = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:PutRecord", "kinesis:PutRecords"],
            resource_arns=[self.stream.stream_arn],
        )
        grant_key_use(self.encryption_key, grantee, encrypt=True)
        return grant

    def metric_iterator_age(self, **props: Any) -> cloudwatch.Metric:
        """Milliseconds between a record's arrival and its processing by the consumer (Maximum)."""
        options: dict[str, Any] = {"statistic": "Maximum", "period": _alarm_period(), **props}
        return self.consumer.function.metric("IteratorAge", **options)

    def metric_incoming_records(self, **props: Any) -> cloudwatch.Metric:
        """Records put to the stream (Sum)."""
        return self.stream.metric_incoming_records(**props)

    # --- internals -------------------------------------------------------------------------------

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        what: str,
        comparison: cloudwatch.ComparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ) -> cloudwatch.Alarm:
        return cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=f"{construct_path(self)}: {what}",
        )

    def _validate(
        self,
        features: Sequence[FeatureDefinition] | None,
        record_identifier: str | None,
        event_time: str | None,
        stream_mode: kinesis.StreamMode,
        shard_count: int | None,
        retention: Duration,
        batch_size: int,
        max_batching_window: Duration,
        parallelization_factor: int,
        retry_attempts: int,
        max_record_age: Duration,
        max_iterator_age: Duration,
        stream_name: str | None,
    ) -> None:
        problems = Problems(self, "FeatureIngestionStream")
        for prop, value in (
            ("features", features),
            ("record_identifier", record_identifier),
            ("event_time", event_time),
        ):
            problems.check(
                value is not None,
                prop,
                None,
                "is required with an imported feature group (a FeatureGroup gives its own)",
            )
        if features is not None:
            names = [f.name for f in features]
            for prop, name in (("record_identifier", record_identifier), ("event_time", event_time)):
                if name is not None:
                    problems.check(name in names, prop, name, f"must be one of the features ({', '.join(names)})")
        if stream_mode == kinesis.StreamMode.ON_DEMAND:
            problems.check(
                shard_count is None,
                "shard_count",
                shard_count,
                "must be None with stream_mode ON_DEMAND (Kinesis manages the shards)",
            )
        elif problems.check(
            shard_count is not None, "shard_count", None, "is required with stream_mode PROVISIONED"
        ) and check_shape(problems, "shard_count", shard_count, "kinesis:CreateStreamInput.ShardCount"):
            problems.check_range("shard_count", shard_count, maximum=_MAX_SHARDS, integer=True)
        problems.check_range(
            "retention (hours)",
            in_hours(retention, integral=False),
            minimum=_RETENTION_HOURS[0],
            maximum=_RETENTION_HOURS[1],
            integer=True,
        )
        for prop, value, (low, high) in (
            ("batch_size", batch_size, _BATCH_SIZE),
            (
                "max_batching_window (seconds)",
                in_seconds(max_batching_window, integral=False),
                _BATCHING_WINDOW_SECONDS,
            ),
            ("parallelization_factor", parallelization_factor, _PARALLELIZATION),
            ("retry_attempts", retry_attempts, _RETRY_ATTEMPTS),
            ("max_record_age (seconds)", in_seconds(max_record_age, integral=False), _RECORD_AGE_SECONDS),
        ):
            problems.check_range(prop, value, minimum=low, maximum=high, integer=True)
        age, kept = in_seconds(max_iterator_age, integral=False), in_seconds(retention, integral=False)
        if not is_unresolved([age, kept]):
            problems.check(
                0 < age < kept,
                "max_iterator_age (seconds)",
                age,
                f"must be above 0 and below the retention ({kept:g} s): records older than it are gone",
            )
        if stream_name is not None:
            check_shape(problems, "stream_name", stream_name, "kinesis:CreateStreamInput.StreamName")
        problems.raise_if_any()
