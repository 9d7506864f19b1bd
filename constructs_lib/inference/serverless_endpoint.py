"""``ServerlessEndpoint``: a SageMaker Serverless Inference endpoint, with provisioned concurrency."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from constructs_lib._core import durations
from constructs_lib._core.nag import acknowledge
from constructs_lib._core.service_model import check_shape, resolve
from constructs_lib._core.validation import Problems, given, is_unresolved
from constructs_lib.inference import _endpoints as ep
from constructs_lib.inference.cost_summary import AlwaysOnCapacity
from constructs_lib.inference.endpoint import SAGEMAKER_NAMESPACE, DefinedEndpoint, ProductionVariant
from constructs_lib.inference.endpoint_options import (
    ConcurrencyScaling,
    InstanceVariant,
    ScheduledScaling,
    ServerlessVariant,
    as_instance_type,
)
from constructs_lib.inference.model import Model

#: A serverless variant's members in botocore's model (their limits are checked from there).
_SERVERLESS = "CreateEndpointConfigInput.ProductionVariants.member.ServerlessConfig"


def _memory_sizes() -> tuple[int, ...]:
    """botocore's ServerlessMemorySizeInMB range, in the documented steps of 1 GB (1024 to 6144)."""
    limits = resolve(f"{_SERVERLESS}.MemorySizeInMB")[1]
    return tuple(range(limits["min"], limits["max"] + 1, 1024))


class ServerlessProductionVariant(ProductionVariant):
    """The variant of a ``ServerlessEndpoint``: its metrics and the autoscaling of its provisioned
    concurrency (``endpoint.variant().auto_scale_provisioned_concurrency(max_capacity=10)``)."""

    def __init__(self, endpoint: ServerlessEndpoint, props: ServerlessVariant) -> None:
        super().__init__(endpoint, props.variant_name, metrics_endpoint_name=endpoint.physical_endpoint_name)
        self._owner = endpoint
        #: What the variant was declared with.
        self.props = props
        #: The provisioned-concurrency scalable target, once autoscaled.
        self.scalable_target: appscaling.ScalableTarget | None = None
        self._scaling: ConcurrencyScaling | None = None

    def metric_model_setup_time(self, **props: Any) -> cloudwatch.Metric:
        """Serverless: ``ModelSetupTime``, cold-start time of new compute, in microseconds."""
        return self._metric(SAGEMAKER_NAMESPACE, "ModelSetupTime", "Average", props)

    def metric_provisioned_concurrency_utilization(self, **props: Any) -> cloudwatch.Metric:
        """Serverless: ``ServerlessProvisionedConcurrencyUtilization``, the share of provisioned concurrency in use."""
        return self._metric(SAGEMAKER_NAMESPACE, "ServerlessProvisionedConcurrencyUtilization", "Average", props)

    @property
    def min_provisioned_concurrency(self) -> int:
        """Provisioned concurrency while idle: the scaling minimum, else the fixed value (0 without)."""
        if self._scaling is not None:
            return self._scaling.min_capacity
        return self.props.provisioned_concurrency or 0

    def auto_scale_provisioned_concurrency(
        self,
        *,
        max_capacity: int,
        min_capacity: int = 1,
        target_utilization: float = 0.5,
        scale_in_cooldown: Duration | None = None,
        scale_out_cooldown: Duration | None = None,
        schedules: Sequence[ScheduledScaling] = (),
    ) -> appscaling.ScalableTarget:
        """Autoscale the provisioned concurrency (``sagemaker:variant:DesiredProvisionedConcurrency``),
        which the variant must have, on ``SageMakerVariantProvisionedConcurrencyUtilization``; endpoint
        updates keep the autoscaled value (``RetainAllVariantProperties``).

        :param max_capacity: the most provisioned concurrency (at most the variant's max concurrency).
        :param min_capacity: default 1; must include the variant's ``provisioned_concurrency``.
        :param target_utilization: default 0.5; the utilization to aim for (0.1 to 0.9).
        :param scale_in_cooldown: default 5 minutes.
        :param scale_out_cooldown: default 1 minute.
        :param schedules: default none; scheduled changes of the range (e.g. none at night).
        """
        options = ConcurrencyScaling(
            max_capacity=max_capacity,
            min_capacity=min_capacity,
            target_utilization=target_utilization,
            scale_in_cooldown=scale_in_cooldown or durations.minutes(5),
            scale_out_cooldown=scale_out_cooldown or durations.minutes(1),
            schedules=tuple(schedules),
        )
        problems = Problems(self._owner, "ServerlessEndpoint")
        problems.check(
            self.scalable_target is None,
            "variant().auto_scale_provisioned_concurrency",
            "called twice",
            "a variant has one provisioned-concurrency target",
        )
        _check_concurrency_scaling(problems, self.props, options)
        problems.raise_if_any()
        self._scaling = options
        self.scalable_target = self._owner.add_concurrency_scaling(self, options)
        return self.scalable_target


