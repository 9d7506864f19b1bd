"""Retraining triggers: start a SageMaker pipeline on a schedule, on drift, or when new data lands.

- ``ScheduledRetraining``: an EventBridge Scheduler schedule with the SageMaker StartPipelineExecution
  target (``aws_scheduler_targets.SageMakerStartPipelineExecution``).
- ``DriftRetraining``: an EventBridge rule on "CloudWatch Alarm State Change" to ALARM of drift alarms
  (combined in one composite alarm, so one drift episode is one event), whose target is a function that
  starts the pipeline at most once per ``min_interval``.
- ``NewDataRetraining``: a quiet-period debounce: S3 "Object Created" events under a prefix move a
  one-time schedule to "upload time + quiet period"; when it fires, the pipeline starts over the whole
  prefix, or the run is deferred while an execution runs (see ``retraining_trigger_handler/handler.py``).

Every rule target and schedule has a dead-letter queue (SQS, KMS-encrypted, TLS only) and a retry
policy; each role may start only its pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import Annotations, Duration, RemovalPolicy, Resource
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_sqs as sqs
from aws_cdk.interfaces import aws_sagemaker as sagemaker_refs
from constructs import Construct

from constructs_lib._core import durations
from constructs_lib._core.durations import in_seconds
from constructs_lib._core.grants import grant_key_use
from constructs_lib._core.jsii_types import as_function, as_interface, as_role, as_rule_target
from constructs_lib._core.queues import buffer_queue, check_retry_policy, require_dead_letter_and_retry
from constructs_lib._core.queues import dead_letter_queue as new_dead_letter_queue
from constructs_lib._core.roles import ManagedPolicyRole
from constructs_lib._core.service_role import service_principal
from constructs_lib._core.stack_facts import construct_path, stack_facts, stack_of
from constructs_lib._core.validation import Problems, given
from constructs_lib._core.vpc_function import VpcFunction
from constructs_lib.foundation._keys import allow_publisher, key_or_new
from constructs_lib.foundation.network import INetwork
from constructs_lib.foundation.secure_bucket import SecureBucket
from constructs_lib.training.ml_pipeline import IMlPipeline

_HANDLER_DIR = Path(__file__).parent / "retraining_trigger_handler"
_PARAMETER_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


class _RetrainingTrigger(Construct):
    """What every trigger shares: the pipeline, validated parameters, a dead-letter queue, a key."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kind: str,
        pipeline: IMlPipeline,
        parameters: Mapping[str, str] | None,
        encryption_key: kms.IKey | None,
        dead_letter_queue: sqs.IQueue | None,
        retry_attempts: int,
        max_event_age: Duration | None,
        extra_checks: Any = None,
        log_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.pipeline = pipeline
        self.parameters: dict[str, str] = dict(parameters or {})
        problems = Problems(self, kind)
        declared = pipeline.parameter_names
        unknown = sorted(set(self.parameters) - set(declared))
        problems.check(
            not unknown,
            "parameters",
            unknown,
            f"the pipeline {pipeline.pipeline_name!r} does not declare them; it declares "
            f"{sorted(declared) or 'no parameters'}",
        )
        for name, value in self.parameters.items():
            problems.check(
                isinstance(given(value), str) and len(value) <= 1024,
                f"parameters[{name!r}]",
                value,
                "must be a string of at most 1024 characters",
            )
            problems.check(
                bool(name) and set(name) <= _PARAMETER_NAME_CHARS,
                "parameters (name)",
                name,
                "must be letters, digits, '-' or '_'",
            )
        max_event_age = max_event_age or durations.hours(1)
        check_retry_policy(problems, retry_attempts, max_event_age)
        if extra_checks is not None:
            extra_checks(problems)
        problems.raise_if_any()

        self.encryption_key: kms.IKey = key_or_new(self, encryption_key, f"{construct_path(self)} retraining trigger")
        #: The function's log group key (triggers with a function).
        self.log_key: kms.IKey = self.encryption_key if log_key is None else log_key
        self.dead_letter_queue: sqs.IQueue = dead_letter_queue or new_dead_letter_queue(
            self,
            "DeadLetterQueue",
            encryption_key=self.encryption_key,
            used_by=f"retraining trigger {construct_path(self)}",
        )
        self.retry_attempts = retry_attempts
        self.max_event_age = max_event_age

    @property
    def pipeline_parameter_list(self) -> list[dict[str, str]]:
        return [{"Name": name, "Value": value} for name, value in sorted(self.parameters.items())]

    def _service_role(self, service: str, description: str) -> ManagedPolicyRole:
        role = ManagedPolicyRole(
            self,
            "Role",
            description=description,
            assumed_by=service_principal(self, service),
        )
        self.pipeline.grant_start_execution(role)
        return role


