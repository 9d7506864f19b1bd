"""Stateful foundation of an environment: its keys (data, logs) and the data and artifact buckets."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from constructs import Construct

from constructs_lib import AccessLogBucket, EncryptionKey, SecureBucket
from stacks.config import EnvironmentConfig


class DataStack(Stack):
    """Keys and buckets. Retained on stack deletion unless the environment opts in to destroy.

    One key per purpose, each usable only by the services of that purpose: ``key`` (logical id
    ``PlatformKey``, kept: it encrypts the data) for data, artifacts, Studio storage, job volumes and
    pipelines, used by roles only; ``logs_key`` for log groups (flow logs, functions, APIs), used by
    CloudWatch Logs. Alert topics have theirs (``PlatformStack``).
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        storage = config.storage
        removal = RemovalPolicy.DESTROY if storage.destroy_on_delete else RemovalPolicy.RETAIN

        self.key = EncryptionKey(
            self,
            "PlatformKey",
            description=f"{config.project} {config.name}: data, artifacts, Studio storage and SageMaker volumes",
            alias=f"alias/{config.project}/{config.name}",
            removal_policy=removal,
            allow_cloudwatch_logs=False,
            service_principals=(),
        )
        # Log groups encrypted with this key before the logs key existed keep their older events under it.
        self.key.allow_cloudwatch_logs_to_decrypt()
        self.logs_key = EncryptionKey(
            self,
            "LogsKey",
            description=f"{config.project} {config.name}: log groups (flow logs, functions, APIs)",
            alias=f"alias/{config.project}/{config.name}/logs",
            removal_policy=removal,
            service_principals=(),
        )
        self.access_logs = AccessLogBucket(
            self,
            "AccessLogs",
            log_retention=Duration.days(storage.access_log_retention_days),
            archive_after=Duration.days(min(90, storage.access_log_retention_days - 1))
            if storage.access_log_retention_days > 1
            else None,
            removal_policy=removal,
            auto_delete_objects=storage.destroy_on_delete,
        )
        common = dict(
            encryption_key=self.key,
            server_access_logs_bucket=self.access_logs,
            noncurrent_version_expiration=Duration.days(storage.noncurrent_version_expiration_days),
            removal_policy=removal,
            auto_delete_objects=storage.destroy_on_delete,
        )
        self.data_bucket = SecureBucket(self, "DataBucket", **common)
        self.artifact_bucket = SecureBucket(
            self,
            "ArtifactBucket",
            archive_after=Duration.days(storage.artifact_archive_after_days),
            **common,
        )
