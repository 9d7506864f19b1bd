"""Inference components: one endpoint hosting several models, each with its own compute reservation,
copies and autoscaling, down to zero copies (and zero instances) when idle.

``InferenceComponentEndpoint`` is the endpoint: one variant on instances, without a model, whose
instance count SageMaker manages (``ManagedInstanceScaling``) within bounds as components add and
remove copies. ``InferenceComponent`` (``AWS::SageMaker::InferenceComponent``) is one model on it:
a ``ComputeReservation`` per copy, a copy count, ``auto_scale_copy_count`` (target tracking on
invocations per copy, and with ``min_copies=0`` the scale-out-from-zero alarm and step policy AWS
documents), rolling updates with rollback alarms, ``grant_invoke`` and ``metric_*``.

Replacement: no property of ``AWS::SageMaker::InferenceComponent`` is create-only (CloudFormation's
schema), so a new model, reservation or copy count updates the component in place; the endpoint
and its configuration do not change when components change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from aws_cdk import Duration, IResource, Names, Resource
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from constructs_lib._core import durations
from constructs_lib._core.durations import in_milliseconds, in_seconds
from constructs_lib._core.endpoint_logs import grant_endpoint_logs_and_metrics
from constructs_lib._core.jsii_types import as_alarm_action
from constructs_lib._core.nag import acknowledge
from constructs_lib._core.service_model import check_shape, resolve
from constructs_lib._core.service_role import service_role
from constructs_lib._core.stack_facts import construct_path, stack_of
from constructs_lib._core.validation import Problems, given, is_unresolved, whole
from constructs_lib.foundation.network import INetwork
from constructs_lib.inference import _endpoints as ep
from constructs_lib.inference import _guardrails as guardrails
from constructs_lib.inference.cost_summary import AlwaysOnCapacity
from constructs_lib.inference.endpoint import (
    SAGEMAKER_NAMESPACE,
    DefinedEndpoint,
    ProductionVariant,
    endpoint_metric,
)
from constructs_lib.inference.endpoint_options import InstanceType, ScheduledScaling, as_instance_type
from constructs_lib.inference.instance_capacity import INSTANCE_CAPACITY, INSTANCE_CAPACITY_SOURCE, InstanceCapacity
from constructs_lib.inference.model import ContainerDefinition, IModel, Model

if TYPE_CHECKING:
    from constructs_lib.inference.schedules import WorkingHours

#: The public names (the others serve the library's own modules).
__all__ = [
    "ComponentRollingUpdate",
    "ComponentScaling",
    "ComputeReservation",
    "CopyBatch",
    "CopyBatchUnit",
    "IInferenceComponent",
    "InferenceComponent",
    "InferenceComponentEndpoint",
    "RoutingStrategy",
]

#: Application Auto Scaling's dimension for a component's copies.
COPY_COUNT_DIMENSION = "sagemaker:inference-component:DesiredCopyCount"
#: Utilization metrics of a component's copies (CPU, memory, GPU, normalized to the reservation).
COMPONENT_INSTANCE_NAMESPACE = "/aws/sagemaker/InferenceComponents"
_INVOKE = ("sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream")
_SPEC = "CreateInferenceComponentInput.Specification"
_RESOURCES = f"{_SPEC}.ComputeResourceRequirements"
_CREATE = "CreateInferenceComponentInput"
_UPDATE = "UpdateInferenceComponentInput.DeploymentConfig.RollingUpdatePolicy"
_SCALING = "CreateEndpointConfigInput.ProductionVariants.member.ManagedInstanceScaling"
# Shares of a component's copies a rolling batch may take (percent, inclusive; botocore's documentation).
_BATCH_PERCENT = (5, 50)


class RoutingStrategy(StrEnum):
    """How the endpoint routes requests among the instances that host a component's copies."""

    #: To the instances with the most capacity left (SageMaker's default).
    LEAST_OUTSTANDING_REQUESTS = "LEAST_OUTSTANDING_REQUESTS"
    #: To a random instance.
    RANDOM = "RANDOM"


@dataclass(frozen=True)
class ComputeReservation:
    """What each copy of a component reserves on an instance (``ComputeResourceRequirements``).

    :param memory_mb: the memory a copy needs, MiB (at least 128).
    :param cpu_cores: default none; CPU cores per copy (at least 0.25), counted against the
        instance's vCPUs.
    :param accelerators: default none; GPUs per copy (at least 1; GPU instance types only).
    :param max_memory_mb: default none; the most memory a copy may use (at least ``memory_mb``).
    """

    memory_mb: int
    cpu_cores: float | None = None
    accelerators: int | None = None
    max_memory_mb: int | None = None


class CopyBatchUnit(StrEnum):
    COPY_COUNT = "COPY_COUNT"
    CAPACITY_PERCENT = "CAPACITY_PERCENT"


@dataclass(frozen=True)
class CopyBatch:
    """A batch of a component's copies in a rolling update: ``CopyBatch.copies(1)`` or ``CopyBatch.percent(20)``."""

    value: int
    unit: CopyBatchUnit = CopyBatchUnit.COPY_COUNT

    @staticmethod
    def copies(count: int) -> CopyBatch:
        return CopyBatch(count, CopyBatchUnit.COPY_COUNT)

    @staticmethod
    def percent(share: int) -> CopyBatch:
        return CopyBatch(share, CopyBatchUnit.CAPACITY_PERCENT)