class ScheduledRetraining(_RetrainingTrigger):
    """Starts the pipeline on a schedule (EventBridge Scheduler, SageMaker start-pipeline target)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pipeline: IMlPipeline,
        schedule: scheduler.ScheduleExpression,
        parameters: Mapping[str, str] | None = None,
        encryption_key: kms.IKey | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        retry_attempts: int = 3,
        max_event_age: Duration | None = None,
        enabled: bool = True,
        description: str | None = None,
    ) -> None:
        """
        :param pipeline: the pipeline to start.
        :param schedule: e.g. ``ScheduleExpression.cron(minute="0", hour="3", week_day="SUN")``.
        :param parameters: default none; pipeline parameter values (each must be declared by the pipeline).
        :param encryption_key: default, a new ``EncryptionKey``; encrypts the schedule and the DLQ.
        :param dead_letter_queue: default, a new KMS-encrypted, TLS-only queue.
        :param retry_attempts: default 3 (0-185); retries when the start fails.
        :param max_event_age: default 1 hour (1 minute to 1 day); a start not made by then goes to the DLQ.
        :param enabled: default True.
        :param description: default, names the pipeline.
        """
        super().__init__(
            scope,
            construct_id,
            kind="ScheduledRetraining",
            pipeline=pipeline,
            parameters=parameters,
            encryption_key=encryption_key,
            dead_letter_queue=dead_letter_queue,
            retry_attempts=retry_attempts,
            max_event_age=max_event_age,
        )
        self.role = self._service_role(
            "scheduler.amazonaws.com", f"Starts pipeline {pipeline.pipeline_name} on schedule"
        )
        grant_key_use(self.encryption_key, self.role, encrypt=True)  # the schedule's key
        dlq_key = self.dead_letter_queue.encryption_master_key
        if dlq_key is not None:  # the scheduler sends undeliverable starts to the DLQ with this role
            grant_key_use(dlq_key, self.role, encrypt=True)
        target = scheduler_targets.SageMakerStartPipelineExecution(
            _SchedulerPipeline(self, "Pipeline", pipeline),
            pipeline_parameter_list=[
                scheduler_targets.SageMakerPipelineParameter(name=n, value=v)
                for n, v in sorted(self.parameters.items())
            ],
            dead_letter_queue=self.dead_letter_queue,
            retry_attempts=retry_attempts,
            max_event_age=self.max_event_age,
            role=as_role(self.role),
        )
        self.schedule = scheduler.Schedule(
            self,
            "Resource",
            schedule=schedule,
            target=as_interface(scheduler.IScheduleTarget, target),
            key=self.encryption_key,
            enabled=enabled,
            description=description or f"Retrains: starts SageMaker pipeline {pipeline.pipeline_name}",
        )


class DriftRetraining(_RetrainingTrigger):
    """Starts the pipeline when a drift alarm goes into ALARM, at most once per ``min_interval``.

    Several alarms are combined in one composite alarm ("any of"), so one drift episode, however many
    features drift, is one ALARM event. An EventBridge rule on that alarm's state changes to ALARM invokes
    a function (reserved concurrency 1, so events are handled one after the other) that starts the
    pipeline unless this trigger started a run less than ``min_interval`` ago, whatever that run's
    outcome: a flapping alarm starts at most one run per interval (see ``retraining_trigger_handler/handler.py``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pipeline: IMlPipeline,
        alarms: Sequence[cloudwatch.IAlarm],
        network: INetwork,
        parameters: Mapping[str, str] | None = None,
        min_interval: Duration | None = None,
        encryption_key: kms.IKey | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        retry_attempts: int = 3,
        max_event_age: Duration | None = None,
        log_retention_days: int = 365,
        log_key: kms.IKey | None = None,
    ) -> None:
        """
        :param pipeline: the pipeline to start.
        :param alarms: the drift alarms (e.g. ``MonitoringAlarms.drift_alarms``); at least one.
        :param network: the VPC and workload security group of the function (it calls the SageMaker
            API through the ``sagemaker.api`` interface endpoint).
        :param parameters: default none; pipeline parameter values (each must be declared by the pipeline).
        :param min_interval: default 6 hours (0 to 30 days); at most one drift run starts per interval.
        :param encryption_key: default, a new ``EncryptionKey``; encrypts the DLQ, the function's
            environment (and logs without ``log_key``). An ``EncryptionKey`` gets a statement letting this
            account's EventBridge rules use it (the rule's DLQ); a key of your own must allow
            ``events.amazonaws.com`` itself.
        :param dead_letter_queue: default, a new KMS-encrypted, TLS-only queue.
        :param retry_attempts: default 3 (0-185); EventBridge retries of the invocation.
        :param max_event_age: default 1 hour (1 minute to 1 day).
        :param log_retention_days: default 365; the function's log retention.
        :param log_key: default ``encryption_key``; the function's log group (a logs key, whose policy
            lets CloudWatch Logs encrypt).
        """
        min_interval = min_interval or durations.hours(6)

        def checks(problems: Problems) -> None:
            problems.check(len(alarms) >= 1, "alarms", list(alarms), "give at least one alarm")
            problems.check_range(
                "min_interval (seconds)", in_seconds(min_interval), minimum=0, maximum=30 * 86400, integer=True
            )

        super().__init__(
            scope,
            construct_id,
            kind="DriftRetraining",
            pipeline=pipeline,
            parameters=parameters,
            encryption_key=encryption_key,
            dead_letter_queue=dead_letter_queue,
            retry_attempts=retry_attempts,
            max_event_age=max_event_age,
            extra_checks=checks,
            log_key=log_key,
        )
        if dead_letter_queue is None:  # the rule's dead-letter queue: EventBridge writes to it
            allow_publisher(self, encryption_key, "events.amazonaws.com")
        if len(alarms) == 1:
            self.alarm: cloudwatch.IAlarm = alarms[0]
        else:
            self.alarm = cloudwatch.CompositeAlarm(
                self,
                "AnyDrift",
                alarm_rule=cloudwatch.AlarmRule.any_of(*alarms),
                alarm_description=f"Any drift alarm that retrains pipeline {pipeline.pipeline_name}",
            )
        self.function = _starter_function(
            self,
            "Starter",
            "handler.on_drift_alarm",
            network,
            log_retention_days,
            f"Starts pipeline {pipeline.pipeline_name} on drift, at most once per {min_interval.to_human_string()}",
            {
                "PIPELINE_NAME": pipeline.pipeline_name,
                "PIPELINE_PARAMETERS": json.dumps(self.pipeline_parameter_list),
                "MIN_INTERVAL_SECONDS": str(int(in_seconds(min_interval))),
            },
            reserved_concurrency=1,  # invoked asynchronously by EventBridge: one event at a time, no race
        )
        self.role = self.function.role
        self.rule = events.Rule(
            self,
            "Resource",
            description=f"Retrains: starts SageMaker pipeline {pipeline.pipeline_name} when drift is detected",
            event_pattern=events.EventPattern(
                source=["aws.cloudwatch"],
                detail_type=["CloudWatch Alarm State Change"],
                resources=[self.alarm.alarm_arn],
                detail={"state": {"value": ["ALARM"]}},
            ),
            targets=[
                as_rule_target(
                    targets.LambdaFunction(
                        as_function(self.function.function),
                        dead_letter_queue=self.dead_letter_queue,
                        retry_attempts=retry_attempts,
                        max_event_age=self.max_event_age,
                    )
                )
            ],
        )
        require_dead_letter_and_retry(self.rule)


