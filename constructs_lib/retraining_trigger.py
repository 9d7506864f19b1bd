"""Retraining triggers: start a SageMaker pipeline on a schedule, on drift, or when new data lands.

- ``ScheduledRetraining``: an EventBridge Scheduler schedule with the SageMaker StartPipelineExecution
  target (``aws_scheduler_targets.SageMakerStartPipelineExecution``).
- ``DriftRetraining``: an EventBridge rule on "CloudWatch Alarm State Change" to ALARM of drift alarms
  (combined in one composite alarm, so one drift episode starts one run), whose target is the pipeline
  with ``SageMakerPipelineParameters`` (``aws_events_targets`` has no SageMaker target: the target is
  written here, users never see it).
- ``NewDataRetraining``: S3 "Object Created" events under a prefix, buffered in SQS, a Lambda that
  starts one run per burst of uploads (see ``retraining_handler/handler.py``).

Each has a dead-letter queue (SQS, KMS-encrypted, TLS only) and a retry policy; each role may start
only its pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import Annotations, Duration, Resource
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

from constructs_lib._internal.contracts import StartablePipeline
from constructs_lib._internal.keys import grant_key_use, key_or_new
from constructs_lib._internal.queues import allow_service_to_send, buffer_queue
from constructs_lib._internal.queues import dead_letter_queue as new_dead_letter_queue
from constructs_lib._internal.roles import ManagedPolicyRole
from constructs_lib._internal.validation import Problems
from constructs_lib._internal.vpc_function import VpcFunction
from constructs_lib._internal.service_role import service_principal
from constructs_lib.encryption_key import EncryptionKey
from constructs_lib.private_network import PrivateNetwork
from constructs_lib.secure_bucket import SecureBucket

_HANDLER_DIR = Path(__file__).parent / "retraining_handler"
_PARAMETER_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


class _RetrainingTrigger(Construct):
    """What every trigger shares: the pipeline, validated parameters, a dead-letter queue, a key."""

    def __init__(self, scope: Construct, construct_id: str, *, kind: str, pipeline: StartablePipeline,
                 parameters: Mapping[str, str] | None, encryption_key: kms.IKey | EncryptionKey | None,
                 dead_letter_queue: sqs.IQueue | None, retry_attempts: int, max_event_age: Duration,
                 extra_checks: Any = None) -> None:
        super().__init__(scope, construct_id)
        self.pipeline = pipeline
        self.parameters: dict[str, str] = dict(parameters or {})
        problems = Problems(self, kind)
        declared = pipeline.parameter_names
        unknown = sorted(set(self.parameters) - set(declared))
        problems.check(not unknown, "parameters", unknown,
                       f"the pipeline {pipeline.pipeline_name!r} does not declare them; it declares "
                       f"{sorted(declared) or 'no parameters'}")
        for name, value in self.parameters.items():
            problems.check(isinstance(value, str) and len(value) <= 1024, f"parameters[{name!r}]", value,
                           "must be a string of at most 1024 characters")
            problems.check(bool(name) and set(name) <= _PARAMETER_NAME_CHARS, "parameters (name)", name,
                           "must be letters, digits, '-' or '_'")
        problems.check_range("retry_attempts", retry_attempts, minimum=0, maximum=185, integer=True)
        problems.check_range("max_event_age (seconds)", max_event_age.to_seconds(), minimum=60, maximum=86400,
                             integer=True)
        if extra_checks is not None:
            extra_checks(problems)
        problems.raise_if_any()

        self.encryption_key: kms.IKey = key_or_new(self, encryption_key, f"{self.node.path} retraining trigger")
        self.dead_letter_queue: sqs.IQueue = dead_letter_queue or new_dead_letter_queue(
            self, "DeadLetterQueue", encryption_key=self.encryption_key, used_by=f"retraining trigger {self.node.path}"
        )
        self.retry_attempts = retry_attempts
        self.max_event_age = max_event_age

    @property
    def pipeline_parameter_list(self) -> list[dict[str, str]]:
        return [{"Name": name, "Value": value} for name, value in sorted(self.parameters.items())]

    def _service_role(self, service: str, description: str) -> ManagedPolicyRole:
        role = ManagedPolicyRole(
            self, "Role", description=description,
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
        pipeline: StartablePipeline,
        schedule: scheduler.ScheduleExpression,
        parameters: Mapping[str, str] | None = None,
        encryption_key: kms.IKey | EncryptionKey | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        retry_attempts: int = 3,
        max_event_age: Duration = Duration.hours(1),
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
        super().__init__(scope, construct_id, kind="ScheduledRetraining", pipeline=pipeline, parameters=parameters,
                         encryption_key=encryption_key, dead_letter_queue=dead_letter_queue,
                         retry_attempts=retry_attempts, max_event_age=max_event_age)
        self.role = self._service_role("scheduler.amazonaws.com",
                                       f"Starts pipeline {pipeline.pipeline_name} on schedule")
        grant_key_use(self.encryption_key, self.role, encrypt=True)  # the schedule's key
        dlq_key = self.dead_letter_queue.encryption_master_key
        if dlq_key is not None:  # the scheduler sends undeliverable starts to the DLQ with this role
            grant_key_use(dlq_key, self.role, encrypt=True)
        target = scheduler_targets.SageMakerStartPipelineExecution(
            _SchedulerPipeline(self, "Pipeline", pipeline),
            pipeline_parameter_list=[scheduler_targets.SageMakerPipelineParameter(name=n, value=v)
                                     for n, v in sorted(self.parameters.items())],
            dead_letter_queue=self.dead_letter_queue,
            retry_attempts=retry_attempts,
            max_event_age=max_event_age,
            role=self.role,
        )
        self.schedule = scheduler.Schedule(
            self, "Resource",
            schedule=schedule,
            target=target,
            key=self.encryption_key,
            enabled=enabled,
            description=description or f"Retrains: starts SageMaker pipeline {pipeline.pipeline_name}",
        )


class DriftRetraining(_RetrainingTrigger):
    """Starts the pipeline when a drift alarm goes into ALARM.

    Several alarms are combined in one composite alarm ("any of"), so one drift episode, however many
    features drift, starts one run; the composite returns to OK only when every alarm is OK.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pipeline: StartablePipeline,
        alarms: Sequence[cloudwatch.IAlarm],
        parameters: Mapping[str, str] | None = None,
        encryption_key: kms.IKey | EncryptionKey | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        retry_attempts: int = 3,
        max_event_age: Duration = Duration.hours(1),
    ) -> None:
        """
        :param pipeline: the pipeline to start.
        :param alarms: the drift alarms (e.g. ``MonitoringAlarms.drift_alarms``); at least one.
        :param parameters: default none; pipeline parameter values (each must be declared by the pipeline).
        :param encryption_key: default, a new ``EncryptionKey``; encrypts the DLQ.
        :param dead_letter_queue: default, a new KMS-encrypted, TLS-only queue.
        :param retry_attempts: default 3 (0-185); EventBridge retries of the start.
        :param max_event_age: default 1 hour (1 minute to 1 day).
        """
        super().__init__(scope, construct_id, kind="DriftRetraining", pipeline=pipeline, parameters=parameters,
                         encryption_key=encryption_key, dead_letter_queue=dead_letter_queue,
                         retry_attempts=retry_attempts, max_event_age=max_event_age,
                         extra_checks=lambda p: p.check(len(alarms) >= 1, "alarms", list(alarms),
                                                        "give at least one alarm"))
        if len(alarms) == 1:
            self.alarm: cloudwatch.IAlarm = alarms[0]
        else:
            self.alarm = cloudwatch.CompositeAlarm(
                self, "AnyDrift",
                alarm_rule=cloudwatch.AlarmRule.any_of(*alarms),
                alarm_description=f"Any drift alarm that retrains pipeline {pipeline.pipeline_name}",
            )
        self.role = self._service_role("events.amazonaws.com", f"Starts pipeline {pipeline.pipeline_name} on drift")
        self.rule = events.Rule(
            self, "Resource",
            description=f"Retrains: starts SageMaker pipeline {pipeline.pipeline_name} when drift is detected",
            event_pattern=events.EventPattern(
                source=["aws.cloudwatch"],
                detail_type=["CloudWatch Alarm State Change"],
                resources=[self.alarm.alarm_arn],
                detail={"state": {"value": ["ALARM"]}},
            ),
        )
        self.rule.add_target(_PipelineRuleTarget(self))
        allow_service_to_send(self.dead_letter_queue, "events.amazonaws.com", self.rule.rule_arn)
        if self.parameters:
            cfn_rule: events.CfnRule = self.rule.node.default_child  # type: ignore[assignment]
            cfn_rule.add_property_override(
                "Targets.0.SageMakerPipelineParameters", {"PipelineParameterList": self.pipeline_parameter_list}
            )


