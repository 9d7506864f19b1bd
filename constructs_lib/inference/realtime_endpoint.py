"""``RealtimeEndpoint``: a SageMaker real-time endpoint on instances, with autoscaling and guardrails."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from constructs_lib._core.durations import in_milliseconds
from constructs_lib._core.stack_facts import construct_path, read_once
from constructs_lib._core.validation import Problems, given
from constructs_lib.inference import _endpoints as ep
from constructs_lib.inference import _guardrails as guardrails
from constructs_lib.inference.cost_summary import AlwaysOnCapacity
from constructs_lib.inference.data_capture import DataCaptureOptions
from constructs_lib.inference.endpoint import DefinedEndpoint, InstanceProductionVariant
from constructs_lib.inference.endpoint_options import (
    DeploymentGuardrails,
    InstanceScaling,
    InstanceVariant,
    ScalingMetric,
    as_instance_type,
)
from constructs_lib.inference.model import Model

_MAX_VARIANTS = 10
#: The blue/green policy's members in botocore's model (the rolling policy's waits have the same limits).
_BLUE_GREEN = "CreateEndpointInput.DeploymentConfig.BlueGreenUpdatePolicy"
# Shares of a variant's fleet that AWS accepts for each batch kind (percent, inclusive).
_CANARY = (0, 50)
_LINEAR = (10, 50)
_ROLLING = (5, 50)
_ROLLBACK = (0, 100)


class RealtimeEndpoint(DefinedEndpoint):
    """Defines a SageMaker real-time endpoint: production variants on instances (A/B weights),
    optional shadow variants, per-variant autoscaling (``endpoint.variant(name).auto_scale_instance_count``),
    deployment guardrails with auto-rollback, data capture for Model Monitor and a KMS key for the
    instances' volumes.

    The endpoint configuration has no fixed name (any change replaces it and the endpoint is
    updated in place). The endpoint's own name is stable: given, or derived from the construct path.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        variants: Sequence[InstanceVariant],
        shadow_variants: Sequence[InstanceVariant] = (),
        deployment: DeploymentGuardrails | None = None,
        data_capture: DataCaptureOptions | None = None,
        volume_encryption_key: kms.IKey | None = None,
        alarm_actions: Sequence[cloudwatch.IAlarmAction] = (),
        endpoint_name: str | None = None,
    ) -> None:
        """
        :param variants: 1 to 10 production variants (1 when there is a shadow variant).
        :param shadow_variants: default none; at most one variant that receives a copy of the traffic
            (its ``initial_weight`` relative to the production variant's) and whose answers are dropped.
        :param deployment: default none: AWS's blue/green, all at once, without alarms. Use
            ``DeploymentGuardrails.canary(...)`` and friends for baked, auto-rolled-back updates.
        :param data_capture: default none; capture requests and/or responses for Model Monitor.
        :param volume_encryption_key: default, a new ``EncryptionKey`` for the instances' EBS volumes;
            left out (and refused) when a variant uses an instance type with NVMe instance storage,
            which AWS encrypts in hardware and which rejects a volume key.
        :param alarm_actions: default none; actions of the rollback alarms (e.g. an SNS topic).
        :param endpoint_name: default, a stable unique name derived from the construct path.
        """
        super().__init__(scope, construct_id)
        all_variants = [*variants, *shadow_variants]
        self._validate(variants, shadow_variants, deployment, data_capture, volume_encryption_key, endpoint_name)

        #: The endpoint's name, known at synth (metrics and alarms use it without depending on the endpoint).
        self.physical_endpoint_name = ep.physical_endpoint_name(self, endpoint_name)
        self._deployment = deployment
        self._data_capture = data_capture
        for props in variants:
            self._variants[props.variant_name] = InstanceProductionVariant(
                self, props, metrics_endpoint_name=self.physical_endpoint_name, scaler=self
            )
        for props in shadow_variants:
            self._variants[props.variant_name] = InstanceProductionVariant(
                self, props, metrics_endpoint_name=self.physical_endpoint_name, shadow=True, scaler=self
            )

        self.volume_encryption_key = ep.volume_key(self, all_variants, volume_encryption_key)
        self.config = sagemaker.CfnEndpointConfig(
            self,
            "Config",
            production_variants=[ep.instance_variant_property(v) for v in variants],
            shadow_production_variants=[ep.instance_variant_property(v) for v in shadow_variants] or None,
            data_capture_config=ep.data_capture_property(data_capture, (v.model for v in all_variants)),
            kms_key_id=read_once(self.volume_encryption_key, "key_arn") if self.volume_encryption_key else None,
        )
        if self.volume_encryption_key is None:
            ep.acknowledge_instance_storage(self.config, all_variants)

        self.rollback_alarms: list[cloudwatch.IAlarm] = []
        if deployment is not None:
            self.rollback_alarms = self._rollback_alarms(deployment, alarm_actions)

        self.resource = sagemaker.CfnEndpoint(
            self,
            "Resource",
            endpoint_name=self.physical_endpoint_name,
            endpoint_config_name=self.config.attr_endpoint_config_name,
            deployment_config=guardrails.deployment_config(deployment, self.rollback_alarms) if deployment else None,
        )

    @property
    def variants(self) -> tuple[InstanceProductionVariant, ...]:
        """The production variants, then the shadow variant."""
        return tuple(v for v in self._variants.values() if isinstance(v, InstanceProductionVariant))

    def variant(self, variant_name: str | None = None) -> InstanceProductionVariant:
        """The production or shadow variant ``variant_name`` (default, the first production variant)."""
        found = super().variant(variant_name)
        assert isinstance(found, InstanceProductionVariant)
        return found

    @property
    def production_variants(self) -> tuple[InstanceProductionVariant, ...]:
        return tuple(v for v in self.variants if not v.shadow)

    @property
    def shadow_variants(self) -> tuple[InstanceProductionVariant, ...]:
        return tuple(v for v in self.variants if v.shadow)

    @property
    def autoscaling_enabled(self) -> bool:
        return any(v.scalable_target is not None for v in self.variants)

    @property
    def scalable_targets(self) -> dict[str, appscaling.ScalableTarget]:
        """The autoscaled variants' scalable targets, by variant name."""
        return {v.variant_name: v.scalable_target for v in self.variants if v.scalable_target is not None}

    def always_on_capacity(self) -> list[AlwaysOnCapacity]:
        """Each variant's instances at minimum capacity (the autoscaling minimum, else the initial
        count); a ``WorkingHours`` schedule on its target limits the hours counted."""
        return [
            AlwaysOnCapacity(
                f"{'shadow ' if v.shadow else ''}variant {v.variant_name} at minimum capacity",
                str(v.props.instance_type),
                v.min_capacity,
                scalable_targets=(v.scalable_target,) if v.scalable_target is not None else (),
            )
            for v in self.variants
        ]

    def check_scaling(self, variant: InstanceProductionVariant, options: InstanceScaling) -> None:
        """Refuses scaling that AWS or the endpoint's deployment guardrails would reject."""
        problems = Problems(self, "RealtimeEndpoint")
        where = f"variant({variant.variant_name!r}).auto_scale_instance_count"
        problems.check(
            variant.scalable_target is None, where, "called twice", "a variant has one instance-count target"
        )
        ep.check_autoscaling(
            problems,
            where,
            options,
            initial_count=variant.props.initial_instance_count,
            instance_type=str(variant.props.instance_type),
        )
        if self._deployment is not None and not problems:
            fleet = min(options.min_capacity if v is variant else v.min_capacity for v in self.production_variants)
            self._check_guardrails(problems, self._deployment, [v.props for v in self.production_variants], fleet)
        problems.raise_if_any()

    def add_instance_scaling(
        self, variant: InstanceProductionVariant, options: InstanceScaling
    ) -> appscaling.ScalableTarget:
        """The variant's instance-count target, its target-tracking policy and its schedules (call
        ``variant.auto_scale_instance_count``, which checks the options first)."""
        # Updates keep the instance counts that autoscaling set; weights and capture settings follow the code.
        self.resource.retain_all_variant_properties = True
        self.resource.exclude_retained_variant_properties = [
            sagemaker.CfnEndpoint.VariantPropertyProperty(variant_property_type=t)
            for t in ("DesiredWeight", "DataCaptureConfig")
        ]
        target = ep.scalable_target(
            self,
            self.resource,
            f"{variant.variant_name}Scaling",
            variant=variant,
            dimension=ep.INSTANCE_COUNT_DIMENSION,
            min_capacity=options.min_capacity,
            max_capacity=options.max_capacity,
        )
        if options.metric == ScalingMetric.INVOCATIONS_PER_INSTANCE:
            metric: dict[str, Any] = {
                "predefined_metric": appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE
            }
        elif options.metric == ScalingMetric.CUSTOM:
            metric = {"custom_metric": options.custom_metric}
        else:
            metric = {"custom_metric": variant.metric_instance(options.metric.value)}
        target.scale_to_track_metric(
            f"Track{options.metric.value}",
            target_value=options.target_value,
            scale_in_cooldown=options.scale_in_cooldown,
            scale_out_cooldown=options.scale_out_cooldown,
            disable_scale_in=options.disable_scale_in,
            **metric,
        )
        ep.add_schedules(target, options.schedules)
        return target

    # --- validation ------------------------------------------------------------------------------

    def _validate(
        self,
        variants: Sequence[InstanceVariant],
        shadow_variants: Sequence[InstanceVariant],
        deployment: DeploymentGuardrails | None,
        data_capture: DataCaptureOptions | None,
        volume_key: kms.IKey | None,
        endpoint_name: str | None,
    ) -> None:
        problems = Problems(self, "RealtimeEndpoint")
        problems.check(
            1 <= len(variants) <= _MAX_VARIANTS,
            "variants",
            len(variants),
            f"must hold 1 to {_MAX_VARIANTS} production variants",
        )
        problems.check(
            len(shadow_variants) <= 1, "shadow_variants", len(shadow_variants), "must hold at most one shadow variant"
        )
        if shadow_variants:
            problems.check(
                len(variants) == 1,
                "variants",
                len(variants),
                "must hold exactly one production variant when there is a shadow variant",
            )
        valid: list[InstanceVariant] = []
        for kind, group in (("variants", variants), ("shadow_variants", shadow_variants)):
            for i, v in enumerate(group):
                if ep.check_instance_variant(problems, f"{kind}[{i}]", v, endpoint_kind="real-time"):
                    valid.append(v)
        ep.check_variant_names(problems, [v.variant_name for v in valid])
        for v in (s for s in shadow_variants if isinstance(given(s), InstanceVariant)):
            model = v.model
            composite = isinstance(model, Model) and (model.multi_model or len(model.containers) > 1)
            problems.check(
                not (composite or as_instance_type(v.instance_type).is_inf1),
                "shadow_variants",
                v.variant_name,
                "shadow tests do not support multi-model, multi-container or Inf1 endpoints",
            )
        ep.check_data_capture(problems, data_capture)
        ep.check_endpoint_name(problems, endpoint_name)
        ep.check_volume_key(problems, volume_key, valid)
        if deployment is not None and len(valid) == len(variants) + len(shadow_variants):
            fleet = min(v.initial_instance_count for v in variants)
            self._check_guardrails(problems, deployment, list(variants), fleet)
        problems.raise_if_any()

    @staticmethod
    def _check_guardrails(
        problems: Problems, g: DeploymentGuardrails, variants: list[InstanceVariant], fleet: int
    ) -> None:
        """``fleet``: the smallest variant's minimum, the least the fleet holds during an update."""
        guardrails.check_guardrails(
            problems,
            g,
            variants,
            fleet,
            default_alarms=2 * len(variants),
            default_alarms_text="2 default alarms per production variant",
        )

    # --- resources -------------------------------------------------------------------------------

    def _rollback_alarms(
        self, g: DeploymentGuardrails, actions: Sequence[cloudwatch.IAlarmAction]
    ) -> list[cloudwatch.IAlarm]:
        """Per production variant: its 5XX error rate and its p99 model latency."""
        alarms: list[cloudwatch.Alarm] = []
        if g.default_alarms:
            for variant in self.production_variants:
                alarms.append(guardrails.error_rate_alarm(self, variant, g))
                alarms.append(
                    guardrails.rollback_alarm(
                        self,
                        f"{variant.variant_name}LatencyAlarm",
                        metric=variant.metric_model_latency(statistic="p99"),
                        threshold=in_milliseconds(g.max_model_latency) * 1000,  # ModelLatency is in microseconds
                        comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                        description=f"{construct_path(self)} {variant.variant_name}: p99 model latency above "
                        f"{in_milliseconds(g.max_model_latency):g} ms",
                    )
                )
            guardrails.add_alarm_actions(alarms, actions)
        return alarms + list(g.alarms)