class NewDataRetraining(_RetrainingTrigger):
    """Starts the pipeline once new training data under a bucket prefix has stopped arriving for ``quiet_period``.

    A quiet-period debounce: S3 "Object Created" events under the prefix go (EventBridge rule) to a FIFO
    SQS queue with one message group, read by one function one batch at a time. Each upload moves one
    EventBridge Scheduler one-time schedule (a fixed name in the trigger's schedule group) to
    ``at(upload time + quiet_period)``, never earlier, so it fires only after the uploads stop, however
    long the upload takes. When it fires it sends a "due" message to the same queue, and the function
    starts the pipeline with ``data_uri_parameter`` set to the whole prefix (the run covers everything
    uploaded) and the upload window in the execution's description; if an execution of the pipeline is
    running, it re-arms the schedule ``defer_interval`` later instead (the run is deferred, not dropped).
    A failed run blocks nothing. Duplicate and out-of-order events change nothing (the event time is
    used, the schedule never moves earlier, the start's name and token derive from the due time).
    Failed messages are redelivered in order by SQS and end in a dead-letter queue; the rule and the
    schedule have a dead-letter queue and a retry policy. See ``retraining_trigger_handler/handler.py``.
    """

    #: The schedule's name in the trigger's own schedule group.
    SCHEDULE_NAME = "retraining-due"
    _MESSAGE_GROUP = "uploads"

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pipeline: IMlPipeline,
        bucket: s3.IBucket,
        prefix: str,
        network: INetwork,
        parameters: Mapping[str, str] | None = None,
        data_uri_parameter: str | None = None,
        quiet_period: Duration | None = None,
        defer_interval: Duration | None = None,
        encryption_key: kms.IKey | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        retry_attempts: int = 3,
        max_event_age: Duration | None = None,
        max_receive_count: int = 5,
        log_retention_days: int = 365,
        log_key: kms.IKey | None = None,
    ) -> None:
        """
        :param pipeline: the pipeline to start.
        :param bucket: the bucket new data lands in. A ``SecureBucket`` gets EventBridge notifications
            turned on; another bucket must have them on already (a warning says so).
        :param prefix: key prefix of the training data, e.g. ``training/churn/``.
        :param network: the VPC and workload security group of the function. It calls the SageMaker and
            EventBridge Scheduler APIs: in isolated subnets the network needs the ``sagemaker.api`` and
            ``scheduler`` interface endpoints (a warning says when one is missing).
        :param parameters: default none; pipeline parameter values (each must be declared by the pipeline).
        :param data_uri_parameter: default none; a pipeline parameter each run gets ``s3://<bucket>/<prefix>``
            in (e.g. ``"InputDataUri"``), so that the run reads everything uploaded under the prefix.
        :param quiet_period: default 30 minutes (1 minute to 7 days); a run starts once no object has
            been created under the prefix for this long.
        :param defer_interval: default 30 minutes (1 minute to 1 day); while an execution of the pipeline
            runs, the next run is retried this often.
        :param encryption_key: default, a new ``EncryptionKey``; queues, schedule, function environment
            (and logs without ``log_key``). An ``EncryptionKey`` gets a statement letting this account's
            EventBridge rules use it (the events queue and the DLQ); a key of your own must allow
            ``events.amazonaws.com`` itself.
        :param dead_letter_queue: default, a new KMS-encrypted, TLS-only queue; what the rule and the
            schedule could not deliver.
        :param retry_attempts: default 3 (0-185); EventBridge and Scheduler retries of a delivery.
        :param max_event_age: default 1 hour (1 minute to 1 day).
        :param max_receive_count: default 5; tries of a message before it moves to the events' FIFO
            dead-letter queue (``events_dead_letter_queue``).
        :param log_retention_days: default 365; the function's log retention.
        :param log_key: default ``encryption_key``; the function's log group (a logs key, whose policy
            lets CloudWatch Logs encrypt).
        """
        quiet_period = quiet_period or durations.minutes(30)
        defer_interval = defer_interval or durations.minutes(30)

        def checks(problems: Problems) -> None:
            problems.check(bool(prefix.strip("/")), "prefix", prefix, "must name a key prefix (not the whole bucket)")
            problems.check(not prefix.startswith("/"), "prefix", prefix, "must not start with '/'")
            problems.check_range(
                "quiet_period (seconds)", in_seconds(quiet_period), minimum=60, maximum=7 * 86400, integer=True
            )
            problems.check_range(
                "defer_interval (seconds)", in_seconds(defer_interval), minimum=60, maximum=86400, integer=True
            )
            problems.check_range("max_receive_count", max_receive_count, minimum=1, maximum=1000, integer=True)
            if data_uri_parameter is not None:
                problems.check(
                    data_uri_parameter in pipeline.parameter_names,
                    "data_uri_parameter",
                    data_uri_parameter,
                    f"the pipeline {pipeline.pipeline_name!r} does not declare it; "
                    f"it declares {sorted(pipeline.parameter_names) or 'no parameters'}",
                )
                problems.check(
                    data_uri_parameter not in (parameters or {}),
                    "data_uri_parameter",
                    data_uri_parameter,
                    "is set by the trigger: leave it out of parameters",
                )

        super().__init__(
            scope,
            construct_id,
            kind="NewDataRetraining",
            pipeline=pipeline,
            parameters=parameters,
            encryption_key=encryption_key,
            dead_letter_queue=dead_letter_queue,
            retry_attempts=retry_attempts,
            max_event_age=max_event_age,
            extra_checks=checks,
            log_key=log_key,
        )
        allow_publisher(self, encryption_key, "events.amazonaws.com")  # the rule writes to the events queue (and DLQ)
        s3_bucket = bucket
        if isinstance(bucket, SecureBucket):
            bucket.enable_event_bridge_notifications()
        else:
            Annotations.of(self).add_warning_v2(
                "constructs-lib:new-data-needs-eventbridge",
                "NewDataRetraining: make sure the bucket sends its events to EventBridge "
                "(NotificationConfiguration.EventBridgeConfiguration), or no run will ever start.",
            )
        network.require_endpoints(
            self,
            ("sagemaker.api", "scheduler"),
            purpose="the function calls SageMaker and EventBridge Scheduler, or no run will ever start",
        )
        function_timeout = durations.minutes(1)
        self.events_dead_letter_queue: sqs.IQueue = new_dead_letter_queue(
            self,
            "EventsDeadLetterQueue",
            encryption_key=self.encryption_key,
            fifo=True,
            used_by=f"the new-data events queue of {construct_path(self)}",
        )
        self.queue = buffer_queue(
            self,
            "Events",
            encryption_key=self.encryption_key,
            fifo=True,
            visibility_timeout=durations.seconds(6 * in_seconds(function_timeout)),  # AWS: 6x the function timeout
            dead_letter=self.events_dead_letter_queue,
            max_receive_count=max_receive_count,
        )
        self.rule = events.Rule(
            self,
            "Resource",
            description=f"New training data under s3://<bucket>/{prefix} retrains {pipeline.pipeline_name}",
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={"bucket": {"name": [s3_bucket.bucket_name]}, "object": {"key": [{"prefix": prefix}]}},
            ),
            targets=[
                as_rule_target(
                    targets.SqsQueue(
                        self.queue,
                        message_group_id=self._MESSAGE_GROUP,
                        dead_letter_queue=self.dead_letter_queue,
                        retry_attempts=retry_attempts,
                        max_event_age=self.max_event_age,
                    )
                )
            ],
        )
        require_dead_letter_and_retry(self.rule)
        # The due schedule is written at run time by the function; the group is the trigger's own, and
        # holds nothing but that schedule: it goes with the trigger.
        self.schedule_group = scheduler.ScheduleGroup(self, "Schedules", removal_policy=RemovalPolicy.DESTROY)
        stack = stack_of(self)
        facts = stack_facts(stack)
        schedule_arn = stack.format_arn(
            service="scheduler",
            resource="schedule",
            resource_name=f"{self.schedule_group.schedule_group_name}/{self.SCHEDULE_NAME}",
        )
        self.schedule_role = ManagedPolicyRole(
            self,
            "ScheduleRole",
            description=f"Sends the retraining-due message of {construct_path(self)} to its queue",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": facts.account}}
            ),
        )
        self.schedule_role.add_to_policy(
            iam.PolicyStatement(
                sid="SendDueMessage",
                actions=["sqs:SendMessage"],
                resources=[self.queue.queue_arn, self.dead_letter_queue.queue_arn],
            )
        )
        grant_key_use(self.encryption_key, self.schedule_role, encrypt=True)
        dlq_key = self.dead_letter_queue.encryption_master_key
        if dlq_key is not None:  # undeliverable due messages go to the DLQ with this role
            grant_key_use(dlq_key, self.schedule_role, encrypt=True)
        source = f"s3://{s3_bucket.bucket_name}/{prefix}"
        self.function = _starter_function(
            self,
            "Starter",
            "handler.on_queue_batch",
            network,
            log_retention_days,
            f"Starts pipeline {pipeline.pipeline_name} once uploads under {prefix} are quiet",
            {
                "PIPELINE_NAME": pipeline.pipeline_name,
                "PIPELINE_PARAMETERS": json.dumps(self.pipeline_parameter_list),
                "DATA_URI_PARAMETER": data_uri_parameter or "",
                "SOURCE": source,
                "QUIET_SECONDS": str(int(in_seconds(quiet_period))),
                "DEFER_SECONDS": str(int(in_seconds(defer_interval))),
                "SCHEDULE_GROUP": self.schedule_group.schedule_group_name,
                "SCHEDULE_NAME": self.SCHEDULE_NAME,
                "SCHEDULER_ROLE_ARN": self.schedule_role.role_arn,
                "QUEUE_ARN": self.queue.queue_arn,
                "MESSAGE_GROUP_ID": self._MESSAGE_GROUP,
                "DEAD_LETTER_QUEUE_ARN": self.dead_letter_queue.queue_arn,
                "RETRY_ATTEMPTS": str(retry_attempts),
                "MAX_EVENT_AGE_SECONDS": str(int(in_seconds(self.max_event_age))),
                "KMS_KEY_ARN": self.encryption_key.key_arn,
            },
            # The event source may run at most 2 (its lowest setting) and one FIFO message group
            # runs one batch at a time: reserved concurrency 2 agrees with both.
            reserved_concurrency=_EVENT_SOURCE_MAX_CONCURRENCY,
            timeout=function_timeout,
        )
        self.role = self.function.role
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="WriteDueSchedule",
                actions=["scheduler:GetSchedule", "scheduler:CreateSchedule", "scheduler:UpdateSchedule"],
                resources=[schedule_arn],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="PassScheduleRole",
                actions=["iam:PassRole"],
                resources=[self.schedule_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
            )
        )
        grant_key_use(self.encryption_key, self.role, encrypt=True)  # the schedule is encrypted with it
        self.function.function.add_event_source(
            event_sources.SqsEventSource(
                self.queue,
                batch_size=10,
                max_concurrency=_EVENT_SOURCE_MAX_CONCURRENCY,
                report_batch_item_failures=True,
            )
        )


