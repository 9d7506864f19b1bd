"""``ServerlessEndpoint``: a SageMaker Serverless Inference endpoint, with provisioned concurrency."""

from __future__ import annotations

from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from constructs_lib._core import endpoints as ep
from constructs_lib._core.nag import acknowledge
from constructs_lib._core.validation import Problems
from constructs_lib.inference.cost_summary import AlwaysOnCapacity
from constructs_lib.inference.endpoint_options import (
    InstanceVariant,
    ProvisionedConcurrencyScaling,
    ServerlessVariant,
    as_instance_type,
)
from constructs_lib.inference.model import Model

_MEMORY_SIZES = (1024, 2048, 3072, 4096, 5120, 6144)
_MAX_CONCURRENCY = 200


class ServerlessEndpoint(ep.EndpointBase):
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

        self._physical_name = ep.physical_endpoint_name(self, endpoint_name)
        self.variant = variant
        self.variant_names = (variant.variant_name,)
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
        scaling = variant.provisioned_concurrency_scaling
        self.resource = sagemaker.CfnEndpoint(
            self,
            "Resource",
            endpoint_name=self._physical_name,
            endpoint_config_name=self.config.attr_endpoint_config_name,
            # Updates keep the provisioned concurrency that autoscaling set.
            retain_all_variant_properties=True if scaling else None,
        )
        self.scalable_target: appscaling.ScalableTarget | None = None
        if scaling is not None:
            self.scalable_target = self._autoscale(scaling)

    def always_on_capacity(self) -> list[AlwaysOnCapacity]:
        """Nothing runs while idle, except provisioned concurrency (at its scaling minimum, if
        autoscaled). It is priced per GB-second, not per instance: listed under a key
        (``serverless-pc.<memory>MB``) that the price table leaves unpriced unless a sourced price is added."""
        v = self.variant
        if not v.provisioned_concurrency:
            return []
        scaling = v.provisioned_concurrency_scaling
        count = scaling.min_capacity if scaling is not None else v.provisioned_concurrency
        return [
            AlwaysOnCapacity(
                f"variant {v.variant_name}: provisioned concurrency at {v.memory_size_mb} MB",
                f"serverless-pc.{v.memory_size_mb}MB",
                count,
            )
        ]

    def metric_model_setup_time(self, **kwargs) -> cloudwatch.Metric:
        """``ModelSetupTime``: cold-start time of new compute, in microseconds."""
        return self.metric("ModelSetupTime", **kwargs)

    def metric_provisioned_concurrency_utilization(self, **kwargs) -> cloudwatch.Metric:
        return self.metric("ServerlessProvisionedConcurrencyUtilization", **kwargs)

    def _autoscale(self, scaling: ProvisionedConcurrencyScaling) -> appscaling.ScalableTarget:
        target = self._scalable_target(
            "ProvisionedConcurrencyScaling",
            variant_name=self.variant.variant_name,
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
        if not isinstance(variant, ServerlessVariant):
            problems.add("variant", type(variant).__name__, "must be a ServerlessVariant")
            problems.raise_if_any()
        ep.check_variant_names(problems, [variant.variant_name])
        problems.check_one_of("variant.memory_size_mb", variant.memory_size_mb, _MEMORY_SIZES)
        problems.check_range(
            "variant.max_concurrency", variant.max_concurrency, minimum=1, maximum=_MAX_CONCURRENCY, integer=True
        )
        provisioned = variant.provisioned_concurrency
        if provisioned is not None:
            problems.check_range(
                "variant.provisioned_concurrency", provisioned, minimum=1, maximum=_MAX_CONCURRENCY, integer=True
            )
            problems.check(
                provisioned <= variant.max_concurrency,
                "variant.provisioned_concurrency",
                provisioned,
                f"must not be above max_concurrency ({variant.max_concurrency})",
            )
        scaling = variant.provisioned_concurrency_scaling
        if scaling is not None:
            where = "variant.provisioned_concurrency_scaling"
            problems.check(
                provisioned is not None,
                where,
                "given",
                "needs provisioned_concurrency (the starting point of the scaling range)",
            )
            ep.check_capacity_range(problems, where, scaling.min_capacity, scaling.max_capacity, minimum=1)
            problems.check(
                scaling.max_capacity <= variant.max_concurrency,
                f"{where}.max_capacity",
                scaling.max_capacity,
                f"must not be above max_concurrency ({variant.max_concurrency})",
            )
            if provisioned is not None:
                problems.check(
                    scaling.min_capacity <= provisioned <= scaling.max_capacity,
                    f"{where}.min_capacity..max_capacity",
                    f"{scaling.min_capacity}..{scaling.max_capacity}",
                    f"must include provisioned_concurrency ({provisioned})",
                )
            problems.check_range(f"{where}.target_utilization", scaling.target_utilization, minimum=0.1, maximum=0.9)
            ep.check_cooldowns(problems, where, scaling.scale_in_cooldown, scaling.scale_out_cooldown)
            ep.check_schedules(problems, where, scaling.schedules, minimum=1)
        model = variant.model
        if isinstance(model, Model):
            _check_serverless_model(problems, model)
        else:
            problems.add("variant.model", type(model).__name__, "must be a constructs_lib Model")
        problems.raise_if_any()


def _is_gpu(variant: InstanceVariant) -> bool:
    return as_instance_type(variant.instance_type).is_accelerated


def _check_serverless_model(problems: Problems, model: Model) -> None:
    """What Serverless Inference does not support, checked on the model it would host."""
    gpu = [c.image.image_uri for c in model.containers if c.image is not None and c.image.is_gpu_build]
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
