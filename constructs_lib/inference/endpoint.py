"""``IEndpoint``: what every SageMaker endpoint offers (its own or an imported one), and its production
variants as objects with their own metrics (``endpoint.variant("AllTraffic")``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

import jsii
from aws_cdk import Duration, Resource
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk.interfaces import aws_sagemaker as sagemaker_refs
from constructs import Construct

from constructs_lib._core import durations
from constructs_lib._core.imported import sagemaker_name_and_arn
from constructs_lib._core.stack_facts import read_once, remember_place
from constructs_lib._core.validation import Problems
from constructs_lib.inference.endpoint_options import InstanceScaling, InstanceVariant, ScalingMetric, ScheduledScaling

#: The public names (the others serve the library's own modules).
__all__ = [
    "IEndpoint",
    "InstanceProductionVariant",
    "ProductionVariant",
]

if TYPE_CHECKING:
    from constructs_lib.inference.data_capture import DataCaptureOptions

#: Invocation metrics (``EndpointName`` and ``VariantName``), written by SageMaker.
SAGEMAKER_NAMESPACE = "AWS/SageMaker"
#: Instance metrics of the endpoint's hosts (CPU, memory, disk, GPU), same dimensions.
ENDPOINT_INSTANCE_NAMESPACE = "/aws/sagemaker/Endpoints"
_INVOKE = ("sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream")


class IEndpoint(sagemaker.IEndpoint, Protocol):
    """A SageMaker endpoint: ``aws_sagemaker.IEndpoint`` (so ``apigateway.SagemakerIntegration`` takes
    it) with its production variants, its metrics and what it captures for Model Monitor."""

    @property
    def variants(self) -> tuple[ProductionVariant, ...]:
        """The production variants (shadow variants too, after them)."""
        ...

    @property
    def data_capture(self) -> DataCaptureOptions | None:
        """What the endpoint captures for Model Monitor; None when it captures nothing (or is imported)."""
        ...

    def variant(self, variant_name: str | None = None) -> ProductionVariant:
        """The production variant ``variant_name`` (default, the first)."""
        ...

    def metric(self, metric_name: str, **props: Any) -> cloudwatch.Metric:
        """``AWS/SageMaker`` metric ``metric_name`` of the first production variant."""
        ...


class ProductionVariant:
    """A production variant of an endpoint, with its metrics (``EndpointName`` and ``VariantName``).

    Every ``metric_*`` method takes ``cloudwatch.MetricOptions`` as keyword props (``statistic``,
    ``period``, ``label``, ...), like CDK's own; the default period is 1 minute. Variants on
    instances (``InstanceProductionVariant``) add their hosts' metrics, serverless ones
    (``ServerlessProductionVariant``) their cold-start and provisioned-concurrency metrics.
    """

    def __init__(self, endpoint: IEndpoint, variant_name: str, *, metrics_endpoint_name: str | None = None) -> None:
        """
        :param endpoint: the endpoint the variant belongs to.
        :param variant_name: the variant's name.
        :param metrics_endpoint_name: default, ``endpoint.endpoint_name``; the ``EndpointName``
            dimension (a name known at synth, so metrics and alarms need no reference to the endpoint).
        """
        self.endpoint = endpoint
        self.variant_name = variant_name
        self._metrics_endpoint_name = metrics_endpoint_name or endpoint.endpoint_name

    @property
    def resource_id(self) -> str:
        """Application Auto Scaling's resource id of the variant (``endpoint/<name>/variant/<variant>``)."""
        return f"endpoint/{self._metrics_endpoint_name}/variant/{self.variant_name}"

    def metric(self, metric_name: str, **props: Any) -> cloudwatch.Metric:
        """The variant's ``AWS/SageMaker`` metric ``metric_name`` (default statistic Average)."""
        return self._metric(SAGEMAKER_NAMESPACE, metric_name, "Average", props)

    def metric_invocations(self, **props: Any) -> cloudwatch.Metric:
        """Requests sent to the variant (Sum)."""
        return self._metric(SAGEMAKER_NAMESPACE, "Invocations", "Sum", props)

    def metric_invocations_per_instance(self, **props: Any) -> cloudwatch.Metric:
        """Requests per instance (Sum), what the default scaling policy follows."""
        return self._metric(SAGEMAKER_NAMESPACE, "InvocationsPerInstance", "Sum", props)

    def metric_model_latency(self, **props: Any) -> cloudwatch.Metric:
        """Time the model took to respond, in microseconds (Average; try ``statistic="p99"``)."""
        return self._metric(SAGEMAKER_NAMESPACE, "ModelLatency", "Average", props)

    def metric_overhead_latency(self, **props: Any) -> cloudwatch.Metric:
        """SageMaker's own overhead per request, in microseconds."""
        return self._metric(SAGEMAKER_NAMESPACE, "OverheadLatency", "Average", props)

    def metric_invocation_5xx_errors(self, **props: Any) -> cloudwatch.Metric:
        """``Invocation5XXErrors``: 1 per request that failed on the server side, 0 otherwise, so the
        Average is the error rate and the Sum the error count."""
        return self._metric(SAGEMAKER_NAMESPACE, "Invocation5XXErrors", "Average", props)

    def metric_invocation_4xx_errors(self, **props: Any) -> cloudwatch.Metric:
        """``Invocation4XXErrors``: as ``metric_invocation_5xx_errors``, for the caller's errors."""
        return self._metric(SAGEMAKER_NAMESPACE, "Invocation4XXErrors", "Average", props)

    def metric_model_errors(self, **props: Any) -> cloudwatch.Metric:
        """``InvocationModelErrors``: requests whose model container answered with an error (Sum)."""
        return self._metric(SAGEMAKER_NAMESPACE, "InvocationModelErrors", "Sum", props)

    def _metric(self, namespace: str, metric_name: str, statistic: str, props: dict[str, Any]) -> cloudwatch.Metric:
        return endpoint_metric(
            namespace,
            metric_name,
            {"EndpointName": self._metrics_endpoint_name, "VariantName": self.variant_name},
            statistic,
            props,
        )


