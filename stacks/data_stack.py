"""Stateful foundation of an environment: the platform key and the data and artifact buckets."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from constructs import Construct

from constructs_lib import AccessLogBucket, EncryptionKey, SecureBucket
from stacks.config import EnvironmentConfig


class DataStack(Stack):
    """Keys and buckets. Retained on stack deletion unless the environment opts in to destroy."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        storage = config.storage
        removal = RemovalPolicy.DESTROY if storage.destroy_on_delete else RemovalPolicy.RETAIN

        self.key = EncryptionKey(
            self,
            "PlatformKey",
            description=f"{config.project} {config.name}: data, artifacts, logs and SageMaker volumes",
            alias=f"alias/{config.project}/{config.name}",
            removal_policy=removal,
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