@dataclass(frozen=True)
class ComponentRollingUpdate:
    """How a component's updates roll out (``DeploymentConfig.RollingUpdatePolicy``), and the alarms
    that roll them back.

    :param maximum_batch: default one copy; copies replaced per step (a percentage: 5 to 50).
    :param wait_interval: default 5 minutes; baking time per step with the alarms watching (0 to 3600 s).
    :param maximum_execution_timeout: default, SageMaker's; 600 to 28800 s.
    :param rollback_maximum_batch: default, all copies at once.
    :param alarms: default none; your own rollback alarms, added to the default ones.
    :param default_alarms: default True; the component's 5XX error-rate and p99 latency alarms.
    :param max_error_rate: default 0.01; the 5XX alarm's threshold (average of Invocation5XXErrors).
    :param max_model_latency: default 1 s; the latency alarm's threshold (p99 of ModelLatency).
    """

    maximum_batch: CopyBatch = field(default_factory=lambda: CopyBatch.copies(1))
    wait_interval: Duration = field(default_factory=lambda: durations.minutes(5))
    maximum_execution_timeout: Duration | None = None
    rollback_maximum_batch: CopyBatch | None = None
    alarms: Sequence[cloudwatch.IAlarm] = ()
    default_alarms: bool = True
    max_error_rate: float = 0.01
    max_model_latency: Duration = field(default_factory=lambda: durations.seconds(1))


@dataclass(frozen=True)
class ComponentScaling:
    """What ``InferenceComponent.auto_scale_copy_count`` received (see its parameters)."""

    max_copies: int
    min_copies: int = 1
    target_invocations_per_copy: float = 100.0
    scale_in_cooldown: Duration = field(default_factory=lambda: durations.minutes(5))
    scale_out_cooldown: Duration = field(default_factory=lambda: durations.minutes(1))
    scale_out_from_zero: bool = True
    schedules: Sequence[ScheduledScaling] = ()


# --- the endpoint ------------------------------------------------------------------------------------


