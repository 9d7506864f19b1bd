"""The environment's inference: a model and the endpoints that serve it (stateless)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import (
    Annotations,
    Aws,
    CfnCondition,
    CfnOutput,
    CfnParameter,
    Duration,
    Fn,
    IStableStringProducer,
    Lazy,
    NestedStack,
    RemovalPolicy,
    Stack,
    Token,
)
from constructs import Construct

from constructs_lib import (
    NO_MODEL_PACKAGE,
    SERVED_MODEL_PACKAGE_OUTPUT,
    AlgorithmImage,
    AsyncEndpoint,
    CapacitySize,
    ComputeReservation,
    ContainerDefinition,
    ContainerImage,
    DataCaptureOptions,
    DeploymentGuardrails,
    EncryptionKey,
    IdleCapacity,
    IdleOptions,
    INetwork,
    InferenceApi,
    InferenceComponent,
    InferenceComponentEndpoint,
    InstanceVariant,
    Model,
    ModelData,
    ModelPackageSources,
    RealtimeEndpoint,
    SecureBucket,
    ServedModelPackage,
    ServerlessEndpoint,
    ServerlessVariant,
    TrafficRouting,
    acknowledge,
)
from stacks.config import EnvironmentConfig, ServingConfig
from stacks.other_stage import grant_read_of_stage
from stacks.training_stack import MODEL_ARTIFACTS_PREFIX

#: The stack parameter ``DeployOnApproval`` sets: empty keeps the served package (``ServedModelPackage``).
MODEL_PACKAGE_PARAMETER = "ModelPackageArn"


class ServingStack(Stack):
    """dev: an inference component that scales to zero copies and instances when idle and out of
    hours; staging and prod: real-time endpoints (prod autoscaled, with canary deployments that roll
    back on alarms), an asynchronous endpoint (prod: canary too) and an API front door as configured."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        artifact_bucket: SecureBucket,
        data_bucket: SecureBucket,
        key: EncryptionKey,
        network: INetwork,
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
        #: A component endpoint has a name of its own: replacing an endpoint of another kind creates the new
        #: one before deleting the old, which one fixed name would make fail.
        self.endpoint_physical_name = f"{name}-components" if sv.endpoint == "components" else f"{name}-inference"
        self.async_endpoint_physical_name = f"{name}-async"
        #: The package a deploy asks for: ``DeployOnApproval`` sets it (or ``cdk deploy --parameters``);
        #: empty (the default, what CDK Pipelines deploys) keeps the package the stack serves, ``none``
        #: goes back to the configured image and artifact. ``ServedModelPackage`` keeps the record.
        self._package_group = f"{config.project}-{config.name}-{config.training.model_name}"
        self._package_source: str | None = None
        group_pattern = Lazy.string(_Produce(lambda: self._package_group.lower()))
        self.model_package_parameter = CfnParameter(
            self,
            MODEL_PACKAGE_PARAMETER,
            type="String",
            default="",
            allowed_pattern=f"^$|^{NO_MODEL_PACKAGE}$|^{_package_arn_pattern(self, group_pattern)}$",
            description="Model package version to serve (deploy on approval): empty keeps the served one, "
            f"'{NO_MODEL_PACKAGE}' serves the configured image and artifact",
        )
        self.served_model_package = ServedModelPackage(
            self,
            "ServedModelPackage",
            requested=self.model_package_parameter.value_as_string,
            model_package_group_name=Lazy.string(_Produce(lambda: self._package_group)),
            initial_model_package_arn=sv.model_package_arn,
            network=network,
            encryption_key=key,
            log_retention_days=config.log_retention_days,
            log_key=logs_key,
        )
        CfnOutput(
            self,
            SERVED_MODEL_PACKAGE_OUTPUT,
            value=self.served_model_package.model_package_arn,
            description="The model package version the endpoints serve, or 'none'",
        )
        #: The models, in a nested stack whose parameter is the served package: CloudFormation
        #: conditions read only parameters, and the record is a custom resource's attribute.
        self.model_stack = NestedStack(
            self,
            "ServedModel",
            description=f"{config.project} {config.name}: the served models",
            parameters={MODEL_PACKAGE_PARAMETER: self.served_model_package.model_package_arn},
        )
        self.served_package = CfnParameter(
            self.model_stack,
            MODEL_PACKAGE_PARAMETER,
            type="String",
            allowed_pattern=f"^{NO_MODEL_PACKAGE}$|^{_package_arn_pattern(self, group_pattern)}$",
            description="The model package version the models serve, or 'none' (the configured image and artifact)",
        )
        self.serves_model_package = CfnCondition(
            self.model_stack,
            "ServesModelPackage",
            expression=Fn.condition_not(Fn.condition_equals(self.served_package.value_as_string, NO_MODEL_PACKAGE)),
        )

        self.endpoint: RealtimeEndpoint | ServerlessEndpoint | InferenceComponentEndpoint
        #: The served model's component (``serving.endpoint == "components"``), else None.
        self.component: InferenceComponent | None = None
        if sv.endpoint == "components":
            self.endpoint = self._components(key)
        elif sv.endpoint == "serverless":
            # Serverless Inference supports neither VPC configuration nor network isolation.
            model = self._served(
                Model(
                    self.model_stack,
                    "ServerlessModel",
                    containers=[self._container],
                    network=None,
                    network_isolation=False,
                    endpoint_names=[self.endpoint_physical_name],
                )
            )
            self.endpoint = ServerlessEndpoint(
                self,
                "Endpoint",
                endpoint_name=self.endpoint_physical_name,
                variant=ServerlessVariant(
                    model=model, memory_size_mb=sv.serverless_memory_mb, max_concurrency=sv.serverless_max_concurrency
                ),
            )
        else:
            self.endpoint = RealtimeEndpoint(
                self,
                "Endpoint",
                endpoint_name=self.endpoint_physical_name,
                variants=[
                    InstanceVariant(
                        model=self.vpc_model, instance_type=sv.instance_type, initial_instance_count=sv.instance_count
                    )
                ],
                deployment=_guardrails(sv.traffic_shifting, CapacitySize.instances(1)),
                data_capture=DataCaptureOptions(bucket=data_bucket, sampling_percentage=sv.data_capture_percentage)
                if sv.data_capture_percentage is not None
                else None,
                volume_encryption_key=key,
            )
            if sv.max_instance_count:
                self.endpoint.variant().auto_scale_instance_count(
                    min_capacity=sv.instance_count, max_capacity=sv.max_instance_count
                )

        self.async_endpoint: AsyncEndpoint | None = None
        if sv.async_endpoint:
            self.async_endpoint = AsyncEndpoint(
                self,
                "AsyncEndpoint",
                endpoint_name=self.async_endpoint_physical_name,
                variant=InstanceVariant(model=self.vpc_model, instance_type=sv.instance_type, initial_instance_count=1),
                bucket=data_bucket,
                notification_key=key,
                volume_encryption_key=key,
                deployment=_guardrails(sv.async_traffic_shifting, CapacitySize.percent(50)),
            )
            self._manage_capacity("Async", self.async_endpoint)

        self.inference_api: InferenceApi | None = None
        if sv.inference_api:
            self.inference_api = InferenceApi(
                self,
                "InferenceApi",
                endpoint=self.endpoint,
                log_key=logs_key or key,
                log_retention_days=config.log_retention_days,
                create_web_acl=sv.inference_api_waf,
                manage_account_cloudwatch_role=owns_api_gateway_account_settings,
                removal_policy=RemovalPolicy.DESTROY if config.storage.destroy_on_delete else RemovalPolicy.RETAIN,
            )

    def _components(self, key: EncryptionKey) -> InferenceComponentEndpoint:
        """The model as an inference component on instances SageMaker manages: 0 to ``component_max_copies``
        copies (scaled out from zero by the first request), 0 instances while no copy runs."""
        sv = self._config.serving
        endpoint = InferenceComponentEndpoint(
            self,
            "ComponentEndpoint",
            endpoint_name=self.endpoint_physical_name,
            instance_type=sv.instance_type,
            min_instance_count=0,
            max_instance_count=sv.max_instance_count or sv.instance_count,
            volume_encryption_key=key,
        )
        self.component = endpoint.add_component(
            "Model",
            model=self.vpc_model,
            reservation=ComputeReservation(memory_mb=sv.component_memory_mb, cpu_cores=sv.component_cpu_cores),
        )
        self._manage_capacity("Model", self.component)
        return endpoint

    def _manage_capacity(self, name: str, capacity: InferenceComponent | AsyncEndpoint) -> None:
        """The environment's ``capacity``: working hours on the capacity's scalable target (the component's
        copies, autoscaled here from 0 to ``component_max_copies``; the async endpoint's backlog
        scaling) and an idle alarm that, opted in, scales it to its minimum."""
        cap, sv = self._config.capacity, self._config.serving
        if isinstance(capacity, InferenceComponent):
            capacity.auto_scale_copy_count(min_copies=0, max_copies=sv.component_max_copies, working_hours=cap.schedule)
        elif capacity.scalable_target is not None and cap.schedule is not None:
            scaling = capacity.scaling
            assert scaling is not None
            cap.schedule.apply(
                capacity.scalable_target, min_capacity=scaling.min_capacity, max_capacity=scaling.max_capacity
            )
        if cap.idle_alarm_minutes is None:
            return
        options = IdleOptions(
            idle_for=Duration.minutes(cap.idle_alarm_minutes), scale_to_minimum=cap.scale_in_when_idle
        )
        if isinstance(capacity, InferenceComponent):
            IdleCapacity.for_component(self, f"{name}Idle", capacity, **options)
        else:
            IdleCapacity.for_async_endpoint(self, f"{name}Idle", capacity, **options)

    @property
    def vpc_model(self) -> Model:
        """The model for instance endpoints: in the platform VPC, network-isolated."""
        if self._vpc_model is None:
            # Its endpoints' log groups only: environments that share an account write none of each other's.
            served_by = [
                self.endpoint_physical_name,
                *([self.async_endpoint_physical_name] if self._config.serving.async_endpoint else []),
            ]
            self._vpc_model = self._served(
                Model(
                    self.model_stack,
                    "Model",
                    containers=[self._container],
                    network=self._network,
                    endpoint_names=served_by,
                )
            )
        return self._vpc_model

    def _served(self, model: Model) -> Model:
        """The model serves the ``ModelPackageArn`` parameter's package when it is set (``Fn::If``), and
        may read the artifacts the environment's training pipeline registers."""
        package = self.serves_model_package.logical_id
        no_value = Aws.NO_VALUE
        container = self._container
        assert container.image is not None and container.model_data is not None
        model.resource.add_property_override(
            "PrimaryContainer.ModelPackageName", Fn.condition_if(package, self.served_package.value_as_string, no_value)
        )
        model.resource.add_property_override(
            "PrimaryContainer.Image", Fn.condition_if(package, no_value, container.image.bind(model))
        )
        model.resource.add_property_override(
            "PrimaryContainer.ModelDataUrl", Fn.condition_if(package, no_value, container.model_data.s3_url)
        )
        model.serve_model_packages(
            ModelPackageSources(
                model_data=[ModelData.from_bucket(self._artifact_bucket, MODEL_ARTIFACTS_PREFIX)],
                images=[AlgorithmImage.xgboost()],
            )
        )
        acknowledge(
            model.resource,
            "ModelPackageName is only used when a package is served "
            "(condition ServesModelPackage); the validator checks the unused branch with "
            "the empty default.",
            "CloudFormation-Validate::F3033",
            "CloudFormation-Validate::F3031",
        )
        self.models.append(model)
        return model

    def allow_model_packages_from(self, source: EnvironmentConfig) -> None:
        """Serve packages of ``source``'s registry (same account) instead of this environment's: only its
        group's versions are accepted, and the served models may read them: its
        artifact bucket's model prefix and its platform key, found by name since environments are
        separate stages (no cross-stage references)."""
        group = f"{source.project}-{source.name}-{source.training.model_name}"
        if self._package_source not in (None, source.name):
            Annotations.of(self).add_error(
                f"ServingStack: packages of {self._package_source!r} and {source.name!r} both roll out here "
                "(monitoring.deploy_to); a serving stack serves one registry group: keep it in one deploy_to."
            )
        self._package_source, self._package_group = source.name, group
        for model in self.models:
            grant_read_of_stage(
                self,
                model.role,
                source,
                sid_prefix="ReadModelPackagesOf",
                prefix=MODEL_ARTIFACTS_PREFIX,
                what="Artifacts of packages",
                under="the models prefix",
            )


