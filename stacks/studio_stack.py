"""The environment's SageMaker Studio domain, its profiles and spaces, and (where configured) a notebook instance."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from constructs import Construct

from constructs_lib import (
    EncryptionKey,
    IdleShutdown,
    INetwork,
    NotebookInstance,
    NotebookSharing,
    SecureBucket,
    StudioDomain,
    StudioExecutionRole,
)
from stacks.config import EnvironmentConfig

#: The data-bucket prefix Studio's default roles (domain and notebook) may write: their own work
#: and the outputs of the jobs they start. Everything else of both buckets is read-only to them.
SCRATCH_PREFIX = "scratch/"


class StudioStack(Stack):
    """Studio in the environment's private network, on its platform key and buckets.

    The default execution roles (domain and notebook) read the data and artifact buckets and write
    only ``scratch/`` of the data bucket (and the domain's notebook-sharing prefix): models, the
    pipeline code (``pipelines/training/code/``) and the monitoring baselines are written by the
    pipelines' job roles alone, and team prefixes by the team roles (``TeamAccess``). The jobs and
    models they create are named ``<project>-<env>-...`` (``StudioExecutionRole``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        network: INetwork,
        key: EncryptionKey,
        data_bucket: SecureBucket,
        artifact_bucket: SecureBucket,
        logs_key: EncryptionKey | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        studio = config.studio
        prefix = f"{config.project}-{config.name}"
        read_only = [data_bucket, artifact_bucket]
        self.domain = StudioDomain(
            self,
            "Domain",
            network=network,
            domain_name=prefix,
            name_prefix=prefix,
            encryption_key=key,
            read_only_buckets=read_only,
            log_key=logs_key,
            require_network_isolation=studio.require_network_isolation,
            idle_shutdown=IdleShutdown(
                timeout=Duration.minutes(studio.idle_timeout_minutes),
                max_timeout=Duration.minutes(studio.max_idle_timeout_minutes),
            ),
            sharing=NotebookSharing(bucket=artifact_bucket),
            home_efs_removal=RemovalPolicy.DESTROY if studio.delete_home_efs_on_delete else RemovalPolicy.RETAIN,
            log_retention_days=config.log_retention_days,
        )
        self._scratch(self.domain.default_execution_role, data_bucket)
        for name in studio.user_profiles:
            self.domain.add_user_profile(name)
        for space, owner in studio.shared_spaces:
            self.domain.add_space(space, owner=owner)

        self.notebook: NotebookInstance | None = None
        if studio.notebook_instance_type is not None:
            self.notebook = NotebookInstance(
                self,
                "Notebook",
                network=network,
                instance_type=studio.notebook_instance_type,
                encryption_key=key,
                read_only_buckets=read_only,
                name_prefix=prefix,
                idle_timeout=Duration.minutes(studio.notebook_idle_timeout_minutes),
                notebook_instance_name=f"{config.project}-{config.name}-notebook",
                removal_policy=RemovalPolicy.DESTROY if config.storage.destroy_on_delete else RemovalPolicy.RETAIN,
            )
            self._scratch(self.notebook.default_role, data_bucket)

    @staticmethod
    def _scratch(role: StudioExecutionRole | None, data_bucket: SecureBucket) -> None:
        if role is not None:
            role.grant_bucket(data_bucket, prefix=SCRATCH_PREFIX)
