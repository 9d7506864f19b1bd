"""The environment's inference: a model and the endpoints that serve it (stateless)."""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, CfnCondition, CfnParameter, Fn, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
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
    ModelPackageSources,
    PrivateNetwork,
    RealtimeEndpoint,
    SecureBucket,
    ServerlessEndpoint,
    ServerlessVariant,
    TrafficRouting,
)
from constructs_lib._internal.nag import acknowledge
from constructs_lib.container_images import xgboost_image_uri
from constructs_lib._internal.roles import ManagedPolicyRole
from constructs_lib._internal.wildcards import acknowledge_statement_wildcards
from stacks.config import EnvironmentConfig, ServingConfig
from stacks.training_stack import MODEL_ARTIFACTS_PREFIX

#: The stack parameter ``DeployOnApproval`` updates: empty serves the configured image and artifact.
MODEL_PACKAGE_PARAMETER = "ModelPackageArn"


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
        owns_api_gateway_account_settings: bool = True,
        logs_key: EncryptionKey | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        sv = config.serving
        self._config, self._network, self._container = config, network, _container(sv, artifact_bucket)
        self._artifact_bucket = artifact_bucket
        self._vpc_model: Model | None = None
        self.models: list[Model] = []
        name = f"{config.project}-{config.name}"
        #: The endpoint's fixed name as a plain string, for other environments (``DeploymentTarget``).
        self.endpoint_physical_name = f"{name}-inference"
        #: Set (by ``DeployOnApproval``, or ``cdk deploy --parameters``) to serve a registered model
        #: package version; empty serves the configured image and artifact.
        self.model_package_parameter = CfnParameter(
            self, MODEL_PACKAGE_PARAMETER, type="String", default=sv.model_package_arn or "",
            allowed_pattern=r"^$|^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package/[a-zA-Z0-9-]{1,63}/\d+$",
            description="Model package version to serve (deploy on approval); empty: the configured image and artifact",
        )
        self.serves_model_package = CfnCondition(
            self, "ServesModelPackage",
            expression=Fn.condition_not(Fn.condition_equals(self.model_package_parameter.value_as_string, "")))

        self.endpoint: RealtimeEndpoint | ServerlessEndpoint
        if sv.endpoint == "serverless":
            # Serverless Inference supports neither VPC configuration nor network isolation.
            model = self._served(Model(self, "ServerlessModel", containers=[self._container], vpc=None,
                                       network_isolation=False))
            self.endpoint = ServerlessEndpoint(
                self, "Endpoint", endpoint_name=self.endpoint_physical_name,
                variant=ServerlessVariant(model=model, memory_size_mb=sv.serverless_memory_mb,
                                          max_concurrency=sv.serverless_max_concurrency),
            )
        else:
            self.endpoint = RealtimeEndpoint(
                self, "Endpoint", endpoint_name=self.endpoint_physical_name,
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
                self, "InferenceApi", endpoint=self.endpoint, log_key=logs_key or key,
                log_retention_days=config.log_retention_days, create_web_acl=sv.inference_api_waf,
                manage_account_cloudwatch_role=owns_api_gateway_account_settings,
                removal_policy=RemovalPolicy.DESTROY if config.storage.destroy_on_delete else RemovalPolicy.RETAIN,
            )

    @property
    def vpc_model(self) -> Model:
        """The model for instance endpoints: in the platform VPC, network-isolated."""
        if self._vpc_model is None:
            self._vpc_model = self._served(Model(self, "Model", containers=[self._container], vpc=self._network))
        return self._vpc_model

    def _served(self, model: Model) -> Model:
        """The model serves the ``ModelPackageArn`` parameter's package when it is set (``Fn::If``), and
        may read the artifacts the environment's training pipeline registers."""
        package = self.serves_model_package.logical_id
        no_value = Aws.NO_VALUE
        container = self._container
        assert container.image is not None and container.model_data is not None
        model.resource.add_property_override(
            "PrimaryContainer.ModelPackageName",
            Fn.condition_if(package, self.model_package_parameter.value_as_string, no_value))
        model.resource.add_property_override(
            "PrimaryContainer.Image", Fn.condition_if(package, no_value, container.image.image_uri))
        model.resource.add_property_override(
            "PrimaryContainer.ModelDataUrl", Fn.condition_if(package, no_value, container.model_data.s3_url))
        model.serve_model_packages(ModelPackageSources(
            model_data=[ModelData.from_bucket(self._artifact_bucket, MODEL_ARTIFACTS_PREFIX)],
            images=[ContainerImage.from_uri(xgboost_image_uri(self.region))]))
        acknowledge(model.resource, "ModelPackageName is only used when the ModelPackageArn parameter is set "
                                    "(condition ServesModelPackage); the validator checks the unused branch with "
                                    "the empty default.", "CloudFormation-Validate::F3033",
                    "CloudFormation-Validate::F3031")
        self.models.append(model)
        return model

    def allow_model_packages_from(self, source: EnvironmentConfig) -> None:
        """Let the served models read packages registered in ``source``'s registry (same account): its
        artifact bucket's model prefix and its platform key, found by name since environments are
        separate stages (no cross-stage references)."""
        stack = Stack.of(self)
        bucket_pattern = f"{source.project}-{source.name}-data-artifactbucket*"
        for model in self.models:
            sid = f"ReadModelPackagesOf{''.join(p.capitalize() for p in source.name.split('-'))}"
            model.role.add_to_principal_policy(iam.PolicyStatement(
                sid=sid,
                actions=["s3:GetObject"],
                resources=[f"arn:{Aws.PARTITION}:s3:::{bucket_pattern}/{MODEL_ARTIFACTS_PREFIX}*"],
                conditions={"StringEquals": {"s3:ResourceAccount": stack.account}},
            ))
            model.role.add_to_principal_policy(iam.PolicyStatement(
                sid=f"{sid}Key",
                actions=["kms:Decrypt"],
                resources=[stack.format_arn(service="kms", resource="key", resource_name="*")],
                conditions={"ForAnyValue:StringEquals": {"kms:ResourceAliases": f"alias/{source.project}/{source.name}"},
                            "StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}},
            ))
            assert isinstance(model.role, ManagedPolicyRole)
            policy = model.role.managed_policy
            acknowledge_statement_wildcards(
                policy, sid,
                f"Artifacts of packages registered in {source.name}: its artifact bucket (name generated by "
                f"CloudFormation in stack {source.project}-{source.name}-data, another stage) under the models "
                "prefix, in this account only.")
            acknowledge_statement_wildcards(
                policy, f"{sid}Key",
                f"The platform key of {source.name} (another stage), selected by its alias "
                f"alias/{source.project}/{source.name}, used only through S3.")


def _container(sv: ServingConfig, artifact_bucket: SecureBucket) -> ContainerDefinition:
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