#: An SQS event source's lowest maximum concurrency (``ScalingConfig.MaximumConcurrency``, 2 to 1000).
_EVENT_SOURCE_MAX_CONCURRENCY = 2


def _starter_function(
    trigger: _RetrainingTrigger,
    construct_id: str,
    entry_point: str,
    network: INetwork,
    log_retention_days: int,
    description: str,
    environment: dict[str, str],
    reserved_concurrency: int,
    timeout: Duration | None = None,
) -> VpcFunction:
    """A trigger's function (``retraining_trigger_handler/handler.py``), able to list and start its pipeline only."""
    function = VpcFunction(
        trigger,
        construct_id,
        code_directory=_HANDLER_DIR,
        handler=entry_point,
        description=description,
        network=network,
        encryption_key=trigger.encryption_key,
        dead_letter_queue=trigger.dead_letter_queue,
        environment=environment,
        timeout=timeout,
        reserved_concurrent_executions=reserved_concurrency,
        log_retention_days=log_retention_days,
        log_key=trigger.log_key,
    )
    trigger.pipeline.grant_start_execution(function.role)
    function.role.add_to_policy(
        iam.PolicyStatement(
            sid="ReadPipelineExecutions",
            actions=["sagemaker:ListPipelineExecutions"],
            resources=[trigger.pipeline.pipeline_arn],
        )
    )
    return function


@jsii.implements(sagemaker.IPipeline)
class _SchedulerPipeline(Resource):
    """A ``IMlPipeline`` as the ``aws_sagemaker.IPipeline`` the scheduler target takes (no resource)."""

    def __init__(self, scope: Construct, construct_id: str, pipeline: IMlPipeline) -> None:
        super().__init__(scope, construct_id)
        self._pipeline = pipeline

    @property
    def pipeline_arn(self) -> str:
        return self._pipeline.pipeline_arn

    @property
    def pipeline_name(self) -> str:
        return self._pipeline.pipeline_name

    @property
    def pipeline_ref(self) -> sagemaker_refs.PipelineReference:
        return sagemaker_refs.PipelineReference(pipeline_name=self._pipeline.pipeline_name)

    def grant_start_pipeline_execution(self, grantee: iam.IGrantable) -> iam.Grant:
        return self._pipeline.grant_start_execution(grantee)