class InferenceComponentEndpoint(DefinedEndpoint):
    """Defines an endpoint for inference components: one variant of ``instance_type`` instances
    without a model, whose count SageMaker manages between ``min_instance_count`` and
    ``max_instance_count`` as the components' copies need (``ManagedInstanceScaling``). With
    ``min_instance_count=0`` it releases every instance once no component has a copy.

    Add models with ``endpoint.add_component(id, model=..., reservation=...)``. The endpoint
    configuration has the ``ExecutionRoleArn`` AWS requires for components (a role that may write
    the endpoint's logs and metrics); each component's model runs with its own role.
    """

    invoke_actions: ClassVar[tuple[str, ...]] = _INVOKE

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        instance_type: InstanceType | str,
        max_instance_count: int,
        min_instance_count: int = 1,
        initial_instance_count: int = 1,
        routing: RoutingStrategy = RoutingStrategy.LEAST_OUTSTANDING_REQUESTS,
        variant_name: str = "AllTraffic",
        volume_encryption_key: kms.IKey | None = None,
        role: iam.IRole | None = None,
        endpoint_name: str | None = None,
    ) -> None:
        """
        :param instance_type: the instances' type; one of ``INSTANCE_CAPACITY`` (whose vCPUs,
            memory and GPUs the components' reservations are checked against).
        :param max_instance_count: the most instances SageMaker may run.
        :param min_instance_count: default 1; the fewest (0: no instance while no component has a copy).
        :param initial_instance_count: default 1 (at least 1); instances at creation.
        :param routing: default ``LEAST_OUTSTANDING_REQUESTS``.
        :param variant_name: default ``AllTraffic``.
        :param volume_encryption_key: default, a new ``EncryptionKey`` (none for instance-store types).
        :param role: default, a new role that may write this endpoint's logs and instance metrics.
        :param endpoint_name: default, a stable unique name derived from the construct path.
        """
        super().__init__(scope, construct_id)
        self.instance_type = as_instance_type(instance_type)
        self.min_instance_count = min_instance_count
        self.max_instance_count = max_instance_count
        self.initial_instance_count = initial_instance_count
        self._validate(variant_name, routing, volume_encryption_key, endpoint_name)
        #: The endpoint's name, known at synth (metrics, alarms and the role's log groups use it).
        self.physical_endpoint_name = ep.physical_endpoint_name(self, endpoint_name)
        self.variant_name = variant_name
        self._variants[variant_name] = ProductionVariant(
            self, variant_name, metrics_endpoint_name=self.physical_endpoint_name
        )
        self.components: list[InferenceComponent] = []
        self.role: iam.IRole = role or cast(
            iam.IRole,
            service_role(
                self,
                "Role",
                service="sagemaker.amazonaws.com",
                description=f"Execution role of SageMaker inference component endpoint {construct_path(self)}",
            ),
        )
        if role is None:
            grant_endpoint_logs_and_metrics(self.role, [self.physical_endpoint_name], holder="this endpoint")

        # An instance-store type has no EBS volume to encrypt; ep.volume_key reads only the instance type.
        storage = self.instance_type.has_instance_storage
        self.volume_encryption_key = None if storage else volume_encryption_key or ep.volume_key(self, [], None)
        self.config = sagemaker.CfnEndpointConfig(
            self,
            "Config",
            execution_role_arn=self.role.role_arn,
            production_variants=[
                sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                    variant_name=variant_name,
                    instance_type=str(self.instance_type),
                    initial_instance_count=initial_instance_count,
                    managed_instance_scaling=sagemaker.CfnEndpointConfig.ManagedInstanceScalingProperty(
                        status="ENABLED", min_instance_count=min_instance_count, max_instance_count=max_instance_count
                    ),
                    routing_config=sagemaker.CfnEndpointConfig.RoutingConfigProperty(routing_strategy=routing.value),
                )
            ],
            kms_key_id=self.volume_encryption_key.key_arn if self.volume_encryption_key else None,
        )
        # SageMaker checks that it may assume the role and use it when it creates the configuration.
        self.config.node.add_dependency(self.role)
        if storage:
            acknowledge(
                self.config,
                f"Instance type {self.instance_type} keeps the endpoint's storage on NVMe instance-store volumes, "
                "which AWS encrypts with a hardware key on the instance; CreateEndpointConfig rejects a KmsKeyId.",
                "HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured",
                "NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured",
            )
        self.resource = sagemaker.CfnEndpoint(
            self,
            "Resource",
            endpoint_name=self.physical_endpoint_name,
            endpoint_config_name=self.config.attr_endpoint_config_name,
            # Updates keep the instance count that managed instance scaling set.
            retain_all_variant_properties=True,
        )

    @property
    def capacity(self) -> InstanceCapacity | None:
        """What one instance offers (None for a token instance type)."""
        return INSTANCE_CAPACITY.get(str(self.instance_type))

    def add_component(self, construct_id: str, **kwargs: Any) -> InferenceComponent:
        """A new ``InferenceComponent`` on this endpoint (``InferenceComponent``'s keyword arguments)."""
        return InferenceComponent(self, construct_id, endpoint=self, **kwargs)

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Invoking every component of this endpoint (``component.grant_invoke`` for one)."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=list(self._invoke_actions),
            resource_arns=[self.endpoint_arn, *(c.inference_component_arn for c in self.components)],
        )

    def always_on_capacity(self) -> list[AlwaysOnCapacity]:
        """The instances that run while every component is idle: the managed minimum, or more when the
        components' minimum copies need more (their reservations packed onto instances)."""
        needed = self.min_instance_count
        capacity = self.capacity
        if capacity is not None:
            needed = max(needed, _instances_for(capacity, [(c.reservation, c.min_copies) for c in self.components]))
        scales = "scales to zero" if needed == 0 else "at minimum capacity"
        # The instances follow the schedules of the components that keep copies, unless one of those
        # has fixed copies or the managed minimum keeps instances anyway.
        warm = [c.scalable_target for c in self.components if c.min_copies != 0]
        scheduled = self.min_instance_count == 0 and all(t is not None for t in warm)
        return [
            AlwaysOnCapacity(
                f"component endpoint {self.variant_name} {scales}",
                str(self.instance_type),
                needed,
                scalable_targets=tuple(t for t in warm if t is not None) if scheduled else (),
            )
        ]

    def _validate(
        self, variant_name: str, routing: RoutingStrategy, key: kms.IKey | None, endpoint_name: str | None
    ) -> None:
        problems = Problems(self, "InferenceComponentEndpoint")
        name = str(self.instance_type)
        problems.check(
            self.instance_type.is_unresolved or name in INSTANCE_CAPACITY,
            "instance_type",
            name,
            f"must be one of the {len(INSTANCE_CAPACITY)} types whose capacity is known "
            f"(constructs_lib.INSTANCE_CAPACITY, from {INSTANCE_CAPACITY_SOURCE})",
        )
        check_shape(problems, "min_instance_count", self.min_instance_count, f"{_SCALING}.MinInstanceCount")
        check_shape(problems, "max_instance_count", self.max_instance_count, f"{_SCALING}.MaxInstanceCount")
        check_shape(
            problems,
            "initial_instance_count",
            self.initial_instance_count,
            "CreateEndpointConfigInput.ProductionVariants.member.InitialInstanceCount",
        )
        problems.check_order(
            "min_instance_count",
            self.min_instance_count,
            self.max_instance_count,
            f"must not be above max_instance_count ({self.max_instance_count})",
        )
        problems.check_order(
            "initial_instance_count",
            self.initial_instance_count,
            self.max_instance_count,
            f"must not be above max_instance_count ({self.max_instance_count})",
        )
        check_shape(
            problems,
            "routing",
            routing,
            "CreateEndpointConfigInput.ProductionVariants.member.RoutingConfig.RoutingStrategy",
        )
        ep.check_variant_names(problems, [variant_name])
        ep.check_endpoint_name(problems, endpoint_name)
        problems.check(
            key is None or not self.instance_type.has_instance_storage,
            "volume_encryption_key",
            "given",
            f"cannot be used with {name}: it has NVMe instance storage, which AWS encrypts in hardware",
        )
        problems.raise_if_any()

    def _check_fleet(self, problems: Problems, adding: InferenceComponent) -> None:
        """The initial copies of every component (this one included) must fit on ``max_instance_count``
        instances, which is necessary (not sufficient: copies do not split across instances)."""
        capacity = self.capacity
        if capacity is None or is_unresolved(self.max_instance_count):
            return
        wanted = [(c.reservation, c.copy_count) for c in (*self.components, adding)]
        needed = _instances_for(capacity, wanted)
        problems.check(
            needed <= self.max_instance_count,
            "copy_count",
            adding.copy_count,
            f"the endpoint's components need at least {needed} {self.instance_type} instances for their "
            f"initial copies, above its max_instance_count ({self.max_instance_count})",
        )