class InstanceScaler(Protocol):
    """An endpoint that can autoscale its instance variants (``RealtimeEndpoint``)."""

    def check_scaling(self, variant: InstanceProductionVariant, options: InstanceScaling) -> None: ...

    def add_instance_scaling(
        self, variant: InstanceProductionVariant, options: InstanceScaling
    ) -> appscaling.ScalableTarget: ...


class InstanceProductionVariant(ProductionVariant):
    """A variant on instances (of a ``RealtimeEndpoint`` or an ``AsyncEndpoint``): its invocation and
    host metrics and, on real-time endpoints, its autoscaling
    (``endpoint.variant("AllTraffic").auto_scale_instance_count(max_capacity=6)``)."""

    def __init__(
        self,
        endpoint: IEndpoint,
        props: InstanceVariant,
        *,
        metrics_endpoint_name: str,
        shadow: bool = False,
        scaler: InstanceScaler | None = None,
    ) -> None:
        super().__init__(endpoint, props.variant_name, metrics_endpoint_name=metrics_endpoint_name)
        #: What the variant was declared with.
        self.props = props
        #: True for a shadow variant.
        self.shadow = shadow
        #: The instance-count scalable target, once ``auto_scale_instance_count`` has been called.
        self.scalable_target: appscaling.ScalableTarget | None = None
        self._scaler = scaler
        self._scaling: InstanceScaling | None = None

    @property
    def min_capacity(self) -> int:
        """The fewest instances: the autoscaling minimum, else the fixed count."""
        return self._scaling.min_capacity if self._scaling is not None else self.props.initial_instance_count

    def auto_scale_instance_count(
        self,
        *,
        max_capacity: int,
        min_capacity: int = 2,
        metric: ScalingMetric = ScalingMetric.INVOCATIONS_PER_INSTANCE,
        target_value: float = 100.0,
        custom_metric: cloudwatch.IMetric | None = None,
        scale_in_cooldown: Duration | None = None,
        scale_out_cooldown: Duration | None = None,
        disable_scale_in: bool = False,
        schedules: Sequence[ScheduledScaling] = (),
    ) -> appscaling.ScalableTarget:
        """Autoscale the variant's instance count (``sagemaker:variant:DesiredInstanceCount``) with a
        target-tracking policy, and keep the autoscaled counts across endpoint updates
        (``RetainAllVariantProperties``, except weights and capture settings, which follow the code).
        Real-time endpoints only: an ``AsyncEndpoint`` scales on its backlog (its ``scaling``).

        :param max_capacity: the most instances.
        :param min_capacity: default 2 (one per Availability Zone); the fewest; must include the
            variant's ``initial_instance_count``.
        :param metric: default ``INVOCATIONS_PER_INSTANCE``; what the policy follows.
        :param target_value: default 100; invocations per instance per minute, or percent for utilization.
        :param custom_metric: the metric for ``ScalingMetric.CUSTOM`` (an average that falls as instances are added).
        :param scale_in_cooldown: default 5 minutes; wait after a scale-in before the next one.
        :param scale_out_cooldown: default 1 minute; wait after a scale-out before the next one.
        :param disable_scale_in: default False; only scale out (scale in by hand or by schedule).
        :param schedules: default none; scheduled changes of the capacity range.
        """
        if self._scaler is None:
            problems = Problems(self.endpoint.node.path, type(self.endpoint).__name__)
            problems.add(
                f"variant({self.variant_name!r}).auto_scale_instance_count",
                "called",
                "asynchronous endpoints scale on their backlog: pass scaling=AsyncScalingOptions(...)",
            )
            problems.raise_if_any()
        assert self._scaler is not None
        options = InstanceScaling(
            max_capacity=max_capacity,
            min_capacity=min_capacity,
            metric=metric,
            target_value=target_value,
            custom_metric=custom_metric,
            scale_in_cooldown=scale_in_cooldown or durations.minutes(5),
            scale_out_cooldown=scale_out_cooldown or durations.minutes(1),
            disable_scale_in=disable_scale_in,
            schedules=tuple(schedules),
        )
        self._scaler.check_scaling(self, options)
        self._scaling = options
        self.scalable_target = self._scaler.add_instance_scaling(self, options)
        return self.scalable_target

    def metric_cpu_utilization(self, **props: Any) -> cloudwatch.Metric:
        """Instances: percent, summed over vCPUs (up to 100 x vCPUs)."""
        return self.metric_instance("CPUUtilization", **props)

    def metric_memory_utilization(self, **props: Any) -> cloudwatch.Metric:
        return self.metric_instance("MemoryUtilization", **props)

    def metric_gpu_utilization(self, **props: Any) -> cloudwatch.Metric:
        return self.metric_instance("GPUUtilization", **props)

    def metric_gpu_memory_utilization(self, **props: Any) -> cloudwatch.Metric:
        return self.metric_instance("GPUMemoryUtilization", **props)

    def metric_disk_utilization(self, **props: Any) -> cloudwatch.Metric:
        return self.metric_instance("DiskUtilization", **props)

    def metric_instance(self, metric_name: str, **props: Any) -> cloudwatch.Metric:
        """The variant's instance metric ``metric_name`` (``/aws/sagemaker/Endpoints``, Average)."""
        return self._metric(ENDPOINT_INSTANCE_NAMESPACE, metric_name, "Average", props)


