"""What the endpoint constructs share: checks, resource properties and autoscaling helpers (private)."""

from __future__ import annotations

import math
import typing
from collections.abc import Iterable, Sequence

from aws_cdk import Duration, Names
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from constructs_lib._core.durations import in_seconds
from constructs_lib._core.grants import KMS_ENCRYPT, S3_WRITE
from constructs_lib._core.jsii_types import as_key
from constructs_lib._core.nag import acknowledge
from constructs_lib._core.s3_access import grant_objects
from constructs_lib._core.service_model import PRODUCTION_VARIANT_INSTANCE_TYPE, check_instance_type, check_shape
from constructs_lib._core.stack_facts import construct_path, read_once, stack_of
from constructs_lib._core.validation import Problems, given, is_unresolved, whole
from constructs_lib.foundation.encryption_key import EncryptionKey
from constructs_lib.inference.data_capture import DataCaptureOptions
from constructs_lib.inference.endpoint import ProductionVariant
from constructs_lib.inference.endpoint_options import (
    InstanceScaling,
    InstanceVariant,
    ScalingMetric,
    ScheduledScaling,
    ServerlessVariant,
    as_instance_type,
)
from constructs_lib.inference.model import IModel, Model

INSTANCE_COUNT_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
PROVISIONED_CONCURRENCY_DIMENSION = "sagemaker:variant:DesiredProvisionedConcurrency"
_SCALING_ROLE = (
    "role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
    "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
)


def physical_endpoint_name(scope: Construct, given: str | None) -> str:
    """The given name, or a stable unique one from the construct path (known at synth, so alarms
    and metrics can name the endpoint without depending on it)."""
    if given is not None:
        return given
    return Names.unique_resource_name(scope, max_length=63, separator="-")


def scaling_role(scope: Construct) -> iam.IRole:
    """Application Auto Scaling's service-linked role for SageMaker (CDK would otherwise make an empty role)."""
    arn = stack_of(scope).format_arn(
        service="iam", region="", resource=_SCALING_ROLE.split("/", 1)[0], resource_name=_SCALING_ROLE.split("/", 1)[1]
    )
    return iam.Role.from_role_arn(scope, "ScalingRole", arn, mutable=False)


def scalable_target(
    endpoint: Construct,
    resource: sagemaker.CfnEndpoint,
    construct_id: str,
    *,
    variant: ProductionVariant,
    dimension: str,
    min_capacity: int,
    max_capacity: int,
) -> appscaling.ScalableTarget:
    """A scalable target on one of ``endpoint``'s variants, registered once the endpoint exists."""
    found = endpoint.node.try_find_child("ScalingRole")
    role = typing.cast(iam.IRole, found) if found is not None else scaling_role(endpoint)
    target = appscaling.ScalableTarget(
        endpoint,
        construct_id,
        service_namespace=appscaling.ServiceNamespace.SAGEMAKER,
        resource_id=variant.resource_id,
        scalable_dimension=dimension,
        min_capacity=min_capacity,
        max_capacity=max_capacity,
        role=role,
    )
    # Registering the target checks that the variant exists.
    target.node.add_dependency(resource)
    return target


# --- checks --------------------------------------------------------------------------------------

#: A production variant's members in botocore's model (their limits are checked from there).
_VARIANT = "CreateEndpointConfigInput.ProductionVariants.member"


def check_endpoint_name(problems: Problems, name: str | None) -> None:
    if name is not None:
        problems.check_sagemaker_name("endpoint_name", name)


def check_variant_names(problems: Problems, names: Iterable[str]) -> None:
    names = list(names)
    for name in names:
        problems.check_sagemaker_name("variant_name", name)
    problems.check_unique("variant_name", names)


def check_instance_variant(problems: Problems, where: str, variant: object, *, endpoint_kind: str) -> bool:
    """Checks an ``InstanceVariant``; False (after recording why) for anything else."""
    if isinstance(variant, ServerlessVariant):
        problems.add(
            where,
            variant.variant_name,
            f"is a ServerlessVariant: {endpoint_kind} endpoints run on instances, and AWS does not mix "
            "serverless and instance variants in one endpoint (use ServerlessEndpoint)",
        )
        return False
    if not isinstance(variant, InstanceVariant):
        problems.add(where, type(variant).__name__, "must be an InstanceVariant")
        return False
    problems.check(
        isinstance(variant.model, Model) or hasattr(variant.model, "model_name"),
        f"{where}.model",
        type(variant.model).__name__,
        "must be an IModel (a Model, or Model.from_model_name(...))",
    )
    instance_type = as_instance_type(variant.instance_type)
    check_instance_type(problems, f"{where}.instance_type", instance_type, PRODUCTION_VARIANT_INSTANCE_TYPE)
    check_shape(
        problems, f"{where}.initial_instance_count", variant.initial_instance_count, f"{_VARIANT}.InitialInstanceCount"
    )
    problems.check(
        is_unresolved(variant.initial_weight)
        or (isinstance(given(variant.initial_weight), (int, float)) and variant.initial_weight > 0),
        f"{where}.initial_weight",
        variant.initial_weight,
        "must be a number above 0 (a variant with weight 0 gets no traffic: remove it instead)",
    )
    if variant.volume_size_gb is not None:
        check_shape(problems, f"{where}.volume_size_gb", variant.volume_size_gb, f"{_VARIANT}.VolumeSizeInGB")
        problems.check(
            not instance_type.has_instance_storage,
            f"{where}.volume_size_gb",
            variant.volume_size_gb,
            f"cannot be set for {instance_type.name}: it uses its NVMe instance storage",
        )
    for name, member in (
        ("model_data_download_timeout", "ModelDataDownloadTimeoutInSeconds"),
        ("container_startup_health_check_timeout", "ContainerStartupHealthCheckTimeoutInSeconds"),
    ):
        timeout = getattr(variant, name)
        if timeout is not None:
            check_shape(problems, f"{where}.{name} (seconds)", in_seconds(timeout), f"{_VARIANT}.{member}")
    return True