class NewDataRetraining(_RetrainingTrigger):
    """Starts the pipeline when new training data lands under a bucket prefix, once per burst.

    S3 sends "Object Created" events to EventBridge; a rule (prefix filter) queues them in SQS; an SQS
    event source with a batching window gathers a burst into one batch for a Lambda function (reserved
    concurrency 1) that starts the pipeline unless an execution started less than ``min_interval`` ago.
    Why this guard: it needs no extra state (the pipeline's own execution history is the lock), a burst
    of uploads becomes one run, and nothing is lost: failed starts are retried by SQS and end in the DLQ.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pipeline: StartablePipeline,
        bucket: SecureBucket | s3.IBucket,
        prefix: str,
        network: PrivateNetwork,
        parameters: Mapping[str, str] | None = None,
        batching_window: Duration = Duration.minutes(5),
        min_interval: Duration = Duration.hours(1),
        encryption_key: kms.IKey | EncryptionKey | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        retry_attempts: int = 3,
        max_event_age: Duration = Duration.hours(1),
        max_receive_count: int = 5,
        log_retention_days: int = 365,
    ) -> None:
        """
        :param pipeline: the pipeline to start.
        :param bucket: the bucket new data lands in. A ``SecureBucket`` gets EventBridge notifications
            turned on; another bucket must have them on already (a warning says so).
        :param prefix: key prefix of the training data, e.g. ``training/churn/``.
        :param network: the VPC and workload security group of the function (it calls the SageMaker
            API through the ``sagemaker.api`` interface endpoint).
        :param parameters: default none; pipeline parameter values (each must be declared by the pipeline).
        :param batching_window: default 5 minutes (0-300 s); how long SQS gathers events into one batch.
        :param min_interval: default 1 hour; no new run if one started within this interval.
        :param encryption_key: default, a new ``EncryptionKey``; queues, function environment and logs.
        :param dead_letter_queue: default, a new KMS-encrypted, TLS-only queue.
        :param retry_attempts: default 3 (0-185); EventBridge retries of the delivery to SQS.
        :param max_event_age: default 1 hour (1 minute to 1 day).
        :param max_receive_count: default 5; tries of a batch before its events go to the DLQ.
        :param log_retention_days: default 365; the function's log retention.
        """
        def checks(problems: Problems) -> None:
            problems.check(bool(prefix.strip("/")), "prefix", prefix, "must name a key prefix (not the whole bucket)")
            problems.check(not prefix.startswith("/"), "prefix", prefix, "must not start with '/'")
            problems.check_range("batching_window (seconds)", batching_window.to_seconds(), minimum=0, maximum=300,
                                 integer=True)
            problems.check_range("min_interval (seconds)", min_interval.to_seconds(), minimum=0, integer=True)
            problems.check_range("max_receive_count", max_receive_count, minimum=1, maximum=1000, integer=True)

        super().__init__(scope, construct_id, kind="NewDataRetraining", pipeline=pipeline, parameters=parameters,
                         encryption_key=encryption_key, dead_letter_queue=dead_letter_queue,
                         retry_attempts=retry_attempts, max_event_age=max_event_age, extra_checks=checks)
        s3_bucket = bucket.bucket if isinstance(bucket, SecureBucket) else bucket
        if isinstance(bucket, SecureBucket):
            bucket.enable_event_bridge_notifications()
        else:
            Annotations.of(self).add_warning_v2(
                "constructs-lib:new-data-needs-eventbridge",
                "NewDataRetraining: make sure the bucket sends its events to EventBridge "
                "(NotificationConfiguration.EventBridgeConfiguration), or no run will ever start.",
            )
        function_timeout = Duration.minutes(1)
        self.queue = buffer_queue(
            self, "Events", encryption_key=self.encryption_key,
            visibility_timeout=Duration.seconds(6 * function_timeout.to_seconds() + batching_window.to_seconds()),
            dead_letter=self.dead_letter_queue, max_receive_count=max_receive_count,
        )
        self.rule = events.Rule(
            self, "Resource",
            description=f"New training data under s3://<bucket>/{prefix} retrains {pipeline.pipeline_name}",
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={"bucket": {"name": [s3_bucket.bucket_name]}, "object": {"key": [{"prefix": prefix}]}},
            ),
            targets=[targets.SqsQueue(self.queue, dead_letter_queue=self.dead_letter_queue,
                                      retry_attempts=retry_attempts, max_event_age=max_event_age)],
        )
        self.function = VpcFunction(
            self, "Starter",
            code_directory=_HANDLER_DIR,
            description=f"Starts pipeline {pipeline.pipeline_name} once per burst of new data",
            network=network,
            encryption_key=self.encryption_key,
            dead_letter_queue=self.dead_letter_queue,
            environment={
                "PIPELINE_NAME": pipeline.pipeline_name,
                "PIPELINE_PARAMETERS": json.dumps(self.pipeline_parameter_list),
                "MIN_INTERVAL_SECONDS": str(int(min_interval.to_seconds())),
                "SOURCE": f"s3://{s3_bucket.bucket_name}/{prefix}",
            },
            timeout=function_timeout,
            reserved_concurrent_executions=1,
            log_retention_days=log_retention_days,
        )
        self.role = self.function.role
        pipeline.grant_start_execution(self.role)
        self.role.add_to_policy(iam.PolicyStatement(
            sid="ReadPipelineExecutions", actions=["sagemaker:ListPipelineExecutions"],
            resources=[pipeline.pipeline_arn],
        ))
        self.function.function.add_event_source(event_sources.SqsEventSource(
            self.queue, batch_size=1000, max_batching_window=batching_window, max_concurrency=2,
        ))


@jsii.implements(sagemaker.IPipeline)
class _SchedulerPipeline(Resource):
    """A ``StartablePipeline`` as the ``aws_sagemaker.IPipeline`` the scheduler target takes (no resource)."""

    def __init__(self, scope: Construct, construct_id: str, pipeline: StartablePipeline) -> None:
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


@jsii.implements(events.IRuleTarget)
class _PipelineRuleTarget:
    """The rule target for a SageMaker pipeline: its ARN, role, DLQ and retry policy (parameters are
    added to the rule's ``Targets`` by ``DriftRetraining``: ``RuleTargetConfig`` has no field for them)."""

    def __init__(self, trigger: DriftRetraining) -> None:
        self._trigger = trigger

    def bind(self, rule: events.IRule, id: str | None = None) -> events.RuleTargetConfig:
        trigger = self._trigger
        return events.RuleTargetConfig(
            arn=trigger.pipeline.pipeline_arn,
            role=trigger.role,
            dead_letter_config=events.CfnRule.DeadLetterConfigProperty(arn=trigger.dead_letter_queue.queue_arn),
            retry_policy=events.CfnRule.RetryPolicyProperty(
                maximum_event_age_in_seconds=int(trigger.max_event_age.to_seconds()),
                maximum_retry_attempts=trigger.retry_attempts,
            ),
        )