def endpoint_metric(
    namespace: str, metric_name: str, dimensions: dict[str, str], statistic: str, props: dict[str, Any]
) -> cloudwatch.Metric:
    """A metric with the endpoint's dimensions and defaults, overridden by ``cloudwatch.MetricOptions`` props."""
    cloudwatch.MetricOptions(**props)  # unknown or mistyped props fail here, named
    options: dict[str, Any] = {"statistic": statistic, "period": durations.minutes(1), **props}
    options["dimensions_map"] = {**dimensions, **(props.get("dimensions_map") or {})}
    return cloudwatch.Metric(namespace=namespace, metric_name=metric_name, **options)


@jsii.implements(sagemaker.IEndpoint)
class EndpointBase(Resource):
    """What every endpoint construct shares: ``grant_invoke``, variants and their metrics, and the
    ``from_*`` imports (``RealtimeEndpoint.from_endpoint_name(...)``)."""

    #: The actions ``grant_invoke`` grants.
    invoke_actions: ClassVar[tuple[str, ...]] = _INVOKE
    _data_capture: DataCaptureOptions | None = None

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        remember_place(self, scope, construct_id)
        self._variants: dict[str, ProductionVariant] = {}
        self._invoke_actions: tuple[str, ...] = type(self).invoke_actions

    # --- IEndpoint ---------------------------------------------------------------------------------

    @property
    def endpoint_name(self) -> str:
        raise NotImplementedError

    @property
    def endpoint_arn(self) -> str:
        raise NotImplementedError

    @property
    def endpoint_ref(self) -> sagemaker_refs.EndpointReference:
        return sagemaker_refs.EndpointReference(endpoint_arn=self.endpoint_arn)

    @property
    def data_capture(self) -> DataCaptureOptions | None:
        """What the endpoint captures for Model Monitor; None when it captures nothing."""
        return self._data_capture

    @property
    def variants(self) -> tuple[ProductionVariant, ...]:
        return tuple(self._variants.values())

    @property
    def variant_names(self) -> tuple[str, ...]:
        return tuple(self._variants)

    def variant(self, variant_name: str | None = None) -> ProductionVariant:
        """The production variant ``variant_name`` (default, the first)."""
        if variant_name is None:
            return next(iter(self._variants.values()))
        found = self._variants.get(variant_name)
        if found is None:
            problems = Problems(self, type(self).__name__)
            problems.add("variant_name", variant_name, f"must be one of the endpoint's variants {list(self._variants)}")
            problems.raise_if_any()
        assert found is not None
        return found

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Invoking this endpoint only (``sagemaker:InvokeEndpoint`` and the streaming variant;
        ``InvokeEndpointAsync`` for asynchronous endpoints)."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=list(self._invoke_actions), resource_arns=[self.endpoint_arn]
        )

    # --- metrics of the first production variant ---------------------------------------------------

    def metric(self, metric_name: str, **props: Any) -> cloudwatch.Metric:
        """``AWS/SageMaker`` metric ``metric_name`` of the first production variant
        (``endpoint.variant(name).metric(...)`` for another)."""
        return self.variant().metric(metric_name, **props)

    def metric_invocations(self, **props: Any) -> cloudwatch.Metric:
        """Requests sent to the first production variant (Sum)."""
        return self.variant().metric_invocations(**props)

    def metric_model_latency(self, **props: Any) -> cloudwatch.Metric:
        """The first production variant's model latency, in microseconds (Average)."""
        return self.variant().metric_model_latency(**props)

    def metric_overhead_latency(self, **props: Any) -> cloudwatch.Metric:
        return self.variant().metric_overhead_latency(**props)

    def metric_invocation_5xx_errors(self, **props: Any) -> cloudwatch.Metric:
        """The first production variant's server-side error rate (Average of ``Invocation5XXErrors``)."""
        return self.variant().metric_invocation_5xx_errors(**props)

    def metric_invocation_4xx_errors(self, **props: Any) -> cloudwatch.Metric:
        return self.variant().metric_invocation_4xx_errors(**props)

    def metric_model_errors(self, **props: Any) -> cloudwatch.Metric:
        return self.variant().metric_model_errors(**props)

    # --- imports ---------------------------------------------------------------------------------

    @classmethod
    def from_endpoint_name(cls, scope: Construct, construct_id: str, endpoint_name: str) -> IEndpoint:
        """An existing endpoint by name, with one production variant ``AllTraffic``."""
        return cls.from_endpoint_attributes(scope, construct_id, endpoint_name=endpoint_name)

    @classmethod
    def from_endpoint_arn(cls, scope: Construct, construct_id: str, endpoint_arn: str) -> IEndpoint:
        """An existing endpoint by ARN. SageMaker lower-cases names in ARNs: prefer
        ``from_endpoint_name`` when the name has capitals (metrics use the name as created)."""
        return cls.from_endpoint_attributes(scope, construct_id, endpoint_arn=endpoint_arn)

    @classmethod
    def from_endpoint_attributes(
        cls,
        scope: Construct,
        construct_id: str,
        *,
        endpoint_name: str | None = None,
        endpoint_arn: str | None = None,
        variant_names: Sequence[str] = ("AllTraffic",),
    ) -> IEndpoint:
        """An existing endpoint.

        :param endpoint_name: the endpoint's name; required unless ``endpoint_arn`` is given.
        :param endpoint_arn: default, the ARN of ``endpoint_name`` in the scope's account and region.
        :param variant_names: default ``("AllTraffic",)``; its production variants (for metrics).
        """
        return ImportedEndpoint(
            scope,
            construct_id,
            endpoint_name=endpoint_name,
            endpoint_arn=endpoint_arn,
            variant_names=variant_names,
            invoke_actions=cls.invoke_actions,
        )