def _instances_for(capacity: InstanceCapacity, wanted: Sequence[tuple[ComputeReservation, int]]) -> int:
    """The fewest instances that could hold ``wanted`` (reservation, copies): by each resource's total."""
    totals = [0.0, 0.0, 0.0]
    for reservation, copies in wanted:
        if is_unresolved(copies):
            continue
        totals[0] += (reservation.cpu_cores or 0) * copies
        totals[1] += reservation.memory_mb * copies
        totals[2] += (reservation.accelerators or 0) * copies
    offered = (capacity.vcpus, capacity.memory_mb, capacity.accelerators)
    return max((math.ceil(total / offer) for total, offer in zip(totals, offered, strict=True) if offer), default=0)


# --- the component -----------------------------------------------------------------------------------


class IInferenceComponent(IResource, Protocol):
    """An inference component: its own (``InferenceComponent``) or an existing one
    (``InferenceComponent.from_inference_component_name``)."""

    @property
    def inference_component_name(self) -> str: ...

    @property
    def inference_component_arn(self) -> str: ...

    @property
    def endpoint_name(self) -> str:
        """The name of the endpoint that hosts the component (known at synth)."""
        ...

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """``sagemaker:InvokeEndpoint`` on the endpoint for this component only."""
        ...

    def metric(self, metric_name: str, **props: Any) -> cloudwatch.Metric:
        """``AWS/SageMaker`` metric ``metric_name`` of the component (``InferenceComponentName``)."""
        ...

    def metric_invocations(self, **props: Any) -> cloudwatch.Metric:
        """Requests sent to the component (Sum)."""
        ...

    def metric_invocation_5xx_errors(self, **props: Any) -> cloudwatch.Metric:
        """The component's server-side error rate (Average of ``Invocation5XXErrors``; Sum for the count)."""
        ...

    def metric_model_latency(self, **props: Any) -> cloudwatch.Metric:
        """The component's model latency, in microseconds (Average)."""
        ...


class _ComponentBase(Resource):
    """``grant_invoke`` and metrics, shared by ``InferenceComponent`` and imports."""

    _metrics_name: str
    _endpoint_arn: str

    @property
    def inference_component_name(self) -> str:
        raise NotImplementedError

    @property
    def inference_component_arn(self) -> str:
        raise NotImplementedError

    @property
    def endpoint_name(self) -> str:
        raise NotImplementedError

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """``sagemaker:InvokeEndpoint`` (and its streaming form) for this component only: IAM authorizes
        an invocation that names a component on both the endpoint's and the component's ARN
        (the action's resource types ``endpoint`` and ``inference-component``), so the grantee can
        invoke no other component of the endpoint."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=list(_INVOKE),
            resource_arns=[self._endpoint_arn, self.inference_component_arn],
        )

    def metric(self, metric_name: str, **props: Any) -> cloudwatch.Metric:
        """The component's ``AWS/SageMaker`` metric ``metric_name`` (default statistic Average, 1 minute)."""
        return self._metric(SAGEMAKER_NAMESPACE, metric_name, "Average", props)

    def metric_invocations(self, **props: Any) -> cloudwatch.Metric:
        """Requests sent to the component (Sum)."""
        return self._metric(SAGEMAKER_NAMESPACE, "Invocations", "Sum", props)

    def metric_invocations_per_copy(self, **props: Any) -> cloudwatch.Metric:
        """Requests per copy (Sum), what ``auto_scale_copy_count`` follows."""
        return self._metric(SAGEMAKER_NAMESPACE, "InvocationsPerCopy", "Sum", props)

    def metric_no_capacity_invocation_failures(self, **props: Any) -> cloudwatch.Metric:
        """Requests that failed because the component had no copy (Sum): what starts the first copy."""
        return self._metric(SAGEMAKER_NAMESPACE, "NoCapacityInvocationFailures", "Sum", props)

    def metric_model_latency(self, **props: Any) -> cloudwatch.Metric:
        """Time the model took to respond, in microseconds (Average; try ``statistic="p99"``)."""
        return self._metric(SAGEMAKER_NAMESPACE, "ModelLatency", "Average", props)

    def metric_invocation_5xx_errors(self, **props: Any) -> cloudwatch.Metric:
        """The server-side error rate (Average of ``Invocation5XXErrors``; Sum for the count)."""
        return self._metric(SAGEMAKER_NAMESPACE, "Invocation5XXErrors", "Average", props)

    def metric_invocation_4xx_errors(self, **props: Any) -> cloudwatch.Metric:
        return self._metric(SAGEMAKER_NAMESPACE, "Invocation4XXErrors", "Average", props)

    def metric_model_errors(self, **props: Any) -> cloudwatch.Metric:
        return self._metric(SAGEMAKER_NAMESPACE, "InvocationModelErrors", "Sum", props)

    def metric_cpu_utilization(self, **props: Any) -> cloudwatch.Metric:
        """Copies' CPU use, percent of their reservation (``CPUUtilizationNormalized``)."""
        return self._metric(COMPONENT_INSTANCE_NAMESPACE, "CPUUtilizationNormalized", "Average", props)

    def metric_memory_utilization(self, **props: Any) -> cloudwatch.Metric:
        """Copies' memory use, percent of their reservation (``MemoryUtilizationNormalized``)."""
        return self._metric(COMPONENT_INSTANCE_NAMESPACE, "MemoryUtilizationNormalized", "Average", props)

    def _metric(self, namespace: str, metric_name: str, statistic: str, props: dict[str, Any]) -> cloudwatch.Metric:
        return endpoint_metric(namespace, metric_name, {"InferenceComponentName": self._metrics_name}, statistic, props)