def check_autoscaling(
    problems: Problems,
    where: str,
    options: InstanceScaling,
    *,
    initial_count: int,
    instance_type: str,
    minimum: int = 1,
) -> None:
    check_capacity_range(problems, where, options.min_capacity, options.max_capacity, minimum=minimum)
    known = not any(is_unresolved(v) for v in (initial_count, options.min_capacity, options.max_capacity))
    if known and options.min_capacity <= options.max_capacity:
        problems.check(
            options.min_capacity <= initial_count <= options.max_capacity,
            f"{where}.min_capacity..max_capacity",
            f"{options.min_capacity}..{options.max_capacity}",
            f"must include the variant's initial_instance_count ({initial_count})",
        )
    problems.check_range(f"{where}.target_value", options.target_value, minimum=0.001)
    problems.check(
        (options.metric == ScalingMetric.CUSTOM) == (options.custom_metric is not None),
        f"{where}.custom_metric",
        options.custom_metric,
        "is required with metric=ScalingMetric.CUSTOM and only allowed with it",
    )
    if options.metric == ScalingMetric.GPU_UTILIZATION:
        problems.check(
            as_instance_type(instance_type).is_gpu,
            f"{where}.metric",
            options.metric.value,
            f"needs a GPU instance type, not {instance_type}",
        )
    check_cooldowns(problems, where, options.scale_in_cooldown, options.scale_out_cooldown)
    check_schedules(problems, where, options.schedules, minimum=minimum)


def check_capacity_range(problems: Problems, where: str, low: int, high: int, *, minimum: int) -> None:
    ok_low = problems.check_range(f"{where}.min_capacity", low, minimum=minimum, integer=True)
    ok_high = problems.check_range(f"{where}.max_capacity", high, minimum=max(1, minimum), integer=True)
    if ok_low and ok_high and not is_unresolved(low) and not is_unresolved(high):
        problems.check(low <= high, f"{where}.min_capacity", low, f"must not be above max_capacity ({high})")


def check_cooldowns(problems: Problems, where: str, scale_in: Duration, scale_out: Duration) -> None:
    problems.check_range(f"{where}.scale_in_cooldown (seconds)", in_seconds(scale_in), minimum=0)
    problems.check_range(f"{where}.scale_out_cooldown (seconds)", in_seconds(scale_out), minimum=0)


def check_schedules(problems: Problems, where: str, schedules: Sequence[ScheduledScaling], *, minimum: int) -> None:
    problems.check_unique(f"{where}.schedules[].name", [s.name for s in schedules])
    for s in schedules:
        at = f"{where}.schedules[{s.name}]"
        problems.check(
            s.min_capacity is not None or s.max_capacity is not None,
            at,
            None,
            "must set min_capacity, max_capacity or both",
        )
        if s.min_capacity is not None:
            problems.check_range(f"{at}.min_capacity", s.min_capacity, minimum=minimum, integer=True)
        if s.max_capacity is not None:
            problems.check_range(f"{at}.max_capacity", s.max_capacity, minimum=max(1, minimum), integer=True)
        if (
            s.min_capacity is not None
            and s.max_capacity is not None
            and not is_unresolved([s.min_capacity, s.max_capacity])
        ):
            problems.check(
                s.min_capacity <= s.max_capacity,
                f"{at}.min_capacity",
                s.min_capacity,
                f"must not be above max_capacity ({s.max_capacity})",
            )


def check_data_capture(problems: Problems, options: DataCaptureOptions | None) -> None:
    if options is None:
        return
    if not isinstance(given(options), DataCaptureOptions):
        problems.add("data_capture", type(options).__name__, "must be a constructs_lib.DataCaptureOptions")
        return
    check_shape(
        problems,
        "data_capture.sampling_percentage",
        options.sampling_percentage,
        "CreateEndpointConfigInput.DataCaptureConfig.InitialSamplingPercentage",
    )
    problems.check(
        options.capture_request or options.capture_response,
        "data_capture",
        "capture_request=False, capture_response=False",
        "must capture the request, the response or both",
    )
    check_prefix(problems, "data_capture.prefix", options.prefix)


