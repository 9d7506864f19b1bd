"""``AsyncEndpoint``: a SageMaker asynchronous inference endpoint that scales to zero."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from constructs import Construct

from constructs_lib._core import durations
from constructs_lib._core.grants import KMS_DECRYPT, KMS_ENCRYPT, S3_READ, S3_WRITE
from constructs_lib._core.jsii_types import as_key, as_topic
from constructs_lib._core.roles import add_to_principal
from constructs_lib._core.s3_access import grant_objects
from constructs_lib._core.stack_facts import construct_path
from constructs_lib._core.validation import Problems
from constructs_lib.foundation._topics import AlertTopicInPlaceOfSnsTopic
from constructs_lib.foundation.encryption_key import EncryptionKey
from constructs_lib.inference import _endpoints as ep
from constructs_lib.inference import _guardrails as guardrails
from constructs_lib.inference.cost_summary import AlwaysOnCapacity
from constructs_lib.inference.data_capture import DataCaptureOptions
from constructs_lib.inference.endpoint import (
    SAGEMAKER_NAMESPACE,
    DefinedEndpoint,
    InstanceProductionVariant,
    endpoint_metric,
)
from constructs_lib.inference.endpoint_options import AsyncScalingOptions, DeploymentGuardrails, InstanceVariant

_MAX_CONCURRENT_INVOCATIONS = 1000
#: Five-minute periods of backlog without capacity before a deployment rolls back: longer than a
#: scale-out from zero (the step policy's cooldown and an instance's start).
_BACKLOG_PERIODS = 3
#: The default rollback alarms: 5XX error rate, failed-invocation rate, backlog without capacity.
_DEFAULT_ALARMS = 3


class AsyncEndpoint(DefinedEndpoint):
    """Defines a SageMaker asynchronous endpoint: requests are queued, read from S3, answered into S3,
    and announced on KMS-encrypted SNS topics (success and error). For large payloads (up to 1 GB)
    and long processing (up to an hour).

    By default it scales to zero when its queue is empty: target tracking on
    ``ApproximateBacklogSizePerInstance`` plus a step policy on ``HasBacklogWithoutCapacity`` that
    starts the first instance. Clients call ``InvokeEndpointAsync`` with an input object under
    ``input_prefix`` (``grant_invoke``) and read the answer under ``output_prefix`` (``grant_read_results``).

    Updates roll out as SageMaker's deployment guardrails say (``deployment``): blue/green with
    all-at-once, canary or linear traffic shifting, or rolling, and auto-rollback on CloudWatch alarms
    that mean something for a queue: the 5XX error rate, the rate of failed invocations, and requests
    waiting with no instance to serve them (``rollback_alarms``).
    """

    invoke_actions: ClassVar[tuple[str, ...]] = ("sagemaker:InvokeEndpointAsync",)

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        variant: InstanceVariant,
        bucket: s3.IBucket,
        input_prefix: str = "async-inference/input",
        output_prefix: str = "async-inference/output",
        failure_prefix: str = "async-inference/failures",
        output_encryption_key: kms.IKey | None = None,
        notifications: bool = True,
        notification_key: kms.IKey | None = None,
        include_response_in_notifications: bool = False,
        max_concurrent_invocations_per_instance: int | None = None,
        # None keeps the variant's count, so the default is a value; AsyncScalingOptions is frozen.
        scaling: AsyncScalingOptions | None = AsyncScalingOptions(),  # noqa: B008
        data_capture: DataCaptureOptions | None = None,
        volume_encryption_key: kms.IKey | None = None,
        deployment: DeploymentGuardrails | None = None,
        alarm_actions: Sequence[cloudwatch.IAlarmAction] = (),
        endpoint_name: str | None = None,
    ) -> None:
        """
        :param variant: the one instance variant; ``scaling`` scales it on the backlog.
        :param bucket: where requests are read from and answers and failures are written.
        :param input_prefix: default ``async-inference/input``; where clients put requests.
        :param output_prefix: default ``async-inference/output``; answers (``S3OutputPath``).
        :param failure_prefix: default ``async-inference/failures``; failed requests' errors (``S3FailurePath``).
        :param output_encryption_key: default, the bucket's key (a ``SecureBucket``'s); encrypts answers.
        :param notifications: default True; publish to a success topic and an error topic.
        :param notification_key: default, a new ``EncryptionKey`` for the topics.
        :param include_response_in_notifications: default False: notifications carry the S3 location
            only (answers may hold sensitive data); True adds answers up to 128 KB to them.
        :param max_concurrent_invocations_per_instance: default, chosen by SageMaker; 1 to 1000.
        :param scaling: default ``AsyncScalingOptions()``: 0 to 2 instances. None keeps the variant's count.
        :param data_capture: default none; capture requests and/or responses for Model Monitor.
        :param volume_encryption_key: default, a new ``EncryptionKey`` (none for instance-store types).
        :param deployment: default none: AWS's blue/green, all at once, without alarms. Use
            ``DeploymentGuardrails.canary(...)`` and friends for baked, auto-rolled-back updates; the
            default rollback alarms here are the 5XX error rate (``max_error_rate``), the failed-invocation
            rate (``InvocationFailures``, same threshold) and a backlog without capacity for 15 minutes
            (``HasBacklogWithoutCapacity``); ``max_model_latency`` applies to real-time endpoints only
            (asynchronous requests may take up to an hour). Batch sizes are shares of the fewest
            instances the endpoint may have during an update (the scaling minimum, 0 when it scales to
            zero: give percentages then).
        :param alarm_actions: default none; actions of the rollback alarms (e.g. an SNS topic).
        :param endpoint_name: default, a stable unique name derived from the construct path.
        """
        super().__init__(scope, construct_id)
        self._validate(
            variant,
            (input_prefix, output_prefix, failure_prefix),
            max_concurrent_invocations_per_instance,
            scaling,
            data_capture,
            volume_encryption_key,
            deployment,
            endpoint_name,
        )

        #: The endpoint's name, known at synth (metrics and alarms use it without depending on the endpoint).
        self.physical_endpoint_name = ep.physical_endpoint_name(self, endpoint_name)
        self._variant_props = variant
        self._variants[variant.variant_name] = InstanceProductionVariant(
            self, variant, metrics_endpoint_name=self.physical_endpoint_name
        )
        self.scaling = scaling
        self._data_capture = data_capture
        self.bucket: s3.IBucket = bucket
        self.encryption_key: kms.IKey | None = output_encryption_key or bucket.encryption_key
        self.input_prefix, self.output_prefix, self.failure_prefix = input_prefix, output_prefix, failure_prefix

        role = variant.model
        grant_objects(
            role,
            self.bucket,
            f"{input_prefix}/*",
            S3_READ,
            key=self.encryption_key,
            kms_actions=KMS_DECRYPT,
            why="requests that clients upload before invoking",
        )
        for prefix, what in ((output_prefix, "answers"), (failure_prefix, "failure reports")):
            grant_objects(
                role,
                self.bucket,
                f"{prefix}/*",
                S3_WRITE,
                key=self.encryption_key,
                kms_actions=KMS_ENCRYPT,
                why=f"{what}, one object per request",
            )

        self.success_topic: sns.ITopic | None = None
        self.error_topic: sns.ITopic | None = None
        notification_config = None
        if notifications:
            key = notification_key or as_key(
                EncryptionKey(
                    self,
                    "NotificationKey",
                    description=f"{construct_path(self)} notification topics",
                    service_principals=("sagemaker.amazonaws.com",),
                )
            )
            # The model's role publishes (granted below). sns.Topics until 0.2: their IDs are those of their paths.
            success_topic = AlertTopicInPlaceOfSnsTopic(self, "SuccessTopic", encryption_key=key, publishers=())
            error_topic = AlertTopicInPlaceOfSnsTopic(self, "ErrorTopic", encryption_key=key, publishers=())
            self.success_topic = as_topic(success_topic)
            self.error_topic = as_topic(error_topic)
            add_to_principal(role, ["sns:Publish"], [success_topic.topic_arn, error_topic.topic_arn])
            add_to_principal(role, KMS_ENCRYPT, [key.key_arn])
            notification_config = sagemaker.CfnEndpointConfig.AsyncInferenceNotificationConfigProperty(
                success_topic=success_topic.topic_arn,
                error_topic=error_topic.topic_arn,
                include_inference_response_in=["SUCCESS_NOTIFICATION_TOPIC", "ERROR_NOTIFICATION_TOPIC"]
                if include_response_in_notifications
                else None,
            )

        self.volume_encryption_key = ep.volume_key(self, [variant], volume_encryption_key)
        self.config = sagemaker.CfnEndpointConfig(
            self,
            "Config",
            production_variants=[ep.instance_variant_property(variant)],
            async_inference_config=sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty(
                output_config=sagemaker.CfnEndpointConfig.AsyncInferenceOutputConfigProperty(
                    s3_output_path=self.bucket.s3_url_for_object(output_prefix),
                    s3_failure_path=self.bucket.s3_url_for_object(failure_prefix),
                    kms_key_id=self.encryption_key.key_arn if self.encryption_key else None,
                    notification_config=notification_config,
                ),
                client_config=sagemaker.CfnEndpointConfig.AsyncInferenceClientConfigProperty(
                    max_concurrent_invocations_per_instance=max_concurrent_invocations_per_instance
                )
                if max_concurrent_invocations_per_instance
                else None,
            ),
            data_capture_config=ep.data_capture_property(data_capture, [variant.model]),
            kms_key_id=self.volume_encryption_key.key_arn if self.volume_encryption_key else None,
        )
        if self.volume_encryption_key is None:
            ep.acknowledge_instance_storage(self.config, [variant])
        #: The alarms that roll a deployment back (none without ``deployment``).
        self.rollback_alarms: list[cloudwatch.IAlarm] = (
            self._rollback_alarms(deployment, alarm_actions) if deployment is not None else []
        )
        self.resource = sagemaker.CfnEndpoint(
            self,
            "Resource",
            endpoint_name=self.physical_endpoint_name,
            endpoint_config_name=self.config.attr_endpoint_config_name,
            # Updates keep the instance count that autoscaling set (possibly zero).
            retain_all_variant_properties=True if scaling else None,
            deployment_config=guardrails.deployment_config(deployment, self.rollback_alarms) if deployment else None,
        )
        self.scalable_target: appscaling.ScalableTarget | None = None
        if scaling is not None:
            self.scalable_target = self._autoscale(scaling)

    def always_on_capacity(self) -> list[AlwaysOnCapacity]:
        """The variant's instances at minimum capacity: the scaling minimum (0 when it scales to zero),
        else its fixed count."""
        props = self._variant_props
        count = self.scaling.min_capacity if self.scaling is not None else props.initial_instance_count
        scales = "scales to zero" if count == 0 else "at minimum capacity"
        targets = (self.scalable_target,) if self.scalable_target is not None else ()
        return [
            AlwaysOnCapacity(
                f"async variant {props.variant_name} {scales}",
                str(props.instance_type),
                count,
                scalable_targets=targets,
            )
        ]

    # --- grants and metrics ----------------------------------------------------------------------

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """``sagemaker:InvokeEndpointAsync`` on this endpoint, and writing requests under ``input_prefix``."""
        grant_objects(
            grantee,
            self.bucket,
            f"{self.input_prefix}/*",
            S3_WRITE,
            key=self.encryption_key,
            kms_actions=KMS_ENCRYPT,
            why="requests uploaded before InvokeEndpointAsync",
        )
        return super().grant_invoke(grantee)

    def grant_read_results(self, grantee: iam.IGrantable) -> None:
        """Reading answers and failure reports (and decrypting them)."""
        for prefix in (self.output_prefix, self.failure_prefix):
            grant_objects(
                grantee,
                self.bucket,
                f"{prefix}/*",
                S3_READ,
                key=self.encryption_key,
                kms_actions=KMS_DECRYPT,
                why="answers and failure reports, one object per request",
            )

    def _endpoint_metric(self, metric_name: str, props: dict[str, Any]) -> cloudwatch.Metric:
        """A metric of the endpoint's queue (dimension ``EndpointName`` only)."""
        return endpoint_metric(
            SAGEMAKER_NAMESPACE, metric_name, {"EndpointName": self.physical_endpoint_name}, "Average", props
        )

    def metric_approximate_backlog_size(self, **props: Any) -> cloudwatch.Metric:
        """Requests queued for the endpoint."""
        return self._endpoint_metric("ApproximateBacklogSize", props)

    def metric_backlog_size_per_instance(self, **props: Any) -> cloudwatch.Metric:
        """Queued requests per instance (not emitted at zero instances)."""
        return self._endpoint_metric("ApproximateBacklogSizePerInstance", props)

    def metric_has_backlog_without_capacity(self, **props: Any) -> cloudwatch.Metric:
        """1 when requests wait and no instance runs, else 0."""
        return self._endpoint_metric("HasBacklogWithoutCapacity", props)

    def metric_age_of_oldest_request(self, **props: Any) -> cloudwatch.Metric:
        """Seconds the oldest queued request has waited."""
        return self._endpoint_metric("ApproximateAgeOfOldestRequest", props)

    def metric_invocation_failures(self, **props: Any) -> cloudwatch.Metric:
        """Requests the variant failed to process (``InvocationFailures``, Sum)."""
        return self.variant().metric("InvocationFailures", **{"statistic": "Sum", **props})

    def metric_invocations_processed(self, **props: Any) -> cloudwatch.Metric:
        """Requests the variant processed (``InvocationsProcessed``, Sum)."""
        return self.variant().metric("InvocationsProcessed", **{"statistic": "Sum", **props})

    # --- internals -------------------------------------------------------------------------------

    def _rollback_alarms(
        self, g: DeploymentGuardrails, actions: Sequence[cloudwatch.IAlarmAction]
    ) -> list[cloudwatch.IAlarm]:
        """What rolls an asynchronous deployment back: server errors, failed requests, and requests
        waiting with nothing to serve them (the new fleet never came up)."""
        if not g.default_alarms:
            return list(g.alarms)
        variant = self.variant()
        period = durations.minutes(5)
        failure_rate = cloudwatch.MathExpression(
            expression="failures / (failures + FILL(processed, 0))",
            using_metrics={
                "failures": self.metric_invocation_failures(period=period),
                "processed": self.metric_invocations_processed(period=period),
            },
            period=period,
            label="InvocationFailures / requests",
        )
        alarms = [
            guardrails.error_rate_alarm(self, variant, g),
            guardrails.rollback_alarm(
                self,
                f"{variant.variant_name}FailureRateAlarm",
                metric=failure_rate,
                threshold=g.max_error_rate,
                description=(
                    f"{construct_path(self)} {variant.variant_name}: failed invocations >= {g.max_error_rate:.2%}"
                ),
            ),
            guardrails.rollback_alarm(
                self,
                "BacklogWithoutCapacityAlarm",
                metric=self.metric_has_backlog_without_capacity(statistic="Maximum", period=period),
                threshold=1,
                evaluation_periods=_BACKLOG_PERIODS,
                datapoints_to_alarm=_BACKLOG_PERIODS,
                description=f"{construct_path(self)}: requests waited {_BACKLOG_PERIODS * 5} minutes with no instance "
                "to serve them",
            ),
        ]
        guardrails.add_alarm_actions(alarms, actions)
        return [*alarms, *g.alarms]

    def _autoscale(self, scaling: AsyncScalingOptions) -> appscaling.ScalableTarget:
        target = ep.scalable_target(
            self,
            self.resource,
            f"{self._variant_props.variant_name}Scaling",
            variant=self.variant(),
            dimension=ep.INSTANCE_COUNT_DIMENSION,
            min_capacity=scaling.min_capacity,
            max_capacity=scaling.max_capacity,
        )
        target.scale_to_track_metric(
            "TrackBacklogPerInstance",
            custom_metric=self.metric_backlog_size_per_instance(),
            target_value=scaling.target_backlog_per_instance,
            scale_in_cooldown=scaling.scale_in_cooldown,
            scale_out_cooldown=scaling.scale_out_cooldown,
        )
        if scaling.scale_out_from_zero:
            # The backlog-per-instance metric is not emitted at zero instances: start one on any backlog.
            target.scale_on_metric(
                "ScaleOutFromZero",
                metric=self.metric_has_backlog_without_capacity(),
                scaling_steps=[
                    appscaling.ScalingInterval(upper=0, change=0),
                    appscaling.ScalingInterval(lower=1, change=1),
                ],
                adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
                cooldown=scaling.scale_out_cooldown,
                evaluation_periods=1,
            )
        ep.add_schedules(target, scaling.schedules)
        return target

    def _validate(
        self,
        variant: InstanceVariant,
        prefixes: tuple[str, str, str],
        max_concurrent: int | None,
        scaling: AsyncScalingOptions | None,
        data_capture: DataCaptureOptions | None,
        volume_key: kms.IKey | None,
        deployment: DeploymentGuardrails | None,
        endpoint_name: str | None,
    ) -> None:
        problems = Problems(self, "AsyncEndpoint")
        if not ep.check_instance_variant(problems, "variant", variant, endpoint_kind="asynchronous"):
            problems.raise_if_any()
        ep.check_variant_names(problems, [variant.variant_name])
        for name, prefix in zip(("input_prefix", "output_prefix", "failure_prefix"), prefixes, strict=True):
            ep.check_prefix(problems, name, prefix)
        problems.check(
            len(set(prefixes)) == 3,
            "input_prefix/output_prefix/failure_prefix",
            list(prefixes),
            "must be three different prefixes",
        )
        if max_concurrent is not None:
            problems.check_range(
                "max_concurrent_invocations_per_instance",
                max_concurrent,
                minimum=1,
                maximum=_MAX_CONCURRENT_INVOCATIONS,
                integer=True,
            )
        if scaling is not None:
            ep.check_capacity_range(problems, "scaling", scaling.min_capacity, scaling.max_capacity, minimum=0)
            problems.check_range(
                "scaling.target_backlog_per_instance", scaling.target_backlog_per_instance, minimum=0.001
            )
            problems.check_order(
                "scaling.max_capacity",
                variant.initial_instance_count,
                scaling.max_capacity,
                f"must be at least the variant's initial_instance_count ({variant.initial_instance_count})",
                shown=scaling.max_capacity,
            )
            ep.check_cooldowns(problems, "scaling", scaling.scale_in_cooldown, scaling.scale_out_cooldown)
            ep.check_schedules(problems, "scaling", scaling.schedules, minimum=0)
        ep.check_data_capture(problems, data_capture)
        ep.check_volume_key(problems, volume_key, [variant])
        ep.check_endpoint_name(problems, endpoint_name)
        if deployment is not None:
            fleet = variant.initial_instance_count
            if scaling is not None:
                fleet = min(fleet, scaling.min_capacity)
            guardrails.check_guardrails(
                problems,
                deployment,
                [variant],
                fleet,
                default_alarms=_DEFAULT_ALARMS,
                default_alarms_text=f"{_DEFAULT_ALARMS} default alarms",
            )
        problems.raise_if_any()