class InferenceComponent(_ComponentBase):
    """Defines one model on an ``InferenceComponentEndpoint`` (``AWS::SageMaker::InferenceComponent``).

    Each copy reserves ``reservation`` on one instance; ``copy_count`` copies at creation;
    ``auto_scale_copy_count`` scales them (to zero with ``min_copies=0``). The component's name is
    stable (given, or derived from the construct path, so unique per environment), and a change of
    model, reservation or copies updates it in place.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: InferenceComponentEndpoint,
        reservation: ComputeReservation,
        model: IModel | None = None,
        container: ContainerDefinition | None = None,
        network: INetwork | None = None,
        copy_count: int = 1,
        rolling_update: ComponentRollingUpdate | None = None,
        alarm_actions: Sequence[cloudwatch.IAlarmAction] = (),
        model_data_download_timeout: Duration | None = None,
        container_startup_health_check_timeout: Duration | None = None,
        inference_component_name: str | None = None,
    ) -> None:
        """
        :param endpoint: the ``InferenceComponentEndpoint`` that hosts it (not a real-time,
            serverless or asynchronous endpoint: their variants serve one model each).
        :param reservation: what each copy reserves on an instance; must fit on one.
        :param model: the model to serve (an ``IModel``); or give ``container`` instead.
        :param container: an image and artifact to serve: the component makes a ``Model`` of it in
            ``network`` (network-isolated, with its own least-privilege role).
        :param network: with ``container``: the network the model's interfaces go in (required with
            ``container``; pass the platform network).
        :param copy_count: default 1; copies at creation (0 to start idle).
        :param rolling_update: default none: SageMaker's default update; a ``ComponentRollingUpdate``
            replaces copies in batches, rolled back by alarms.
        :param alarm_actions: default none; actions of the default rollback alarms.
        :param model_data_download_timeout: default, SageMaker's; 60 to 3600 s.
        :param container_startup_health_check_timeout: default, SageMaker's; 60 to 3600 s.
        :param inference_component_name: default, a stable unique name derived from the construct path.
        """
        super().__init__(scope, construct_id)
        self.endpoint = endpoint
        self.reservation = reservation
        self.copy_count = copy_count
        self._validate(
            endpoint,
            reservation,
            model,
            container,
            network,
            copy_count,
            rolling_update,
            (model_data_download_timeout, container_startup_health_check_timeout),
            inference_component_name,
        )
        #: The component's name, known at synth (metrics, alarms, scaling resource id).
        self.physical_name = inference_component_name or Names.unique_resource_name(self, max_length=63, separator="-")
        self._metrics_name = self.physical_name
        self._endpoint_arn = endpoint.endpoint_arn
        if model is None:
            assert container is not None  # _validate requires one of them
            model = Model(
                self,
                "Model",
                containers=[container],
                network=network,
                endpoint_names=[endpoint.physical_endpoint_name],
            )
        self.model: IModel = model
        self.scalable_target: appscaling.ScalableTarget | None = None
        self._scaling: ComponentScaling | None = None

        self.rollback_alarms: list[cloudwatch.IAlarm] = (
            self._rollback_alarms(rolling_update, alarm_actions) if rolling_update is not None else []
        )

        def seconds(d: Duration | None) -> int | float | None:
            return whole(in_seconds(d)) if d is not None else None

        startup = (
            sagemaker.CfnInferenceComponent.InferenceComponentStartupParametersProperty(
                model_data_download_timeout_in_seconds=seconds(model_data_download_timeout),
                container_startup_health_check_timeout_in_seconds=seconds(container_startup_health_check_timeout),
            )
            if model_data_download_timeout or container_startup_health_check_timeout
            else None
        )
        self.resource = sagemaker.CfnInferenceComponent(
            self,
            "Resource",
            inference_component_name=self.physical_name,
            endpoint_name=endpoint.endpoint_name,
            variant_name=endpoint.variant_name,
            specification=sagemaker.CfnInferenceComponent.InferenceComponentSpecificationProperty(
                model_name=self.model.model_name,
                compute_resource_requirements=sagemaker.CfnInferenceComponent.InferenceComponentComputeResourceRequirementsProperty(
                    min_memory_required_in_mb=reservation.memory_mb,
                    max_memory_required_in_mb=reservation.max_memory_mb,
                    number_of_cpu_cores_required=reservation.cpu_cores,
                    number_of_accelerator_devices_required=reservation.accelerators,
                ),
                startup_parameters=startup,
            ),
            runtime_config=sagemaker.CfnInferenceComponent.InferenceComponentRuntimeConfigProperty(
                copy_count=copy_count
            ),
            deployment_config=self._deployment_config(rolling_update) if rolling_update is not None else None,
        )
        endpoint.components.append(self)

    @property
    def inference_component_name(self) -> str:
        """The component's name, known at synth (CloudFormation returns no name attribute: depend on
        ``resource`` to order a deployment after the component)."""
        return self.physical_name

    @property
    def inference_component_arn(self) -> str:
        return self.resource.attr_inference_component_arn

    @property
    def endpoint_name(self) -> str:
        """The hosting endpoint's name, known at synth (``endpoint.endpoint_name`` is a reference)."""
        return self.endpoint.physical_endpoint_name

    @property
    def resource_id(self) -> str:
        """Application Auto Scaling's resource id of the component (``inference-component/<name>``)."""
        return f"inference-component/{self.physical_name}"

    @property
    def min_copies(self) -> int:
        """The fewest copies: the autoscaling minimum, else the fixed count."""
        return self._scaling.min_copies if self._scaling is not None else self.copy_count

    def auto_scale_copy_count(
        self,
        *,
        max_copies: int,
        min_copies: int = 1,
        target_invocations_per_copy: float = 100.0,
        scale_in_cooldown: Duration | None = None,
        scale_out_cooldown: Duration | None = None,
        scale_out_from_zero: bool = True,
        schedules: Sequence[ScheduledScaling] = (),
        working_hours: WorkingHours | None = None,
    ) -> appscaling.ScalableTarget:
        """Autoscale the component's copies (``sagemaker:inference-component:DesiredCopyCount``) with
        target tracking on ``SageMakerInferenceComponentInvocationsPerCopy``. With ``min_copies=0``
        (and ``scale_out_from_zero``) a copy is started when a request finds none: a CloudWatch alarm
        on the component's ``NoCapacityInvocationFailures`` (Sum >= 1 over one minute) triggers a
        step scaling policy that adds one copy, the wiring AWS documents for scaling from zero.
        Scaling in to zero copies needs no traffic to track: pair it with ``IdleCapacity`` or a
        ``WorkingHours`` schedule.

        :param max_copies: the most copies.
        :param min_copies: default 1; the fewest (0: the component can scale to zero).
        :param target_invocations_per_copy: default 100; requests per copy per minute to aim for.
        :param scale_in_cooldown: default 5 minutes.
        :param scale_out_cooldown: default 1 minute; also the scale-out-from-zero policy's cooldown.
        :param scale_out_from_zero: default True; the alarm and step policy above (with ``min_copies=0``).
        :param schedules: default none; scheduled changes of the copy range.
        :param working_hours: default none; scale to zero copies outside these hours (dev), back to
            ``min_copies``..``max_copies`` in the morning.
        """
        options = ComponentScaling(
            max_copies=max_copies,
            min_copies=min_copies,
            target_invocations_per_copy=target_invocations_per_copy,
            scale_in_cooldown=scale_in_cooldown or durations.minutes(5),
            scale_out_cooldown=scale_out_cooldown or durations.minutes(1),
            scale_out_from_zero=scale_out_from_zero,
            schedules=tuple(schedules),
        )
        problems = Problems(self, "InferenceComponent")
        where = "auto_scale_copy_count"
        problems.check(self.scalable_target is None, where, "called twice", "a component has one copy-count target")
        check_shape(problems, f"{where}.min_copies", min_copies, f"{_CREATE}.RuntimeConfig.CopyCount")
        problems.check_range(f"{where}.max_copies", max_copies, minimum=1, integer=True)
        problems.check_order(
            f"{where}.min_copies", min_copies, max_copies, f"must not be above max_copies ({max_copies})"
        )
        if not problems:
            problems.check(
                is_unresolved(self.copy_count) or min_copies <= self.copy_count <= max_copies,
                f"{where}.min_copies..max_copies",
                f"{min_copies}..{max_copies}",
                f"must include the component's copy_count ({self.copy_count})",
            )
        problems.check_range(f"{where}.target_invocations_per_copy", target_invocations_per_copy, minimum=0.001)
        ep.check_cooldowns(problems, where, options.scale_in_cooldown, options.scale_out_cooldown)
        ep.check_schedules(problems, where, options.schedules, minimum=0)
        problems.raise_if_any()

        self._scaling = options
        target = appscaling.ScalableTarget(
            self,
            "Scaling",
            service_namespace=appscaling.ServiceNamespace.SAGEMAKER,
            resource_id=self.resource_id,
            scalable_dimension=COPY_COUNT_DIMENSION,
            min_capacity=min_copies,
            max_capacity=max_copies,
            role=_scaling_role(self.endpoint),
        )
        # Registering the target checks that the component exists.
        target.node.add_dependency(self.resource)
        target.scale_to_track_metric(
            "TrackInvocationsPerCopy",
            predefined_metric=appscaling.PredefinedMetric.SAGEMAKER_INFERENCE_COMPONENT_INVOCATIONS_PER_COPY,
            resource_label=self.physical_name,
            target_value=target_invocations_per_copy,
            scale_in_cooldown=options.scale_in_cooldown,
            scale_out_cooldown=options.scale_out_cooldown,
        )
        if min_copies == 0 and scale_out_from_zero:
            self._scale_out_from_zero(target, options.scale_out_cooldown)
        ep.add_schedules(target, options.schedules)
        self.scalable_target = target
        if working_hours is not None:
            working_hours.apply(target, min_capacity=min_copies, max_capacity=max_copies)
        return target

    def _scale_out_from_zero(self, target: appscaling.ScalableTarget, cooldown: Duration) -> None:
        """Invocations-per-copy is not emitted at zero copies: a request that finds no copy adds one."""
        action = appscaling.StepScalingAction(
            self,
            "ScaleOutFromZero",
            scaling_target=target,
            adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
            metric_aggregation_type=appscaling.MetricAggregationType.MAXIMUM,
            cooldown=cooldown,
        )
        action.add_adjustment(adjustment=1, lower_bound=0)
        #: The alarm that starts the first copy (one minute: the metric's standard resolution).
        self.scale_out_from_zero_alarm = cloudwatch.Alarm(
            self,
            "NoCapacityAlarm",
            metric=self.metric_no_capacity_invocation_failures(period=durations.minutes(1)),
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=f"{construct_path(self)}: a request found no copy; starts one (scale out from zero)",
        )
        self.scale_out_from_zero_alarm.add_alarm_action(
            as_alarm_action(cloudwatch_actions.ApplicationScalingAction(action))
        )

    # --- validation ------------------------------------------------------------------------------

    def _validate(
        self,
        endpoint: object,
        reservation: object,
        model: IModel | None,
        container: ContainerDefinition | None,
        network: INetwork | None,
        copy_count: int,
        rolling_update: ComponentRollingUpdate | None,
        timeouts: tuple[Duration | None, Duration | None],
        name: str | None,
    ) -> None:
        problems = Problems(self, "InferenceComponent")
        if not isinstance(given(endpoint), InferenceComponentEndpoint):
            from constructs_lib.inference.serverless_endpoint import ServerlessEndpoint

            problems.add(
                "endpoint",
                type(endpoint).__name__,
                "components need an InferenceComponentEndpoint: serverless endpoints host no components"
                if isinstance(endpoint, ServerlessEndpoint)
                else "components need an InferenceComponentEndpoint: AWS does not mix components with "
                "classic variants that serve a model (RealtimeEndpoint, AsyncEndpoint)",
            )
            problems.raise_if_any()
        assert isinstance(endpoint, InferenceComponentEndpoint)
        problems.check(
            (model is None) != (container is None),
            "model/container",
            "both" if model is not None else None,
            "give exactly one: an IModel, or a ContainerDefinition the component makes a model of",
        )
        if container is not None:
            problems.check(
                network is not None,
                "network",
                None,
                "is required with container (the model's interfaces go in its private subnets)",
            )
        elif network is not None:
            problems.add("network", "given", "applies to container only (a model has its own network)")
        if not isinstance(given(reservation), ComputeReservation):
            problems.add("reservation", type(reservation).__name__, "must be a ComputeReservation")
            problems.raise_if_any()
        assert isinstance(reservation, ComputeReservation)
        self._check_reservation(problems, endpoint, reservation)
        check_shape(problems, "copy_count", copy_count, f"{_CREATE}.RuntimeConfig.CopyCount")
        for prop, timeout, member in (
            ("model_data_download_timeout", timeouts[0], "ModelDataDownloadTimeoutInSeconds"),
            ("container_startup_health_check_timeout", timeouts[1], "ContainerStartupHealthCheckTimeoutInSeconds"),
        ):
            if timeout is not None:
                check_shape(problems, f"{prop} (seconds)", in_seconds(timeout), f"{_SPEC}.StartupParameters.{member}")
        if name is not None:
            check_shape(problems, "inference_component_name", name, f"{_CREATE}.InferenceComponentName")
        if rolling_update is not None:
            self._check_rolling_update(problems, rolling_update)
        if not problems:
            endpoint._check_fleet(problems, self)  # pyright: ignore[reportPrivateUsage] (the endpoint's own check)
        problems.raise_if_any()

    @staticmethod
    def _check_reservation(problems: Problems, endpoint: InferenceComponentEndpoint, r: ComputeReservation) -> None:
        check_shape(problems, "reservation.memory_mb", r.memory_mb, f"{_RESOURCES}.MinMemoryRequiredInMb")
        check_shape(problems, "reservation.max_memory_mb", r.max_memory_mb, f"{_RESOURCES}.MaxMemoryRequiredInMb")
        check_shape(problems, "reservation.cpu_cores", r.cpu_cores, f"{_RESOURCES}.NumberOfCpuCoresRequired")
        check_shape(
            problems, "reservation.accelerators", r.accelerators, f"{_RESOURCES}.NumberOfAcceleratorDevicesRequired"
        )
        problems.check_order(
            "reservation.max_memory_mb", r.memory_mb, r.max_memory_mb, f"must be at least memory_mb ({r.memory_mb})"
        )
        capacity = endpoint.capacity
        if capacity is None:
            return
        kind = str(endpoint.instance_type)
        for prop, wanted, offered, unit in (
            ("reservation.cpu_cores", r.cpu_cores, capacity.vcpus, "vCPUs"),
            ("reservation.memory_mb", r.memory_mb, capacity.memory_mb, "MiB of memory"),
            ("reservation.max_memory_mb", r.max_memory_mb, capacity.memory_mb, "MiB of memory"),
            ("reservation.accelerators", r.accelerators, capacity.accelerators, "GPUs"),
        ):
            if wanted is None or is_unresolved(wanted):
                continue
            problems.check(
                wanted <= offered,
                prop,
                wanted,
                f"a copy must fit on one {kind} instance, which has {offered} {unit} ({INSTANCE_CAPACITY_SOURCE})",
            )

    @staticmethod
    def _check_rolling_update(problems: Problems, g: ComponentRollingUpdate) -> None:
        for prop, batch in (("maximum_batch", g.maximum_batch), ("rollback_maximum_batch", g.rollback_maximum_batch)):
            if batch is None:
                continue
            where = f"rolling_update.{prop}"
            if not isinstance(given(batch), CopyBatch):
                problems.add(where, batch, "must be a CopyBatch (CopyBatch.copies(n) or CopyBatch.percent(p))")
            elif batch.unit == CopyBatchUnit.CAPACITY_PERCENT:
                low, high = _BATCH_PERCENT if prop == "maximum_batch" else (1, 100)
                problems.check_range(f"{where} (percent)", batch.value, minimum=low, maximum=high, integer=True)
            else:
                check_shape(problems, f"{where} (copies)", batch.value, f"{_UPDATE}.MaximumBatchSize.Value")
        check_shape(
            problems,
            "rolling_update.wait_interval (seconds)",
            in_seconds(g.wait_interval),
            f"{_UPDATE}.WaitIntervalInSeconds",
        )
        if g.maximum_execution_timeout is not None:
            check_shape(
                problems,
                "rolling_update.maximum_execution_timeout (seconds)",
                in_seconds(g.maximum_execution_timeout),
                f"{_UPDATE}.MaximumExecutionTimeoutInSeconds",
            )
        count = (2 if g.default_alarms else 0) + len(g.alarms)
        most = resolve("UpdateInferenceComponentInput.DeploymentConfig.AutoRollbackConfiguration.Alarms")[1]["max"]
        problems.check(
            1 <= count <= most,
            "rolling_update.alarms",
            count,
            f"auto-rollback takes 1 to {most} alarms (2 default alarms unless default_alarms=False, plus your own)",
        )
        problems.check_range("rolling_update.max_error_rate", g.max_error_rate, minimum=0.0001, maximum=1)
        problems.check_range("rolling_update.max_model_latency (ms)", in_milliseconds(g.max_model_latency), minimum=1)

    # --- resources -------------------------------------------------------------------------------

    def _rollback_alarms(
        self, g: ComponentRollingUpdate, actions: Sequence[cloudwatch.IAlarmAction]
    ) -> list[cloudwatch.IAlarm]:
        alarms: list[cloudwatch.Alarm] = []
        if g.default_alarms:
            alarms = [
                guardrails.rollback_alarm(
                    self,
                    "ErrorRateAlarm",
                    metric=self.metric_invocation_5xx_errors(),
                    threshold=g.max_error_rate,
                    description=f"{construct_path(self)}: 5XX error rate >= {g.max_error_rate:.2%}",
                    rolls_back="component updates",
                ),
                guardrails.rollback_alarm(
                    self,
                    "LatencyAlarm",
                    metric=self.metric_model_latency(statistic="p99"),
                    threshold=in_milliseconds(g.max_model_latency) * 1000,  # ModelLatency is in microseconds
                    comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                    description=f"{construct_path(self)}: p99 model latency above "
                    f"{in_milliseconds(g.max_model_latency):g} ms",
                    rolls_back="component updates",
                ),
            ]
            guardrails.add_alarm_actions(alarms, actions, during="component updates")
        return [*alarms, *g.alarms]

    def _deployment_config(
        self, g: ComponentRollingUpdate
    ) -> sagemaker.CfnInferenceComponent.InferenceComponentDeploymentConfigProperty:
        def size(b: CopyBatch | None) -> sagemaker.CfnInferenceComponent.InferenceComponentCapacitySizeProperty | None:
            if b is None:
                return None
            return sagemaker.CfnInferenceComponent.InferenceComponentCapacitySizeProperty(
                type=b.unit.value, value=b.value
            )

        return sagemaker.CfnInferenceComponent.InferenceComponentDeploymentConfigProperty(
            rolling_update_policy=sagemaker.CfnInferenceComponent.InferenceComponentRollingUpdatePolicyProperty(
                maximum_batch_size=size(g.maximum_batch),
                wait_interval_in_seconds=whole(in_seconds(g.wait_interval)),
                maximum_execution_timeout_in_seconds=whole(in_seconds(g.maximum_execution_timeout))
                if g.maximum_execution_timeout is not None
                else None,
                rollback_maximum_batch_size=size(g.rollback_maximum_batch),
            ),
            auto_rollback_configuration=sagemaker.CfnInferenceComponent.AutoRollbackConfigurationProperty(
                alarms=[
                    sagemaker.CfnInferenceComponent.AlarmProperty(alarm_name=a.alarm_name) for a in self.rollback_alarms
                ]
            ),
        )

    # --- imports ---------------------------------------------------------------------------------

    @classmethod
    def from_inference_component_name(
        cls, scope: Construct, construct_id: str, inference_component_name: str, *, endpoint_name: str
    ) -> IInferenceComponent:
        """An existing component by name, on the endpoint ``endpoint_name`` (for grants and metrics)."""
        return _ImportedComponent(scope, construct_id, name=inference_component_name, endpoint_name=endpoint_name)