class ServerlessEndpoint(DefinedEndpoint):
    """Defines a SageMaker serverless endpoint: no instances to manage, billed per request, scaled to
    zero between requests; provisioned concurrency (optionally autoscaled) keeps some capacity warm.

    Serverless Inference runs CPU containers outside your VPC and supports neither network
    isolation, data capture, multi-model or multi-container models, nor several variants: the
    construct refuses models that need those. It has no instance volume to encrypt with your key.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        variant: ServerlessVariant,
        endpoint_name: str | None = None,
    ) -> None:
        """
        :param variant: the one serverless variant (model, memory, concurrency).
        :param endpoint_name: default, a stable unique name derived from the construct path.
        """
        super().__init__(scope, construct_id)
        self._validate(variant, endpoint_name)

        #: The endpoint's name, known at synth (metrics and alarms use it without depending on the endpoint).
        self.physical_endpoint_name = ep.physical_endpoint_name(self, endpoint_name)
        self._variants[variant.variant_name] = ServerlessProductionVariant(self, variant)
        self.config = sagemaker.CfnEndpointConfig(
            self,
            "Config",
            production_variants=[
                sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                    variant_name=variant.variant_name,
                    model_name=variant.model.model_name,
                    serverless_config=sagemaker.CfnEndpointConfig.ServerlessConfigProperty(
                        memory_size_in_mb=variant.memory_size_mb,
                        max_concurrency=variant.max_concurrency,
                        provisioned_concurrency=variant.provisioned_concurrency,
                    ),
                )
            ],
        )
        acknowledge(
            self.config,
            "Serverless Inference has no instance storage volume to encrypt with a customer key: AWS "
            "manages and encrypts the compute it runs on, and the endpoint config takes no KmsKeyId.",
            "HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured",
            "NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured",
        )
        self.resource = sagemaker.CfnEndpoint(
            self,
            "Resource",
            endpoint_name=self.physical_endpoint_name,
            endpoint_config_name=self.config.attr_endpoint_config_name,
        )

    def variant(self, variant_name: str | None = None) -> ServerlessProductionVariant:
        """The endpoint's one variant."""
        found = super().variant(variant_name)
        assert isinstance(found, ServerlessProductionVariant)
        return found

    @property
    def scalable_target(self) -> appscaling.ScalableTarget | None:
        return self.variant().scalable_target

    def always_on_capacity(self) -> list[AlwaysOnCapacity]:
        """Nothing runs while idle, except provisioned concurrency (at its scaling minimum, if
        autoscaled). It is priced per GB-second, not per instance: listed under a key
        (``serverless-pc.<memory>MB``) that the price table leaves unpriced unless a sourced price is added."""
        v = self.variant()
        if not v.props.provisioned_concurrency:
            return []
        return [
            AlwaysOnCapacity(
                f"variant {v.variant_name}: provisioned concurrency at {v.props.memory_size_mb} MB",
                f"serverless-pc.{v.props.memory_size_mb}MB",
                v.min_provisioned_concurrency,
            )
        ]

    def metric_model_setup_time(self, **props: Any) -> cloudwatch.Metric:
        """``ModelSetupTime``: cold-start time of new compute, in microseconds."""
        return self.variant().metric_model_setup_time(**props)

    def metric_provisioned_concurrency_utilization(self, **props: Any) -> cloudwatch.Metric:
        return self.variant().metric_provisioned_concurrency_utilization(**props)

    def add_concurrency_scaling(
        self, variant: ServerlessProductionVariant, scaling: ConcurrencyScaling
    ) -> appscaling.ScalableTarget:
        """The provisioned-concurrency target and its policy (call
        ``variant.auto_scale_provisioned_concurrency``, which checks the options first)."""
        # Updates keep the provisioned concurrency that autoscaling set.
        self.resource.retain_all_variant_properties = True
        target = ep.scalable_target(
            self,
            self.resource,
            "ProvisionedConcurrencyScaling",
            variant=variant,
            dimension=ep.PROVISIONED_CONCURRENCY_DIMENSION,
            min_capacity=scaling.min_capacity,
            max_capacity=scaling.max_capacity,
        )
        target.scale_to_track_metric(
            "TrackUtilization",
            predefined_metric=appscaling.PredefinedMetric.SAGEMAKER_VARIANT_PROVISIONED_CONCURRENCY_UTILIZATION,
            target_value=scaling.target_utilization,
            scale_in_cooldown=scaling.scale_in_cooldown,
            scale_out_cooldown=scaling.scale_out_cooldown,
        )
        ep.add_schedules(target, scaling.schedules)
        return target

    def _validate(self, variant: ServerlessVariant, endpoint_name: str | None) -> None:
        problems = Problems(self, "ServerlessEndpoint")
        ep.check_endpoint_name(problems, endpoint_name)
        if isinstance(variant, InstanceVariant):
            gpu = " (a GPU type: Serverless Inference is CPU only)" if _is_gpu(variant) else ""
            problems.add(
                "variant",
                f"InstanceVariant({variant.instance_type}){gpu}",
                "serverless endpoints take a ServerlessVariant; instance variants cannot be mixed with "
                "serverless ones (use RealtimeEndpoint or AsyncEndpoint)",
            )
            problems.raise_if_any()
        if not isinstance(given(variant), ServerlessVariant):
            problems.add("variant", type(variant).__name__, "must be a ServerlessVariant")
            problems.raise_if_any()
        ep.check_variant_names(problems, [variant.variant_name])
        problems.check_one_of("variant.memory_size_mb", variant.memory_size_mb, _memory_sizes())
        check_shape(problems, "variant.max_concurrency", variant.max_concurrency, f"{_SERVERLESS}.MaxConcurrency")
        provisioned = variant.provisioned_concurrency
        if provisioned is not None:
            check_shape(
                problems, "variant.provisioned_concurrency", provisioned, f"{_SERVERLESS}.ProvisionedConcurrency"
            )
            problems.check_order(
                "variant.provisioned_concurrency",
                provisioned,
                variant.max_concurrency,
                f"must not be above max_concurrency ({variant.max_concurrency})",
            )
        model = variant.model
        if isinstance(model, Model):
            _check_serverless_model(problems, model)
        problems.raise_if_any()