#: Where local model artifacts of the configuration are found (``model_data_path``): the app's directory.
APP_DIRECTORY = Path(__file__).resolve().parents[1]


def model_artifact(bucket: SecureBucket, key: str | None, path: str | None) -> ModelData:
    """A configured model's artifact: a local file or folder that ``cdk deploy`` uploads (``path``,
    relative to the app's directory), or ``key`` in the environment's artifact bucket (the
    configuration gives one of them)."""
    if path is not None:
        return ModelData.from_asset(str(APP_DIRECTORY / path))
    assert key is not None, "the configuration gives a key or a path"  # ServingConfig/ServedModel.validate
    return ModelData.from_bucket(bucket, key)


def _container(sv: ServingConfig, artifact_bucket: SecureBucket) -> ContainerDefinition:
    return ContainerDefinition(
        image=ContainerImage.from_uri(sv.image_uri),
        model_data=model_artifact(artifact_bucket, sv.model_data_key, sv.model_data_path),
    )


def _guardrails(shifting: str | None, canary: CapacitySize) -> DeploymentGuardrails | None:
    """``serving.traffic_shifting`` or ``async_traffic_shifting`` as guardrails; ``canary``: the first batch
    (an instance of the real-time fleet, a share of the asynchronous one, which may scale to zero)."""
    if shifting is None:
        return None
    routing = TrafficRouting(shifting)
    if routing == TrafficRouting.CANARY:
        return DeploymentGuardrails.canary(canary)
    if routing == TrafficRouting.LINEAR:
        return DeploymentGuardrails.linear(CapacitySize.percent(50))
    return DeploymentGuardrails.all_at_once()


@jsii.implements(IStableStringProducer)
class _Produce:
    """A string known once ``connect_deployments`` has run (which registry feeds this stack)."""

    def __init__(self, produce: Callable[[], str]) -> None:
        self._produce = produce

    def produce(self) -> str:
        return self._produce()


def _package_arn_pattern(stack: Stack, group_pattern: str) -> str:
    """A version of the group in the stack's account and region (any, where the stack is env-agnostic:
    ``ServedModelPackage`` then checks the exact account and region)."""
    region, account = stack.region, stack.account
    region = region if not Token.is_unresolved(region) else "[a-z0-9-]+"
    account = account if not Token.is_unresolved(account) else "[0-9]{12}"
    return f"arn:aws[a-z-]*:sagemaker:{region}:{account}:model-package/{group_pattern}/[1-9][0-9]{{0,8}}"