def _scaling_role(endpoint: InferenceComponentEndpoint) -> iam.IRole:
    found = endpoint.node.try_find_child("ScalingRole")
    return cast(iam.IRole, found) if found is not None else ep.scaling_role(endpoint)


class _ImportedComponent(_ComponentBase):
    def __init__(self, scope: Construct, construct_id: str, *, name: str, endpoint_name: str) -> None:
        super().__init__(scope, construct_id)
        problems = Problems(self, "InferenceComponent import")
        check_shape(problems, "inference_component_name", name, f"{_CREATE}.InferenceComponentName")
        problems.check_sagemaker_name("endpoint_name", endpoint_name)
        problems.raise_if_any()
        stack = stack_of(self)
        self._name = name
        self._endpoint_name = endpoint_name
        self._metrics_name = name
        # SageMaker lower-cases names in the ARNs that IAM matches requests against.
        self._arn = stack.format_arn(service="sagemaker", resource="inference-component", resource_name=_lower(name))
        self._endpoint_arn = stack.format_arn(
            service="sagemaker", resource="endpoint", resource_name=_lower(endpoint_name)
        )

    @property
    def inference_component_name(self) -> str:
        return self._name

    @property
    def inference_component_arn(self) -> str:
        return self._arn

    @property
    def endpoint_name(self) -> str:
        return self._endpoint_name


def _lower(name: str) -> str:
    return name if is_unresolved(name) else name.lower()