def _check_concurrency_scaling(problems: Problems, variant: ServerlessVariant, scaling: ConcurrencyScaling) -> None:
    where = "variant().auto_scale_provisioned_concurrency"
    provisioned = variant.provisioned_concurrency
    problems.check(
        provisioned is not None,
        where,
        "called",
        "needs the variant's provisioned_concurrency (the starting point of the scaling range)",
    )
    ep.check_capacity_range(problems, where, scaling.min_capacity, scaling.max_capacity, minimum=1)
    problems.check(
        is_unresolved(variant.max_concurrency) or scaling.max_capacity <= variant.max_concurrency,
        f"{where}.max_capacity",
        scaling.max_capacity,
        f"must not be above max_concurrency ({variant.max_concurrency})",
    )
    if provisioned is not None and not is_unresolved([provisioned, scaling.min_capacity, scaling.max_capacity]):
        problems.check(
            scaling.min_capacity <= provisioned <= scaling.max_capacity,
            f"{where}.min_capacity..max_capacity",
            f"{scaling.min_capacity}..{scaling.max_capacity}",
            f"must include provisioned_concurrency ({provisioned})",
        )
    problems.check_range(f"{where}.target_utilization", scaling.target_utilization, minimum=0.1, maximum=0.9)
    ep.check_cooldowns(problems, where, scaling.scale_in_cooldown, scaling.scale_out_cooldown)
    ep.check_schedules(problems, where, scaling.schedules, minimum=1)


def _is_gpu(variant: InstanceVariant) -> bool:
    return as_instance_type(variant.instance_type).is_accelerated


def _check_serverless_model(problems: Problems, model: Model) -> None:
    """What Serverless Inference does not support, checked on the model it would host."""
    gpu = [c.image.label for c in model.containers if c.image is not None and c.image.is_gpu_build]
    problems.check(not gpu, "variant.model", gpu, "holds GPU images: Serverless Inference runs on CPUs only")
    problems.check(
        len(model.containers) == 1,
        "variant.model",
        f"{len(model.containers)} containers",
        "Serverless Inference hosts single-container models (no inference pipelines)",
    )
    problems.check(
        not model.multi_model,
        "variant.model",
        "multi_model=True",
        "Serverless Inference does not support multi-model endpoints",
    )
    problems.check(
        not model.in_vpc,
        "variant.model",
        "network",
        "Serverless Inference does not support VPC configuration: create the Model with network=None",
    )
    problems.check(
        not model.network_isolation,
        "variant.model",
        "network_isolation=True",
        "Serverless Inference does not support network isolation: create the Model with network_isolation=False",
    )