def check_prefix(problems: Problems, prop: str, prefix: str) -> None:
    problems.check(
        bool(prefix) and not prefix.startswith("/") and not prefix.endswith("/"),
        prop,
        prefix,
        "must be a non-empty S3 key prefix without a leading or trailing '/'",
    )


def capacity_bounds(unit_percent: tuple[int, int], count: int) -> tuple[int, int]:
    """The instance counts ``low%..high%`` of a fleet of ``count`` instances allow (at least 1)."""
    low, high = unit_percent
    return max(1, math.ceil(count * low / 100)), math.floor(count * high / 100)


# --- resources -----------------------------------------------------------------------------------


def data_capture_property(
    options: DataCaptureOptions | None, models: Iterable[IModel]
) -> sagemaker.CfnEndpointConfig.DataCaptureConfigProperty | None:
    """The endpoint config's capture settings; lets the models' roles write the captured data."""
    if options is None:
        return None
    key = options.encryption_key
    for model in unique_models(models):
        grant_objects(
            model,
            options.bucket,
            f"{options.prefix}/*",
            S3_WRITE,
            key=key,
            kms_actions=KMS_ENCRYPT,
            why="captured requests and responses, one object per batch",
        )
    modes = [m for m, on in (("Input", options.capture_request), ("Output", options.capture_response)) if on]
    return sagemaker.CfnEndpointConfig.DataCaptureConfigProperty(
        capture_options=[sagemaker.CfnEndpointConfig.CaptureOptionProperty(capture_mode=m) for m in modes],
        destination_s3_uri=options.destination_s3_uri,
        initial_sampling_percentage=options.sampling_percentage,
        kms_key_id=read_once(key, "key_arn") if key is not None else None,
        enable_capture=True,
    )


def instance_variant_property(variant: InstanceVariant) -> sagemaker.CfnEndpointConfig.ProductionVariantProperty:
    def seconds(d: Duration | None) -> int | float | None:
        return whole(in_seconds(d)) if d is not None else None

    return sagemaker.CfnEndpointConfig.ProductionVariantProperty(
        variant_name=variant.variant_name,
        model_name=variant.model.model_name,
        instance_type=str(variant.instance_type),
        initial_instance_count=variant.initial_instance_count,
        initial_variant_weight=variant.initial_weight,
        volume_size_in_gb=variant.volume_size_gb,
        model_data_download_timeout_in_seconds=seconds(variant.model_data_download_timeout),
        container_startup_health_check_timeout_in_seconds=seconds(variant.container_startup_health_check_timeout),
    )


def _storage_types(variants: Iterable[InstanceVariant]) -> list[str]:
    return sorted({str(v.instance_type) for v in variants if as_instance_type(v.instance_type).has_instance_storage})


def check_volume_key(problems: Problems, given: kms.IKey | None, variants: Iterable[InstanceVariant]) -> None:
    storage = _storage_types(variants)
    problems.check(
        given is None or not storage,
        "volume_encryption_key",
        "given",
        f"cannot be used with instance types that have NVMe instance storage ({storage}): AWS "
        "encrypts those in hardware and rejects a KmsKeyId",
    )


def volume_key(scope: Construct, variants: Sequence[InstanceVariant], given: kms.IKey | None) -> kms.IKey | None:
    """The key for the instances' EBS volumes: none with instance-store types, else the given or a new one."""
    if _storage_types(variants):
        return None
    if given is not None:
        return given
    return as_key(EncryptionKey(scope, "VolumeKey", description=f"{construct_path(scope)} instance volumes"))


def acknowledge_instance_storage(config: sagemaker.CfnEndpointConfig, variants: Iterable[InstanceVariant]) -> None:
    acknowledge(
        config,
        f"Instance types {_storage_types(variants)} keep the endpoint's storage on NVMe instance-store volumes, "
        "which AWS encrypts with a hardware key on the instance; CreateEndpointConfig rejects a KmsKeyId for "
        "them (see constructs_lib.inference.endpoint_options.INSTANCE_STORAGE_FAMILIES).",
        "HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured",
        "NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured",
    )


def add_schedules(target: appscaling.ScalableTarget, schedules: Sequence[ScheduledScaling]) -> None:
    for s in schedules:
        target.scale_on_schedule(
            s.name,
            schedule=s.schedule,
            min_capacity=s.min_capacity,
            max_capacity=s.max_capacity,
            time_zone=s.time_zone,
        )


def unique_models(models: Iterable[IModel]) -> list[IModel]:
    seen: dict[int, IModel] = {}
    for m in models:
        seen.setdefault(id(m), m)
    return list(seen.values())
