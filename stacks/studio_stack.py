"""The environment's SageMaker Studio domain, its profiles and spaces, and (where configured) a notebook instance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from constructs import Construct

from constructs_lib import EncryptionKey, IdleShutdown, NotebookInstance, NotebookSharing, PrivateNetwork, SecureBucket
from constructs_lib import StudioDomain
from stacks.config import EnvironmentConfig


class StudioStack(Stack):
    """Studio in the environment's private network, on its platform key and buckets."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        network: PrivateNetwork,
        key: EncryptionKey,
        buckets: Sequence[SecureBucket],
        logs_key: EncryptionKey | None = None,
        sharing_bucket: SecureBucket,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        studio = config.studio
        self.domain = StudioDomain.in_network(
            self,
            "Domain",
            network=network,
            domain_name=f"{config.project}-{config.name}",
            encryption_key=key,
            log_key=logs_key,
            buckets=buckets,
            require_network_isolation=studio.require_network_isolation,
            idle_shutdown=IdleShutdown(
                timeout=Duration.minutes(studio.idle_timeout_minutes),
                max_timeout=Duration.minutes(studio.max_idle_timeout_minutes),
            ),
            sharing=NotebookSharing(bucket=sharing_bucket),
            home_efs_removal=RemovalPolicy.DESTROY if studio.delete_home_efs_on_delete else RemovalPolicy.RETAIN,
            log_retention_days=config.log_retention_days,
        )
        for name in studio.user_profiles:
            self.domain.add_user_profile(name)
        for space, owner in studio.shared_spaces:
            self.domain.add_space(space, owner=owner)

        self.notebook: NotebookInstance | None = None
        if studio.notebook_instance_type is not None:
            self.notebook = NotebookInstance(
                self,
                "Notebook",
                subnet=network.private_subnets[0],
                security_groups=[network.workload_security_group],
                instance_type=studio.notebook_instance_type,
                encryption_key=key,
                buckets=buckets,
                idle_timeout=Duration.minutes(studio.notebook_idle_timeout_minutes),
                notebook_instance_name=f"{config.project}-{config.name}-notebook",
                removal_policy=RemovalPolicy.DESTROY if config.storage.destroy_on_delete else RemovalPolicy.RETAIN,
            )
