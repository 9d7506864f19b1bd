"""One environment of the ML platform as a CDK Stage: its stacks, wired by typed properties."""

from __future__ import annotations

from aws_cdk import Environment, Stage, Tags
from constructs import Construct

from stacks.config import EnvironmentConfig
from stacks.data_stack import DataStack
from stacks.network_stack import NetworkStack
from stacks.studio_stack import StudioStack


class MlPlatformStage(Stage):
    """dev, staging or prod: stacks named ``<project>-<env>-<part>``, tagged for cost allocation."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, construct_id, env=Environment(account=config.account, region=config.region))
        self.config = config
        prefix = f"{config.project}-{config.name}"

        self.data = DataStack(self, "Data", config=config, stack_name=f"{prefix}-data",
                              description=f"{config.project} {config.name}: keys and buckets (stateful)")
        self.network = NetworkStack(self, "Network", config=config, key=self.data.key,
                                    stack_name=f"{prefix}-network",
                                    description=f"{config.project} {config.name}: VPC, endpoints, flow logs")
        self.network.add_stack_dependency(self.data, "flow logs are encrypted with the platform key")
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
        return [self.data, self.network, self.studio]
