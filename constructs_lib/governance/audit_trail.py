"""``AuditTrail``: who did what to which model and data, kept tamper-evident, with alarms."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from constructs_lib._core import durations
from constructs_lib._core.grants import KMS_CLOUDTRAIL_ENCRYPT, KMS_DESCRIBE
from constructs_lib._core.jsii_types import as_alarm_action, as_key, as_principals, as_topic
from constructs_lib._core.log_retention import retention_days
from constructs_lib._core.roles import ManagedPolicyRole, permissions_policy
from constructs_lib._core.service_role import pin_bucket_policy, service_principal
from constructs_lib._core.stack_facts import aws_partition, construct_path, stack_facts
from constructs_lib._core.validation import METRIC_NAMESPACE_PATTERN, Problems, invalid
from constructs_lib.foundation._keys import allow_publisher
from constructs_lib.foundation._topics import AlertTopicInPlaceOfSnsTopic
from constructs_lib.foundation.encryption_key import EncryptionKey
from constructs_lib.foundation.secure_bucket import SecureBucket

_SAGEMAKER = '($.eventSource = "sagemaker.amazonaws.com")'

#: SageMaker operations that start a job (botocore's SageMaker service model). A job that IAM
#: denies, typically because it asked for no VPC or another VPC than the platform's, is an alarm.
JOB_CREATING_OPERATIONS: tuple[str, ...] = (
    "CreateAutoMLJob",
    "CreateAutoMLJobV2",
    "CreateCompilationJob",
    "CreateHyperParameterTuningJob",
    "CreateInferenceRecommendationsJob",
    "CreateOptimizationJob",
    "CreateProcessingJob",
    "CreateTrainingJob",
    "CreateTransformJob",
)


def _any_event(*names: str) -> str:
    return "(" + " || ".join(f'($.eventName = "{name}")' for name in names) + ")"


@dataclass(frozen=True)
class SensitiveAction:
    """An API call recorded by CloudTrail that raises an alarm whenever it happens.

    :param name: the CloudWatch metric name and alarm id, e.g. ``ModelApprovalStatusChanged``
        (letters and digits, starting with a letter).
    :param description: what happened and why it matters (the alarm description).
    :param filter_pattern: a CloudWatch Logs JSON filter pattern over CloudTrail events, at most
        1,024 characters, e.g. ``{ ($.eventSource = "sagemaker.amazonaws.com") && ... }``.
    """

    name: str
    description: str
    filter_pattern: str


MODEL_APPROVAL_STATUS_CHANGED = SensitiveAction(
    "ModelApprovalStatusChanged",
    "A model package's approval status was changed (UpdateModelPackage with ModelApprovalStatus).",
    f'{{ {_SAGEMAKER} && ($.eventName = "UpdateModelPackage") && ($.requestParameters.modelApprovalStatus = "*") }}',
)
STUDIO_DOMAIN_CHANGED = SensitiveAction(
    "StudioDomainChanged",
    "A SageMaker Studio domain was created, updated or deleted.",
    f"{{ {_SAGEMAKER} && {_any_event('CreateDomain', 'UpdateDomain', 'DeleteDomain')} }}",
)
MODEL_PACKAGE_GROUP_DELETED = SensitiveAction(
    "ModelPackageGroupDeleted",
    "A model package group was deleted from the model registry (DeleteModelPackageGroup).",
    f'{{ {_SAGEMAKER} && ($.eventName = "DeleteModelPackageGroup") }}',
)
JOB_DENIED = SensitiveAction(
    "JobCreationDenied",
    "IAM denied the creation of a SageMaker job, e.g. one outside the platform's VPC.",
    f'{{ {_SAGEMAKER} && ($.errorCode = "AccessDenied*") && {_any_event(*JOB_CREATING_OPERATIONS)} }}',
)

#: The alarms every audit trail has unless told otherwise.
DEFAULT_SENSITIVE_ACTIONS: tuple[SensitiveAction, ...] = (
    MODEL_APPROVAL_STATUS_CHANGED,
    STUDIO_DOMAIN_CHANGED,
    MODEL_PACKAGE_GROUP_DELETED,
    JOB_DENIED,
)

_METRIC_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,63}$")
_TRAIL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$")
_MAX_DATA_RESOURCES = 250  # CloudTrail: values per event selector


class AuditTrail(Construct):
    """Defines a CloudTrail trail for the platform, with alarms on sensitive ML actions.

    The trail records every management event of the account in every region (SageMaker's
    included) and the S3 object-level (data) events of the platform's data and artifact buckets:
    who read or wrote which object. Log files go to a versioned, retained, KMS-encrypted bucket
    with log file integrity validation (always on), and to a KMS-encrypted CloudWatch Logs group
    with retention, where metric filters count the ``sensitive_actions`` and alarms notify an
    encrypted SNS topic.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data_buckets: Sequence[s3.IBucket] = (),
        encryption_key: kms.IKey | None = None,
        log_key: kms.IKey | None = None,
        alert_key: kms.IKey | None = None,
        bucket: s3.IBucket | None = None,
        server_access_logs_bucket: s3.IBucket | None = None,
        # None keeps log files in S3 Standard, so the default is a value; Duration is immutable.
        archive_after: Duration | None = durations.days(90),  # noqa: B008
        log_retention_days: int = 365,
        enable_file_validation: bool = True,
        multi_region: bool = True,
        sensitive_actions: Sequence[SensitiveAction] = DEFAULT_SENSITIVE_ACTIONS,
        alarm_topic: sns.ITopic | None = None,
        metric_namespace: str = "MLPlatform/Audit",
        trail_name: str | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param data_buckets: default none; buckets whose object reads and writes are recorded
            (S3 data events), typically the platform's data and artifact buckets (at most 250).
        :param encryption_key: default, a new ``EncryptionKey`` for audit logs. An ``EncryptionKey``
            or ``kms.Key`` gets the key-policy statements CloudTrail needs; an imported key must
            already allow ``cloudtrail.amazonaws.com`` (and CloudWatch Logs and, for a new alarm
            topic, ``cloudwatch.amazonaws.com``).
        :param log_key: default ``encryption_key``; the CloudWatch Logs group's key (a logs key, whose
            policy lets CloudWatch Logs encrypt).
        :param alert_key: default ``encryption_key``; the new alarm topic's key. An ``EncryptionKey``
            gets a statement letting this account's CloudWatch alarms use it; a key of your own must
            allow ``cloudwatch.amazonaws.com`` itself.
        :param bucket: default, a new ``SecureBucket`` encrypted with ``encryption_key``: versioned,
            TLS-only, retained, server access logs on. Log files are kept (no expiry).
        :param server_access_logs_bucket: default, a new ``AccessLogBucket`` beside the new bucket.
        :param archive_after: default 90 days; log files move to S3 Glacier Flexible Retrieval
            after this (``None``: stay in S3 Standard). Only for the new bucket.
        :param log_retention_days: default 365; retention of the CloudWatch Logs copy (a value
            CloudWatch Logs accepts). The S3 copy is kept.
        :param enable_file_validation: default True; log file integrity validation (signed digest
            files). It cannot be turned off: an audit trail must be tamper-evident.
        :param multi_region: default True; record events of every region of the account.
        :param sensitive_actions: default ``DEFAULT_SENSITIVE_ACTIONS`` (model approval status
            changes, Studio domain changes, model package group deletions, denied job creations);
            each gets a metric filter and an alarm.
        :param alarm_topic: default, a new SNS topic encrypted with ``encryption_key`` (TLS only).
        :param metric_namespace: default ``MLPlatform/Audit``; namespace of the metric filters.
        :param trail_name: default, generated by CloudFormation; with a name, the key policy pins
            CloudTrail to exactly this trail.
        :param removal_policy: default RETAIN for the bucket, key and log group; DESTROY deletes
            them with the stack (an explicit opt-in; the bucket is then emptied too).
        """
        super().__init__(scope, construct_id)
        problems = Problems(self, "AuditTrail")
        problems.check(
            enable_file_validation is True,
            "enable_file_validation",
            enable_file_validation,
            "must be True: without log file integrity validation, tampering with the audit trail goes unnoticed",
        )
        problems.check_log_retention_days("log_retention_days", log_retention_days)
        problems.check(
            len(data_buckets) <= _MAX_DATA_RESOURCES,
            "data_buckets (count)",
            len(data_buckets),
            f"must be at most {_MAX_DATA_RESOURCES} (CloudTrail's limit per event selector)",
        )
        problems.check_unique("sensitive_actions (names)", [a.name for a in sensitive_actions])
        for action in sensitive_actions:
            problems.check_pattern(
                "sensitive_actions.name",
                action.name,
                _METRIC_NAME,
                "must be 1-64 letters or digits, starting with a letter",
            )
            problems.check(
                0 < len(action.filter_pattern) <= 1024,
                f"sensitive_actions[{action.name}].filter_pattern",
                action.filter_pattern,
                "must be 1-1024 characters (CloudWatch Logs limit)",
            )
        problems.check_pattern(
            "metric_namespace",
            metric_namespace,
            METRIC_NAMESPACE_PATTERN,
            "must be 1-255 letters, digits or . _ / # : - and spaces",
        )
        problems.check(
            not metric_namespace.startswith("AWS/"),
            "metric_namespace",
            metric_namespace,
            "must not start with 'AWS/' (reserved for AWS services)",
        )
        if trail_name is not None:
            problems.check_pattern(
                "trail_name",
                trail_name,
                _TRAIL_NAME,
                "must be 3-128 letters, digits, '.', '_' or '-', starting and ending with a letter or digit",
            )
        if bucket is not None:
            problems.check(
                server_access_logs_bucket is None,
                "server_access_logs_bucket",
                "given",
                "only applies to the new bucket; configure the given bucket's logging itself",
            )
        problems.raise_if_any()

        if encryption_key is None:
            encryption_key = as_key(
                EncryptionKey(
                    self,
                    "Key",
                    description=f"{construct_path(self)}: audit logs",
                    service_principals=("cloudwatch.amazonaws.com",),
                    removal_policy=removal_policy,
                )
            )
        self.encryption_key: kms.IKey = encryption_key
        self._allow_cloudtrail(trail_name)
        self.log_key: kms.IKey = self.encryption_key if log_key is None else log_key

        destroy = removal_policy == RemovalPolicy.DESTROY
        self.bucket = bucket or SecureBucket(
            self,
            "Bucket",
            encryption_key=self.encryption_key,
            server_access_logs_bucket=server_access_logs_bucket,
            archive_after=archive_after,
            removal_policy=removal_policy,
            auto_delete_objects=destroy,
        )
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            retention=retention_days(log_retention_days),
            encryption_key=self.log_key,
            removal_policy=removal_policy,
        )
        # Our own role (permissions in a managed policy) instead of the L2's inline-policy role.
        logs_role = ManagedPolicyRole(
            self,
            "LogsRole",
            assumed_by=service_principal(self, "cloudtrail.amazonaws.com"),
            description="CloudTrail delivers the audit trail to its CloudWatch Logs group",
        )
        logs_role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[self.log_group.log_group_arn]
            )
        )

        self.trail = cloudtrail.Trail(
            self,
            "Resource",
            bucket=self.bucket,
            encryption_key=self.encryption_key,
            enable_file_validation=True,
            include_global_service_events=True,
            is_multi_region_trail=multi_region,
            management_events=cloudtrail.ReadWriteType.ALL,
            trail_name=trail_name,
        )
        pin_bucket_policy(self.bucket, source_arn=self.trail_arn_pattern(trail_name))  # the Trail's statements
        cfn_trail = cast(cloudtrail.CfnTrail, self.trail.node.default_child)
        cfn_trail.cloud_watch_logs_log_group_arn = self.log_group.log_group_arn
        cfn_trail.cloud_watch_logs_role_arn = logs_role.role_arn
        cfn_trail.node.add_dependency(permissions_policy(logs_role))
        if data_buckets:
            self.trail.add_s3_event_selector(
                [cloudtrail.S3EventSelector(bucket=b) for b in data_buckets],
                include_management_events=False,  # already recorded by the management selector
                read_write_type=cloudtrail.ReadWriteType.ALL,
            )

        if alarm_topic is None:
            allow_publisher(self, alert_key, "cloudwatch.amazonaws.com")
            new_topic = AlertTopicInPlaceOfSnsTopic(
                self,
                "AlarmTopic",
                display_name="ML platform audit alarms",
                encryption_key=self.encryption_key if alert_key is None else alert_key,
                publishers=(),  # CloudWatch's key statement above; the topic policy as before
            )
            alarm_topic = as_topic(new_topic)
        self.alarm_topic: sns.ITopic = alarm_topic
        self.metric_namespace = metric_namespace
        self._actions = {action.name: action for action in sensitive_actions}
        self.alarms: Mapping[str, cloudwatch.Alarm] = {
            action.name: self._alarm_on(action) for action in sensitive_actions
        }

    @property
    def trail_arn(self) -> str:
        return self.trail.trail_arn

    def metric(self, action_name: str, *, period: Duration | None = None) -> cloudwatch.Metric:
        """The count (sum) of ``action_name`` events, e.g. ``metric("ModelApprovalStatusChanged")``,
        per ``period`` (default 5 minutes)."""
        if action_name not in self._actions:
            raise invalid(self, "AuditTrail", "action_name", action_name, f"must be one of {sorted(self._actions)}")
        return cloudwatch.Metric(
            namespace=self.metric_namespace,
            metric_name=action_name,
            statistic="Sum",
            period=period or durations.minutes(5),
        )

    def metric_model_approval_changes(self) -> cloudwatch.Metric:
        return self.metric(MODEL_APPROVAL_STATUS_CHANGED.name)

    def metric_denied_job_creations(self) -> cloudwatch.Metric:
        return self.metric(JOB_DENIED.name)

    def grant_read_logs(self, grantee: iam.IGrantable) -> iam.Grant:
        """Read the log files in S3 (auditors): objects of the bucket and decryption."""
        grant = self.bucket.grant_read(grantee)
        self.encryption_key.grant_decrypt(grantee)
        return grant

    def _alarm_on(self, action: SensitiveAction) -> cloudwatch.Alarm:
        logs.MetricFilter(
            self,
            f"{action.name}Filter",
            log_group=self.log_group,
            filter_pattern=logs.FilterPattern.literal(action.filter_pattern),
            metric_namespace=self.metric_namespace,
            metric_name=action.name,
            metric_value="1",
        )
        alarm = cloudwatch.Alarm(
            self,
            f"{action.name}Alarm",
            alarm_description=action.description,
            metric=self.metric(action.name),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(as_alarm_action(cw_actions.SnsAction(self.alarm_topic)))
        return alarm

    def trail_arn_pattern(self, trail_name: str | None) -> str:
        """This trail's ARN, built (the trail depends on its bucket and key policies), or any trail of
        the account when its name is generated."""
        stack = stack_facts(self)
        return f"arn:{aws_partition()}:cloudtrail:{stack.region}:{stack.account}:trail/{trail_name or '*'}"

    def _allow_cloudtrail(self, trail_name: str | None) -> None:
        """Key policy for CloudTrail (docs: "Configure AWS KMS key policies for CloudTrail")."""
        stack = stack_facts(self)
        source = {"ArnLike": {"aws:SourceArn": self.trail_arn_pattern(trail_name)}}
        principal = service_principal(self, "cloudtrail.amazonaws.com")
        self.encryption_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudTrailToEncryptLogs",
                principals=as_principals([principal]),
                actions=list(KMS_CLOUDTRAIL_ENCRYPT),
                resources=["*"],  # in a key policy, "*" means this key
                conditions={
                    **source,
                    "StringLike": {
                        "kms:EncryptionContext:aws:cloudtrail:arn": (
                            f"arn:{aws_partition()}:cloudtrail:*:{stack.account}:trail/*"
                        )
                    },
                },
            )
        )
        self.encryption_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudTrailToDescribeKey",
                principals=as_principals([principal]),
                actions=list(KMS_DESCRIBE),
                resources=["*"],
                conditions=source,
            )
        )
