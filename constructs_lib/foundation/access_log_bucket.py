"""``AccessLogBucket``: the destination of S3 server access logs (and other log deliveries)."""

from __future__ import annotations

from typing import cast

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_lib._core import durations
from constructs_lib._core.durations import in_days
from constructs_lib._core.logical_ids import keep_logical_ids
from constructs_lib._core.nag import acknowledge
from constructs_lib._core.s3_access import objects_arn
from constructs_lib._core.service_role import service_statement
from constructs_lib._core.stack_facts import path_of, remember_place
from constructs_lib._core.validation import Problems, is_unresolved


class AccessLogBucket(s3.Bucket):
    """An ``s3.Bucket`` that receives S3 server access logs: versioned, TLS-only, private, retained.

    S3 delivers server access logs only to buckets encrypted with SSE-S3 (SSE-KMS is not supported
    for the target bucket), so this bucket uses S3-managed keys; that is the one place the platform
    does not use a customer-managed key, and the nag acknowledgments say so.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        log_retention: Duration | None = None,
        # None means no archiving, so the default is a value; Duration is immutable.
        archive_after: Duration | None = durations.days(90),  # noqa: B008
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        auto_delete_objects: bool = False,
    ) -> None:
        """
        :param log_retention: default 365 days; logs (and their old versions) expire after this.
        :param archive_after: default 90 days; logs move to S3 Glacier Flexible Retrieval after this.
            ``None`` keeps them in S3 Standard.
        :param removal_policy: default RETAIN; DESTROY deletes the (empty) bucket with its stack.
        :param auto_delete_objects: default False; True (with DESTROY) empties the bucket on delete.
        """
        problems = Problems(path_of(scope, construct_id), "AccessLogBucket")
        log_retention = log_retention or durations.days(365)
        retention_days = in_days(log_retention)
        problems.check_range("log_retention (days)", retention_days, minimum=1, integer=True)
        if archive_after is not None:
            problems.check(
                is_unresolved(retention_days) or in_days(archive_after) < retention_days,
                "archive_after (days)",
                in_days(archive_after),
                f"must be shorter than log_retention ({retention_days:g} days)",
            )
        problems.check(
            not auto_delete_objects or removal_policy == RemovalPolicy.DESTROY,
            "auto_delete_objects",
            auto_delete_objects,
            "requires removal_policy=RemovalPolicy.DESTROY (deleting data is an explicit opt-in)",
        )
        problems.raise_if_any()

        transitions = (
            [s3.Transition(storage_class=s3.StorageClass.GLACIER, transition_after=archive_after)]
            if archive_after is not None
            else None
        )
        super().__init__(
            scope,
            construct_id,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=removal_policy,
            auto_delete_objects=auto_delete_objects,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-logs",
                    expiration=log_retention,
                    noncurrent_version_expiration=durations.days(30),
                    abort_incomplete_multipart_upload_after=durations.days(7),
                    transitions=transitions,
                )
            ],
        )
        remember_place(self, scope, construct_id)
        # Until 0.2 the bucket was the child "Resource" of this construct: its logical ID stays.
        keep_logical_ids(self)
        # S3 delivers server access logs as the logging service principal; allow it for source
        # buckets of this account only (works with ACLs disabled and without CDK feature flags).
        self.add_to_resource_policy(
            service_statement(
                self,
                sid="AllowS3ServerAccessLogDelivery",
                service="logging.s3.amazonaws.com",
                actions=["s3:PutObject"],
                resources=[objects_arn(self, "*")],
            )
        )
        bucket = cast(s3.CfnBucket, self.node.default_child)
        acknowledge(
            bucket,
            "This bucket is the server access log destination; logging it into itself would loop "
            "and S3 cannot log a log bucket elsewhere without another unlogged bucket.",
            "AwsSolutions-S1",
            "HIPAA.Security-S3BucketLoggingEnabled",
            "NIST.800.53.R5-S3BucketLoggingEnabled",
        )
        acknowledge(
            bucket,
            "S3 server access logging only delivers to SSE-S3 encrypted buckets; SSE-KMS is not "
            "supported on the target bucket.",
            "HIPAA.Security-S3DefaultEncryptionKMS",
            "NIST.800.53.R5-S3DefaultEncryptionKMS",
        )
        acknowledge(
            bucket,
            "Access logs are versioned, retained and expire by policy; cross-region replication of "
            "audit logs is left to the organisation's central log archive.",
            "HIPAA.Security-S3BucketReplicationEnabled",
            "NIST.800.53.R5-S3BucketReplicationEnabled",
        )
