"""The environment's inference: a model and the endpoints that serve it (stateless)."""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy, Stack
from constructs import Construct

from constructs_lib import (
    AsyncEndpoint,
    AutoScalingOptions,
    CapacitySize,
    ContainerDefinition,
    ContainerImage,
    DataCaptureOptions,
    DeploymentGuardrails,
    EncryptionKey,
    InferenceApi,
    InstanceVariant,
    Model,
    ModelData,
    PrivateNetwork,
    RealtimeEndpoint,
    SecureBucket,
    ServerlessEndpoint,
    ServerlessVariant,
    TrafficRouting,
)
from stacks.config import EnvironmentConfig, ServingConfig


class ServingStack(Stack):
    """dev: a serverless endpoint; staging and prod: real-time endpoints (prod autoscaled, with canary
    deployments that roll back on alarms), an asynchronous endpoint and an API front door as configured."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        artifact_bucket: SecureBucket,
        data_bucket: SecureBucket,
        key: EncryptionKey,
        network: PrivateNetwork,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        sv = config.serving
        self._config, self._network, self._container = config, network, _container(sv, artifact_bucket)
        self._vpc_model: Model | None = None
        name = f"{config.project}-{config.name}"

        self.endpoint: RealtimeEndpoint | ServerlessEndpoint
        if sv.endpoint == "serverless":
            # Serverless Inference supports neither VPC configuration nor network isolation.
            model = Model(self, "ServerlessModel", containers=[self._container], vpc=None, network_isolation=False)
            self.endpoint = ServerlessEndpoint(
                self, "Endpoint", endpoint_name=f"{name}-inference",
                variant=ServerlessVariant(model=model, memory_size_mb=sv.serverless_memory_mb,
                                          max_concurrency=sv.serverless_max_concurrency),
            )
        else:
            self.endpoint = RealtimeEndpoint(
                self, "Endpoint", endpoint_name=f"{name}-inference",
                variants=[InstanceVariant(
                    model=self.vpc_model, instance_type=sv.instance_type, initial_instance_count=sv.instance_count,
                    autoscaling=AutoScalingOptions(min_capacity=sv.instance_count, max_capacity=sv.max_instance_count)
                    if sv.max_instance_count
                    else None,
                )],
                deployment=_guardrails(sv),
                data_capture=DataCaptureOptions(bucket=data_bucket, sampling_percentage=sv.data_capture_percentage)
                if sv.data_capture_percentage is not None
                else None,
                volume_encryption_key=key,
            )

        self.async_endpoint: AsyncEndpoint | None = None
        if sv.async_endpoint:
            self.async_endpoint = AsyncEndpoint(
                self, "AsyncEndpoint", endpoint_name=f"{name}-async",
                variant=InstanceVariant(model=self.vpc_model, instance_type=sv.instance_type, initial_instance_count=1),
                bucket=data_bucket, notification_key=key, volume_encryption_key=key,
            )

        self.inference_api: InferenceApi | None = None
        if sv.inference_api:
            self.inference_api = InferenceApi(
                self, "InferenceApi", endpoint=self.endpoint, log_key=key,
                log_retention_days=config.log_retention_days, create_web_acl=sv.inference_api_waf,
                removal_policy=RemovalPolicy.DESTROY if config.storage.destroy_on_delete else RemovalPolicy.RETAIN,
            )

    @property
    def vpc_model(self) -> Model:
        """The model for instance endpoints: in the platform VPC, network-isolated."""
        if self._vpc_model is None:
            self._vpc_model = Model(self, "Model", containers=[self._container], vpc=self._network)
        return self._vpc_model


def _container(sv: ServingConfig, artifact_bucket: SecureBucket) -> ContainerDefinition:
    if sv.model_package_arn:
        return ContainerDefinition(model_package_arn=sv.model_package_arn)
    return ContainerDefinition(
        image=ContainerImage.from_uri(sv.image_uri), model_data=ModelData.from_bucket(artifact_bucket, sv.model_data_key)
    )


def _guardrails(sv: ServingConfig) -> DeploymentGuardrails | None:
    if sv.traffic_shifting is None:
        return None
    routing = TrafficRouting(sv.traffic_shifting)
    if routing == TrafficRouting.CANARY:
        return DeploymentGuardrails.canary(CapacitySize.instances(1))
    if routing == TrafficRouting.LINEAR:
        return DeploymentGuardrails.linear(CapacitySize.percent(50))
    return DeploymentGuardrails.all_at_once()
