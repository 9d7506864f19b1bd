"""The environment's monitoring loop (stateless): Model Monitor on the served endpoint, its alarms, the
retraining triggers of the reference training pipeline, and deployment of approved model packages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from constructs_lib import (
    BiasDriftMonitorOptions,
    DataQualityMonitorOptions,
    DeploymentTarget,
    DeployOnApproval,
    DriftRetraining,
    EncryptionKey,
    FeatureAttributionMonitorOptions,
    INetwork,
    ModelMonitor,
    ModelQualityMonitorOptions,
    ModelQualityThreshold,
    MonitoringAlarms,
    MonitoringBaseline,
    MonitorSchedule,
    NewDataRetraining,
    ScheduledRetraining,
    SecureBucket,
)
from stacks.config import EnvironmentConfig
from stacks.serving_stack import MODEL_PACKAGE_PARAMETER, ServingStack
from stacks.training_stack import TrainingStack


class MonitoringStack(Stack):
    """Monitors and alarms of the served endpoint, the three retraining triggers, and (where the
    environment's registry feeds serving stacks) ``DeployOnApproval``, added by ``add_deployment``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        serving: ServingStack,
        training: TrainingStack,
        network: INetwork,
        data_bucket: SecureBucket,
        artifact_bucket: SecureBucket,
        logs_key: EncryptionKey,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        mon = config.monitoring
        prefix = f"{config.project}-{config.name}"
        self._network = network
        self._training = training
        removal = RemovalPolicy.DESTROY if config.storage.destroy_on_delete else RemovalPolicy.RETAIN
        # One key per purpose. ``key`` (logical id MonitoringKey, kept: it encrypts the queued events)
        # serves the queues, schedules and function environments; the constructs let this account's
        # EventBridge rules use it for their queues. Log groups are on the environment's logs key.
        self.key = EncryptionKey(
            self,
            "MonitoringKey",
            description=f"{config.project} {config.name}: trigger and dead-letter queues, "
            "schedules, function environments",
            allow_cloudwatch_logs=False,
            service_principals=(),
            removal_policy=removal,
        )
        # The log groups encrypted with it before the logs key keep their older events under it.
        self.key.allow_cloudwatch_logs_to_decrypt()
        self.logs_key = logs_key
        #: The alarm and approval topics' key; the constructs let this account's alarms use it.
        self.alerts_key = EncryptionKey(
            self,
            "AlertsKey",
            description=f"{config.project} {config.name}: monitoring alarm and approval topics",
            alias=f"alias/{config.project}/{config.name}/monitoring/alerts",
            allow_cloudwatch_logs=False,
            service_principals=(),
            removal_policy=removal,
        )

        self.monitor: ModelMonitor | None = None
        if mon.monitors:
            self.monitor = self._monitor(serving, network, data_bucket, artifact_bucket, prefix)
        self.alarms = MonitoringAlarms(
            self,
            "Alarms",
            endpoint=serving.endpoint,
            monitor=self.monitor,
            feature_drift_thresholds=dict(mon.feature_drift_thresholds),
            model_quality_thresholds=[ModelQualityThreshold(m, t) for m, t in mon.model_quality_thresholds],
            encryption_key=self.key,
            alert_key=self.alerts_key,
            email_addresses=config.platform.alert_emails,
            alarm_name_prefix=f"{prefix}-inference",
        )

        pipeline = training.training_pipeline
        self.scheduled_retraining: ScheduledRetraining | None = None
        if mon.retraining_schedule is not None:
            self.scheduled_retraining = ScheduledRetraining(
                self,
                "ScheduledRetraining",
                pipeline=pipeline,
                parameters={"Trigger": "schedule"},
                schedule=scheduler.ScheduleExpression.expression(mon.retraining_schedule),
                encryption_key=self.key,
            )
        self.drift_retraining: DriftRetraining | None = None
        if mon.drift_retraining and self.alarms.drift_alarms:
            self.drift_retraining = DriftRetraining(
                self,
                "DriftRetraining",
                pipeline=pipeline,
                alarms=self.alarms.drift_alarms,
                network=network,
                parameters={"Trigger": "drift"},
                encryption_key=self.key,
                log_key=logs_key,
                min_interval=Duration.hours(mon.drift_retraining_min_interval_hours),
                log_retention_days=config.log_retention_days,
            )
        self.new_data_retraining: NewDataRetraining | None = None
        if mon.new_data_prefix is not None:
            self.new_data_retraining = NewDataRetraining(
                self,
                "NewDataRetraining",
                pipeline=pipeline,
                bucket=data_bucket,
                prefix=mon.new_data_prefix,
                network=network,
                parameters={"Trigger": "new-data"},
                data_uri_parameter="InputDataUri",
                quiet_period=Duration.minutes(mon.new_data_quiet_minutes),
                encryption_key=self.key,
                log_key=logs_key,
                log_retention_days=config.log_retention_days,
            )
        self.deployment: DeployOnApproval | None = None

    def _monitor(
        self,
        serving: ServingStack,
        network: INetwork,
        data_bucket: SecureBucket,
        artifact_bucket: SecureBucket,
        prefix: str,
    ) -> ModelMonitor:
        mon = self.config.monitoring
        baseline = artifact_bucket.s3_url(mon.baseline_prefix)
        ground_truth = data_bucket.s3_url(mon.ground_truth_prefix) if mon.ground_truth_prefix else None
        return ModelMonitor(
            self,
            "ModelMonitor",
            endpoint=serving.endpoint,
            network=network,
            data_quality=DataQualityMonitorOptions(
                baseline=MonitoringBaseline(
                    constraints_s3_uri=f"{baseline}constraints.json", statistics_s3_uri=f"{baseline}statistics.json"
                )
            ),
            model_quality=ModelQualityMonitorOptions(
                problem_type=mon.problem_type,
                ground_truth_s3_uri=ground_truth,
                inference_attribute="0",
                probability_threshold=0.5 if mon.problem_type == "BinaryClassification" else None,
            )
            if ground_truth
            else None,
            bias_drift=BiasDriftMonitorOptions(
                analysis_config_s3_uri=artifact_bucket.s3_url(mon.bias_analysis_config_key),
                ground_truth_s3_uri=ground_truth,
            )
            if mon.bias_analysis_config_key
            else None,
            feature_attribution=FeatureAttributionMonitorOptions(
                analysis_config_s3_uri=artifact_bucket.s3_url(mon.attribution_analysis_config_key),
            )
            if mon.attribution_analysis_config_key
            else None,
            schedule=MonitorSchedule.hourly()
            if mon.monitor_every_hours == 1
            else MonitorSchedule.every_hours(mon.monitor_every_hours),
            output_bucket=artifact_bucket,
            schedule_name_prefix=f"{prefix}-churn"[:40].rstrip("-"),
        )

    def add_deployment(self, targets: Sequence[DeploymentTarget]) -> DeployOnApproval:
        """Roll approved packages of this environment's registry out to ``targets`` in order."""
        mon = self.config.monitoring
        self.deployment = DeployOnApproval(
            self,
            "DeployOnApproval",
            model_package_group=self._training.model_package_group,
            targets=targets,
            network=self._network,
            encryption_key=self.key,
            log_key=self.logs_key,
            alert_key=self.alerts_key,
            approver_email_addresses=mon.approver_emails if any(t.requires_approval for t in targets) else (),
            alarm_topic=self.alarms.alarm_topic,
            log_retention_days=self.config.log_retention_days,
        )
        return self.deployment


def deployment_target(
    config: EnvironmentConfig, serving: ServingStack, monitoring: MonitoringStack
) -> DeploymentTarget:
    """The serving stack of an environment as a rollout target: plain names only (environments are
    separate stages), its health alarms, approval and bake time from its configuration."""
    mon = config.monitoring
    return DeploymentTarget(
        stack_name=serving.stack_name,
        endpoint_name=serving.endpoint_physical_name,
        alarm_names=monitoring.alarms.health_alarm_names,
        parameter_name=MODEL_PACKAGE_PARAMETER,
        other_endpoint_names=(serving.async_endpoint_physical_name,) if serving.async_endpoint else (),
        requires_approval=mon.deployment_requires_approval,
        bake_time=Duration.minutes(mon.deployment_bake_minutes),
        region=config.region,
        account=config.account,
    )
