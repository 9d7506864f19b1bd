"""Models beyond the reference one, packed into stacks that stay well under CloudFormation's limit.

CloudFormation refuses a stack of more than 500 resources. Each served model takes a handful of
resources (model, role and policy, endpoint configuration and endpoint, autoscaling), so one stack
for every model would break at some tens of models. ``place`` cuts ``ModelFleetConfig.models`` into
``<project>-<env>-models-<n>`` stacks of a FIXED number of slots, computed from the most resources
one model can take (``RESOURCES_PER_MODEL``, measured by a test) and the configured budget.

Placement is append-only: model ``i`` (counting retired entries) lives in stack ``i // slots``,
whatever comes after it, so adding a model never moves an existing one to another stack (which
would delete and re-create its endpoint under the same name). Remove a model by retiring it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Stack
from constructs import Construct

from constructs_lib import (
    AsyncEndpoint,
    AsyncScalingOptions,
    ContainerDefinition,
    ContainerImage,
    EncryptionKey,
    INetwork,
    InstanceVariant,
    Model,
    RealtimeEndpoint,
    SecureBucket,
    ServerlessEndpoint,
    ServerlessVariant,
)
from stacks.config import EnvironmentConfig, ModelFleetConfig, ServedModel
from stacks.serving_stack import model_artifact

#: Resources one served model adds to its stack, by endpoint kind (the most a configuration of
#: that kind can take: real-time with autoscaling). Measured: ``test_model_fleet_stack`` fails when
#: a construct change makes a model take more, so the slots per stack stay safe.
RESOURCES_PER_MODEL: dict[str, int] = {"realtime": 7, "serverless": 5, "async": 13}
#: Resources of a fleet stack that belong to no model (CDK metadata).
STACK_OVERHEAD = 1


def models_per_stack(fleet: ModelFleetConfig) -> int:
    """The fixed number of model slots of each fleet stack under ``fleet.max_resources_per_stack``."""
    return (fleet.max_resources_per_stack - STACK_OVERHEAD) // max(RESOURCES_PER_MODEL.values())


def place(fleet: ModelFleetConfig) -> list[tuple[ServedModel, ...]]:
    """The models of each fleet stack, in order: append-only slots (see the module's docstring)."""
    slots = models_per_stack(fleet)
    return [fleet.models[i : i + slots] for i in range(0, len(fleet.models), slots)]


class ModelFleetStack(Stack):
    """One stack of the environment's model fleet: each model on its own endpoint."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        models: Sequence[ServedModel],
        artifact_bucket: SecureBucket,
        data_bucket: SecureBucket,
        key: EncryptionKey,
        network: INetwork,
        **kwargs: Any,
    ) -> None:
        """
        :param models: this stack's slots (retired ones deploy nothing).
        :param artifact_bucket: where the models' artifacts are.
        :param data_bucket: async endpoints' requests and answers.
        :param key: encrypts the instances' volumes and the async notification topics.
        :param network: instance endpoints' models run in its private subnets, network-isolated.
        """
        super().__init__(scope, construct_id, **kwargs)
        prefix = f"{config.project}-{config.name}"
        self.endpoints: dict[str, RealtimeEndpoint | ServerlessEndpoint | AsyncEndpoint] = {}
        for served in models:
            if served.retired:
                continue
            scope_ = Construct(self, served.name)  # the model's ids depend on its name only
            container = ContainerDefinition(
                image=ContainerImage.from_uri(served.image_uri),
                model_data=model_artifact(
                    artifact_bucket,
                    served.model_data_key or f"models/{served.name}/model.tar.gz",
                    served.model_data_path,
                ),
            )
            name = f"{prefix}-{served.name}"
            if served.endpoint == "serverless":
                # Serverless Inference supports neither VPC configuration nor network isolation.
                model = Model(
                    scope_,
                    "Model",
                    containers=[container],
                    network=None,
                    network_isolation=False,
                    endpoint_names=[name],
                )
                self.endpoints[served.name] = ServerlessEndpoint(
                    scope_,
                    "Endpoint",
                    endpoint_name=name,
                    variant=ServerlessVariant(
                        model=model,
                        memory_size_mb=served.serverless_memory_mb,
                        max_concurrency=served.serverless_max_concurrency,
                    ),
                )
                continue
            model = Model(scope_, "Model", containers=[container], network=network, endpoint_names=[name])
            if served.endpoint == "async":
                self.endpoints[served.name] = AsyncEndpoint(
                    scope_,
                    "Endpoint",
                    endpoint_name=name,
                    variant=InstanceVariant(model=model, instance_type=served.instance_type, initial_instance_count=1),
                    scaling=AsyncScalingOptions(max_capacity=served.instance_count),
                    bucket=data_bucket,
                    input_prefix=f"async-inference/{served.name}/input",
                    output_prefix=f"async-inference/{served.name}/output",
                    failure_prefix=f"async-inference/{served.name}/failures",
                    notification_key=key,
                    volume_encryption_key=key,
                )
            else:
                realtime = RealtimeEndpoint(
                    scope_,
                    "Endpoint",
                    endpoint_name=name,
                    variants=[
                        InstanceVariant(
                            model=model,
                            instance_type=served.instance_type,
                            initial_instance_count=served.instance_count,
                        )
                    ],
                    volume_encryption_key=key,
                )
                if served.max_instance_count:
                    realtime.variant().auto_scale_instance_count(
                        min_capacity=served.instance_count, max_capacity=served.max_instance_count
                    )
                self.endpoints[served.name] = realtime