class DefinedEndpoint(EndpointBase):
    """An endpoint this app defines: its ``CfnEndpoint`` (``resource``) and ``CfnEndpointConfig`` (``config``)."""

    resource: sagemaker.CfnEndpoint
    config: sagemaker.CfnEndpointConfig

    @property
    def endpoint_name(self) -> str:
        """The endpoint's name (a reference: using it orders deployments after the endpoint)."""
        return cast(str, read_once(self.resource, "attr_endpoint_name"))

    @property
    def endpoint_arn(self) -> str:
        return self.resource.ref

    @property
    def endpoint_config_name(self) -> str:
        return self.config.attr_endpoint_config_name


class ImportedEndpoint(EndpointBase):
    """An endpoint defined elsewhere (``from_endpoint_name`` and friends): granting and metrics only."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint_name: str | None,
        endpoint_arn: str | None,
        variant_names: Sequence[str],
        invoke_actions: Sequence[str] = _INVOKE,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = Problems(self, "Endpoint import")
        problems.check(
            endpoint_name is not None or endpoint_arn is not None,
            "endpoint_name",
            None,
            "give endpoint_name or endpoint_arn",
        )
        if endpoint_name is not None:
            problems.check_sagemaker_name("endpoint_name", endpoint_name)
        problems.check(bool(variant_names), "variant_names", list(variant_names), "must name at least one variant")
        for name in variant_names:
            problems.check_sagemaker_name("variant_names", name)
        problems.check_unique("variant_names", list(variant_names))
        problems.raise_if_any()
        self._name, self._arn = sagemaker_name_and_arn(self, "endpoint", endpoint_name, endpoint_arn)
        self._invoke_actions = tuple(invoke_actions)
        for name in variant_names:
            self._variants[name] = ProductionVariant(self, name)

    @property
    def endpoint_name(self) -> str:
        return self._name

    @property
    def endpoint_arn(self) -> str:
        return self._arn
