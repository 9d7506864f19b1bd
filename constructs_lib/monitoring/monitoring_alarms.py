"""``MonitoringAlarms``: CloudWatch alarms on what Model Monitor publishes and on the endpoint's health,
sent to a KMS-encrypted SNS topic."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import jsii
from aws_cdk import Duration, Names
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IValidation

from constructs_lib._core import durations
from constructs_lib._core.contracts import ComponentHost, MonitorableComponent
from constructs_lib._core.durations import in_milliseconds
from constructs_lib._core.jsii_types import as_alarm_action, as_interface, as_role, as_rule_target, as_topic
from constructs_lib._core.nag import acknowledge
from constructs_lib._core.queues import check_retry_policy, require_dead_letter_and_retry
from constructs_lib._core.queues import dead_letter_queue as new_dead_letter_queue
from constructs_lib._core.roles import permissions_policy
from constructs_lib._core.service_role import publisher_source_arn, service_role
from constructs_lib._core.stack_facts import construct_path, remember_place
from constructs_lib._core.validation import Problems, given, is_unresolved
from constructs_lib.foundation._keys import allow_publisher, key_or_new
from constructs_lib.foundation._topics import AlertTopicInPlaceOfSnsTopic
from constructs_lib.inference.endpoint import IEndpoint
from constructs_lib.inference.inference_component import IInferenceComponent
from constructs_lib.monitoring.model_monitor import ModelMonitor

_ALARM_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_FEATURE = re.compile(r"^[A-Za-z0-9_.-]{1,200}$")


@dataclass(frozen=True)
class ModelQualityThreshold:
    """An alarm on one model quality metric.

    :param metric_name: a metric the model quality monitor publishes (``accuracy``, ``f1``, ``auc``,
        ``precision``, ``recall`` for classification; ``rmse``, ``mae``, ``mse``, ``r2`` for regression).
    :param threshold: the alarm's threshold.
    :param lower_is_worse: default True (alarm below the threshold, e.g. accuracy); False alarms above
        it (e.g. rmse).
    """

    metric_name: str
    threshold: float
    lower_is_worse: bool = True


class MonitoringAlarms(Construct):
    """Defines the alarms of a monitored endpoint and the encrypted topic they notify.

    - feature drift (``feature_baseline_drift_<feature>`` above its threshold) and model quality
      alarms: ``drift_alarms``, the ones a ``DriftRetraining`` trigger listens to;
    - endpoint health: 5XX error rate and model latency where SageMaker publishes them: per
      production variant (``EndpointName``, ``VariantName``) on an instance or serverless endpoint,
      per inference component (``InferenceComponentName``) on an endpoint that hosts components,
      whose variant serves no model itself: ``health_alarms``, the ones ``DeployOnApproval`` checks
      before promoting a model;
    - failed, stopped or violating monitoring executions, as EventBridge events to the same topic.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: IEndpoint,
        monitor: ModelMonitor | None = None,
        feature_drift_thresholds: Mapping[str, float] | None = None,
        model_quality_thresholds: Sequence[ModelQualityThreshold] = (),
        variant_names: Sequence[str] | None = None,
        components: Sequence[IInferenceComponent] | None = None,
        max_5xx_error_rate_percent: float = 1.0,
        max_model_latency: Duration | None = None,
        alarm_topic: sns.ITopic | None = None,
        encryption_key: kms.IKey | None = None,
        alert_key: kms.IKey | None = None,
        email_addresses: Sequence[str] = (),
        alarm_name_prefix: str | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        retry_attempts: int = 3,
        max_event_age: Duration | None = None,
    ) -> None:
        """
        :param endpoint: the endpoint whose health is watched.
        :param monitor: default None (health alarms only); the ``ModelMonitor`` whose metrics and
            executions are watched.
        :param feature_drift_thresholds: default none; feature name -> largest acceptable baseline
            drift distance (0 to 1). Needs ``monitor`` with a data quality monitor.
        :param model_quality_thresholds: default none. Needs ``monitor`` with a model quality monitor.
        :param variant_names: default ``("AllTraffic",)``; the production variants to watch (not on an
            endpoint with inference components: it publishes its invocation metrics per component).
        :param components: default, the components of ``endpoint`` when it hosts inference components
            (an ``InferenceComponentEndpoint``: those added before this construct), else none; the
            ``IInferenceComponent``s whose health is watched, e.g. a subset, or components of an
            imported endpoint (``InferenceComponent.from_inference_component_name``). Each gets its
            own 5XX and latency alarms. A component without traffic (scaled to zero copies) publishes
            no invocation metrics: its alarms treat missing data as not breaching, so an idle
            component neither pages nor blocks a rollout, and a request it fails counts.
        :param max_5xx_error_rate_percent: default 1; alarm when more than this share of a variant's
            (component's) invocations fail with a 5XX over 5 minutes (twice in a row).
        :param max_model_latency: default 1 second; alarm when a variant's (component's) p90 model
            latency is higher for 3 periods of 5 minutes.
        :param alarm_topic: default, a new SNS topic encrypted with ``alert_key``, TLS only.
        :param encryption_key: default, a new ``EncryptionKey``; the dead-letter queue's key (and the
            topic's without ``alert_key``). An ``EncryptionKey`` gets a key-policy statement letting this
            account's EventBridge rules use it (the rule's dead-letter queue); a key of your own must
            allow ``events.amazonaws.com`` itself.
        :param alert_key: default ``encryption_key``; the new topic's key, e.g. an alerts key whose policy
            serves the topic's publishers only. An ``EncryptionKey`` gets a statement letting this
            account's CloudWatch alarms use it; a key of your own must allow ``cloudwatch.amazonaws.com``.
        :param email_addresses: default none; email subscriptions to the topic (each must confirm).
        :param alarm_name_prefix: default, derived from the construct path; alarm names are
            ``<prefix>-<what>``, stable so that other stacks and the deployment Lambda can find them.
        :param dead_letter_queue: default, a new KMS-encrypted, TLS-only queue (only with ``monitor``):
            monitoring-run events EventBridge could not publish to the topic.
        :param retry_attempts: default 3 (0-185); EventBridge retries of the publication.
        :param max_event_age: default 1 hour (1 minute to 1 day).
        """
        super().__init__(scope, construct_id)
        remember_place(self, scope, construct_id)
        max_model_latency = max_model_latency or durations.seconds(1)
        max_event_age = max_event_age or durations.hours(1)
        drift = dict(feature_drift_thresholds or {})
        problems = Problems(self, "MonitoringAlarms")
        if drift:
            problems.check(
                monitor is not None and "DataQuality" in monitor.schedule_names,
                "feature_drift_thresholds",
                sorted(drift),
                "need a monitor with a data quality monitor",
            )
        for feature, threshold in drift.items():
            problems.check_pattern(
                f"feature_drift_thresholds[{feature!r}] (feature name)",
                feature,
                _FEATURE,
                "must be 1-200 letters, digits, '_', '.' or '-'",
            )
            problems.check_range(f"feature_drift_thresholds[{feature!r}]", threshold, minimum=0, maximum=1)
        if model_quality_thresholds:
            problems.check(
                monitor is not None and "ModelQuality" in monitor.schedule_names,
                "model_quality_thresholds",
                [t.metric_name for t in model_quality_thresholds],
                "need a monitor with a model quality monitor",
            )
        problems.check_unique(
            "model_quality_thresholds (metric names)", [t.metric_name for t in model_quality_thresholds]
        )
        watched = self._watched_components(problems, endpoint, components, variant_names)
        if watched is None:
            variant_names = ("AllTraffic",) if variant_names is None else variant_names
            problems.check(len(variant_names) >= 1, "variant_names", list(variant_names), "name at least one variant")
            problems.check_unique("variant_names", variant_names)
        problems.check_range("max_5xx_error_rate_percent", max_5xx_error_rate_percent, minimum=0, maximum=100)
        problems.check_range("max_model_latency (ms)", in_milliseconds(max_model_latency), minimum=1)
        for address in email_addresses:
            problems.check_email("email_addresses", address)
        if alarm_name_prefix is not None:
            problems.check_pattern(
                "alarm_name_prefix", alarm_name_prefix, _ALARM_PREFIX, "must be 1-100 letters, digits, '_', '.' or '-'"
            )
        check_retry_policy(problems, retry_attempts, max_event_age)
        problems.raise_if_any()

        self.endpoint = endpoint
        self._prefix = alarm_name_prefix or Names.unique_resource_name(self, max_length=100, separator="-")
        key: kms.IKey | None = None
        alert_key = encryption_key if alert_key is None else alert_key
        topic = alarm_topic
        if topic is None:
            key = key_or_new(self, alert_key, f"{construct_path(self)} alarm topic")
            allow_publisher(self, alert_key, "cloudwatch.amazonaws.com")
            alert_topic = AlertTopicInPlaceOfSnsTopic(
                self, "Topic", encryption_key=key, publishers=(), display_name=f"ML monitoring alarms of {construct_id}"
            )
            topic = as_topic(alert_topic)
        self.alarm_topic: sns.ITopic = topic
        self._action = as_alarm_action(cloudwatch_actions.SnsAction(topic))
        self.drift_alarms: list[cloudwatch.Alarm] = []
        self.health_alarms: list[cloudwatch.Alarm] = []
        self._names: dict[str, str] = {}

        for feature, threshold in drift.items():
            assert monitor is not None
            self.drift_alarms.append(
                self._alarm(
                    f"FeatureDrift{_id(feature)}",
                    f"feature-drift-{feature}",
                    monitor.metric_feature_drift(feature),
                    threshold=threshold,
                    comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                    evaluation_periods=1,
                    description=f"Feature '{feature}' of {endpoint.endpoint_name} drifted from its training baseline",
                )
            )
        for quality in model_quality_thresholds:
            assert monitor is not None
            self.drift_alarms.append(
                self._alarm(
                    f"ModelQuality{_id(quality.metric_name)}",
                    f"model-quality-{quality.metric_name}",
                    monitor.metric_model_quality(
                        quality.metric_name,
                        cloudwatch.MetricOptions(statistic="Minimum" if quality.lower_is_worse else "Maximum"),
                    ),
                    threshold=quality.threshold,
                    comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
                    if quality.lower_is_worse
                    else cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                    evaluation_periods=1,
                    description=f"Model quality metric {quality.metric_name} of {endpoint.endpoint_name} crossed "
                    f"{quality.threshold:g}",
                )
            )
        if watched is not None:
            for component in watched:
                self._component_alarms(component, max_5xx_error_rate_percent, max_model_latency)
            if components is None and isinstance(endpoint, ComponentHost):
                self.node.add_validation(_AllComponentsWatched(self, endpoint, len(watched)))
        for variant in variant_names or ():
            self.health_alarms.append(
                self._alarm(
                    f"ErrorRate{_id(variant)}",
                    f"5xx-rate-{variant}",
                    self._error_rate(variant),
                    threshold=max_5xx_error_rate_percent,
                    comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                    evaluation_periods=2,
                    description=f"More than {max_5xx_error_rate_percent:g}% of invocations of variant {variant} "
                    "fail (5XX)",
                )
            )
            self.health_alarms.append(
                self._alarm(
                    f"Latency{_id(variant)}",
                    f"model-latency-{variant}",
                    self._endpoint_metric("ModelLatency", variant, "p90"),
                    threshold=in_milliseconds(max_model_latency) * 1000,  # ModelLatency is in microseconds
                    comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                    evaluation_periods=3,
                    description=f"p90 model latency of variant {variant} above "
                    f"{in_milliseconds(max_model_latency):g} ms",
                )
            )

        self.dead_letter_queue: sqs.IQueue | None = None
        if monitor is not None and monitor.schedule_arns:
            # Monitoring executions are processing jobs; their state-change events carry the schedule's ARN.
            # EventBridge publishes with a role pinned to this account's rules, not an open topic policy.
            publisher = service_role(
                self,
                "MonitoringExecutionsRole",
                service="events.amazonaws.com",
                description=f"Publishes failed monitoring runs of {endpoint.endpoint_name}",
                source_arn=publisher_source_arn(self, "events.amazonaws.com"),
            )
            self.execution_rule = events.Rule(
                self,
                "MonitoringExecutions",
                description=f"Failed, stopped or violating monitoring runs of {endpoint.endpoint_name}",
                event_pattern=events.EventPattern(
                    source=["aws.sagemaker"],
                    detail_type=["SageMaker Processing Job State Change"],
                    detail={
                        "MonitoringScheduleArn": list(monitor.schedule_arns.values()),
                        "$or": [
                            {"ProcessingJobStatus": ["Failed", "Stopped"]},
                            {"ExitMessage": [{"prefix": "CompletedWithViolations"}]},
                        ],
                    },
                ),
            )
            if dead_letter_queue is None:  # EventBridge writes what it could not publish
                if encryption_key is not None or key is None:
                    given, queue_key = encryption_key, key_or_new(self, encryption_key, f"{construct_path(self)} DLQ")
                else:  # no key given: the topic's
                    given, queue_key = alert_key, key
                allow_publisher(self, given, "events.amazonaws.com")
                dead_letter_queue = new_dead_letter_queue(
                    self,
                    "DeadLetterQueue",
                    encryption_key=queue_key,
                    used_by=f"the monitoring-run rule of {construct_path(self)}",
                )
            self.dead_letter_queue = dead_letter_queue
            self.execution_rule.add_target(
                as_rule_target(
                    targets.SnsTopic(
                        topic,
                        role=as_role(publisher),
                        dead_letter_queue=self.dead_letter_queue,
                        retry_attempts=retry_attempts,
                        max_event_age=max_event_age,
                    )
                )
            )
            require_dead_letter_and_retry(self.execution_rule)
            if topic.master_key is not None:
                acknowledge(
                    permissions_policy(publisher),
                    "aws-cdk-lib's grant_publish on the topic's own key: SNS asks "
                    "for a data key of this key only (GenerateDataKey and its WithoutPlaintext variant).",
                    "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
                )
        for address in email_addresses:
            self.add_email_subscription(address)

    @property
    def alarms(self) -> list[cloudwatch.Alarm]:
        return [*self.drift_alarms, *self.health_alarms]

    @property
    def health_alarm_names(self) -> tuple[str, ...]:
        """The health alarms' names as plain strings (``alarm_name`` is a token), for other stacks and
        environments (``DeploymentTarget.of``)."""
        return tuple(self._names[alarm.node.id] for alarm in self.health_alarms)

    def add_email_subscription(self, email_address: str) -> None:
        """Send the alarms to ``email_address`` (the owner confirms the subscription by email)."""
        self.alarm_topic.add_subscription(
            as_interface(sns.ITopicSubscription, subscriptions.EmailSubscription(email_address))
        )

    def _alarm(
        self,
        construct_id: str,
        name: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        comparison: cloudwatch.ComparisonOperator,
        evaluation_periods: int,
        description: str,
    ) -> cloudwatch.Alarm:
        self._names[construct_id] = f"{self._prefix}-{name}"[:255]
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=self._names[construct_id],
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=evaluation_periods,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        return alarm

    def _watched_components(
        self,
        problems: Problems,
        endpoint: IEndpoint,
        components: Sequence[MonitorableComponent] | None,
        variant_names: Sequence[str] | None,
    ) -> list[MonitorableComponent] | None:
        """The components whose health is watched; None for an endpoint watched per variant."""
        if components is None:
            if not isinstance(endpoint, ComponentHost):
                return None
            hosted = list(endpoint.components)
            problems.check(
                bool(hosted),
                "endpoint",
                endpoint.node.path if isinstance(endpoint, Construct) else endpoint.endpoint_name,
                "hosts inference components but has none yet: add them (endpoint.add_component) before "
                "MonitoringAlarms, or pass components=",
            )
        else:
            hosted = list(components)
            problems.check(bool(hosted), "components", hosted, "name at least one component (or leave it out)")
        if variant_names is not None:
            problems.add(
                "variant_names",
                list(variant_names),
                "applies to endpoints without inference components: an endpoint with components publishes "
                "its invocation metrics per component (InferenceComponentName), not per variant",
            )
        watched: list[MonitorableComponent] = []
        for index, component in enumerate(hosted):
            if isinstance(given(component), MonitorableComponent):
                watched.append(component)
            else:
                problems.add(
                    f"components[{index}]",
                    type(component).__name__,
                    "must be an IInferenceComponent (InferenceComponent, or "
                    "InferenceComponent.from_inference_component_name)",
                )
        problems.check_unique("components (construct ids)", [c.node.id for c in watched])
        name = _known_name(endpoint)
        for component in watched:
            hosted_by = component.endpoint_name
            if is_unresolved(hosted_by) or is_unresolved(name):
                continue
            problems.check(
                hosted_by == name,
                f"components[{component.node.id!r}]",
                component.node.path,
                f"is hosted by endpoint {hosted_by!r}, not by the watched endpoint {name!r}",
            )
        return watched

    def _component_alarms(
        self, component: MonitorableComponent, max_5xx_error_rate_percent: float, max_model_latency: Duration
    ) -> None:
        """The component's 5XX rate and p90 latency alarms, on its ``InferenceComponentName`` metrics."""
        key, label = component.node.id, component.inference_component_name
        period = Duration.minutes(5)
        self.health_alarms.append(
            self._alarm(
                f"ErrorRate{_id(key)}",
                f"5xx-rate-{key}",
                cloudwatch.MathExpression(
                    expression="IF(invocations > 0, 100 * errors / invocations, 0)",
                    using_metrics={
                        "errors": component.metric_invocation_5xx_errors(statistic="Sum", period=period),
                        "invocations": component.metric_invocations(period=period),
                    },
                    label=f"5XX error rate (%) of component {key}",
                    period=period,
                ),
                threshold=max_5xx_error_rate_percent,
                comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=2,
                description=f"More than {max_5xx_error_rate_percent:g}% of invocations of inference component "
                f"{label} fail (5XX)",
            )
        )
        self.health_alarms.append(
            self._alarm(
                f"Latency{_id(key)}",
                f"model-latency-{key}",
                component.metric_model_latency(statistic="p90", period=period),
                threshold=in_milliseconds(max_model_latency) * 1000,  # ModelLatency is in microseconds
                comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=3,
                description=f"p90 model latency of inference component {label} above "
                f"{in_milliseconds(max_model_latency):g} ms",
            )
        )

    def _endpoint_metric(self, metric_name: str, variant: str, statistic: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/SageMaker",
            metric_name=metric_name,
            statistic=statistic,
            period=durations.minutes(5),
            dimensions_map={"EndpointName": self.endpoint.endpoint_name, "VariantName": variant},
        )

    def _error_rate(self, variant: str) -> cloudwatch.MathExpression:
        return cloudwatch.MathExpression(
            expression="IF(invocations > 0, 100 * errors / invocations, 0)",
            using_metrics={
                "errors": self._endpoint_metric("Invocation5XXErrors", variant, "Sum"),
                "invocations": self._endpoint_metric("Invocations", variant, "Sum"),
            },
            label=f"5XX error rate (%) of {variant}",
            period=durations.minutes(5),
        )


@jsii.implements(IValidation)
class _AllComponentsWatched:
    """Components added to the endpoint after the alarms were made would go unwatched: fail synth."""

    def __init__(self, alarms: MonitoringAlarms, endpoint: ComponentHost, watched: int) -> None:
        self._alarms, self._endpoint, self._watched = alarms, endpoint, watched

    def validate(self) -> list[str]:
        late = [c.node.path for c in list(self._endpoint.components)[self._watched :]]
        if not late:
            return []
        return [
            f"MonitoringAlarms '{self._alarms.node.path}': components={late!r}: were added to the endpoint after "
            "MonitoringAlarms, so their health is not watched; create MonitoringAlarms after the components, "
            "or pass components="
        ]


def _known_name(endpoint: IEndpoint) -> str:
    """The endpoint's name as known at synth: a defined endpoint's ``physical_endpoint_name`` (its
    ``endpoint_name`` is a reference), else ``endpoint_name``."""
    name = getattr(endpoint, "physical_endpoint_name", None)
    return name if isinstance(name, str) else endpoint.endpoint_name


def _id(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part) or "Unnamed"
