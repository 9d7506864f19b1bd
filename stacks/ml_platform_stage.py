"""One environment of the ML platform as a CDK Stage: its stacks, wired by typed properties."""

from __future__ import annotations

from aws_cdk import Environment, Stage, Tags
from constructs import Construct

from stacks.config import EnvironmentConfig
from stacks.data_stack import DataStack
from stacks.governance_stack import GovernanceStack
from stacks.network_stack import NetworkStack
from stacks.platform_stack import PlatformStack
from stacks.serving_stack import ServingStack
from stacks.training_stack import TrainingStack
from stacks.studio_stack import StudioStack


#: The source version recorded when the app's git commit is not known.
UNKNOWN_SOURCE_VERSION = "unknown"


class MlPlatformStage(Stage):
    """dev, staging or prod: stacks named ``<project>-<env>-<part>``, tagged for cost allocation.

    :param source_version: default ``unknown``; the app's git commit (``app.py`` reads it), recorded
        as lineage by the training pipelines (job tags and registered model metadata).
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig,
                 source_version: str = UNKNOWN_SOURCE_VERSION) -> None:
        super().__init__(scope, construct_id, env=Environment(account=config.account, region=config.region))
        self.config = config
        prefix = f"{config.project}-{config.name}"
        if config.account:
            # The configured zones answer the VPC's zone check, so an environment with a concrete
            # account (a pipeline target) synthesizes offline, without a context lookup.
            self.node.set_context(f"availability-zones:account={config.account}:region={config.region}",
                                  list(config.network.availability_zones))

        self.data = DataStack(self, "Data", config=config, stack_name=f"{prefix}-data",
                              description=f"{config.project} {config.name}: keys and buckets (stateful)")
        self.network = NetworkStack(self, "Network", config=config, key=self.data.key,
                                    stack_name=f"{prefix}-network",
                                    description=f"{config.project} {config.name}: VPC, endpoints, flow logs")
        self.network.add_stack_dependency(self.data, "flow logs are encrypted with the platform key")
        self.platform = PlatformStack(self, "Platform", config=config, key=self.data.key,
                                      access_logs=self.data.access_logs, stack_name=f"{prefix}-platform",
                                      description=f"{config.project} {config.name}: alerts, budget, MLflow, "
                                                  "Feature Store")
        self.platform.add_stack_dependency(self.data, "buckets, tracking server and feature group use the platform "
                                                      "key and access-log bucket")

        self.governance = GovernanceStack(
            self, "Governance", config=config, data_bucket=self.data.data_bucket,
            artifact_bucket=self.data.artifact_bucket, access_logs=self.data.access_logs,
            stack_name=f"{prefix}-governance",
            description=f"{config.project} {config.name}: audit trail, team access, labeling, model cards")
        self.governance.add_stack_dependency(self.data, "audits and shares the data and artifact buckets")
        self.serving = ServingStack(
            self, "Serving", config=config, artifact_bucket=self.data.artifact_bucket, data_bucket=self.data.data_bucket,
            key=self.data.key, network=self.network.network, stack_name=f"{prefix}-serving",
            description=f"{config.project} {config.name}: model, endpoints, autoscaling, inference API",
        )
        self.training = TrainingStack(self, "Training", config=config, key=self.data.key,
                                      data_bucket=self.data.data_bucket, artifact_bucket=self.data.artifact_bucket,
                                      network=self.network.network, source_version=source_version,
                                      stack_name=f"{prefix}-training",
                                      description=f"{config.project} {config.name}: model registry, job roles, "
                                                  "training and batch transform pipelines")
        self.studio = StudioStack(
            self, "Studio", config=config, network=self.network.network, key=self.data.key,
            buckets=[self.data.data_bucket, self.data.artifact_bucket], sharing_bucket=self.data.artifact_bucket,
            stack_name=f"{prefix}-studio",
            description=f"{config.project} {config.name}: SageMaker Studio domain, profiles, spaces, notebooks",
        )

        for key, value in config.tags.items():
            Tags.of(self).add(key, value)

    @property
    def stacks(self) -> list:
        return [self.data, self.network, self.platform, self.governance, self.studio, self.training, self.serving]
