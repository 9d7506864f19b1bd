"""The environment's monitoring loop (stateless): Model Monitor on the served endpoint, its alarms, the
retraining triggers of the reference training pipeline, and deployment of approved model packages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnOutput, CfnParameter, Duration, RemovalPolicy, Stack
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from constructs_lib import (
    BiasDriftMonitorOptions,
    DataQualityMonitorOptions,
    DeploymentTarget,
    DeployOnApproval,
    DriftCheckBaseline,
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
    S3Location,
    ScheduledRetraining,
    SecureBucket,
    ServedModelPackage,
)
from stacks.config import EnvironmentConfig
from stacks.other_stage import grant_read_of_stage
from stacks.serving_stack import MODEL_PACKAGE_PARAMETER, ServingStack
from stacks.training_stack import TRAINING_PREFIX, TrainingStack

#: The monitoring stack's output saying whose baselines its monitors use (the rollout waits for it).
MONITORED_MODEL_PACKAGE_OUTPUT = "MonitoredModelPackageArn"
#: Where the training pipeline writes the baselines it registers (``<execution id>/baselines/...``).
PIPELINE_BASELINES = f"{TRAINING_PREFIX}*/baselines/"


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
        #: Which package's baselines the monitors use (``ServedModelPackage`` with its
        #: ``DriftCheckBaselines``), set by a rollout through the ``ModelPackageArn`` parameter.
        self.monitored_package: ServedModelPackage | None = None
        if mon.monitors:
            self.monitored_package = self._monitored_package(serving, network, artifact_bucket, logs_key)
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

    def _monitored_package(
        self, serving: ServingStack, network: INetwork, artifact_bucket: SecureBucket, logs_key: EncryptionKey
    ) -> ServedModelPackage:
        """The record of the package whose baselines the monitors compare with: the rollout sets the
        ``ModelPackageArn`` parameter after the serving stack serves the package; every other deploy
        keeps the recorded one. While no package is served (or it has no such baseline), the
        configured ``baseline_prefix`` files are used."""
        mon = self.config.monitoring
        fallback = artifact_bucket.s3_url(mon.baseline_prefix)
        requested = CfnParameter(
            self,
            MODEL_PACKAGE_PARAMETER,
            type="String",
            default="",
            description="Model package version whose DriftCheckBaselines the monitors use (set by the rollout "
            "after the serving stack serves it): empty keeps the recorded one",
        )
        baselines = {
            DriftCheckBaseline.DATA_QUALITY_CONSTRAINTS: f"{fallback}constraints.json",
            DriftCheckBaseline.DATA_QUALITY_STATISTICS: f"{fallback}statistics.json",
        }
        if mon.ground_truth_prefix:
            baselines[DriftCheckBaseline.MODEL_QUALITY_CONSTRAINTS] = f"{fallback}model-quality/constraints.json"
        record = ServedModelPackage(
            self,
            "MonitoredModelPackage",
            requested=requested.value_as_string,
            # The group the serving stack accepts versions of (its own, or the registry that feeds it).
            model_package_group_name=serving.served_model_package.model_package_group_name,
            initial_model_package_arn=self.config.serving.model_package_arn,
            network=network,
            encryption_key=self.key,
            log_retention_days=self.config.log_retention_days,
            log_key=logs_key,
            drift_check_baselines=baselines,
        )
        CfnOutput(
            self,
            MONITORED_MODEL_PACKAGE_OUTPUT,
            value=record.model_package_arn,
            description="The model package version whose baselines the monitors use, or 'none'",
        )
        return record

    def _monitor(
        self,
        serving: ServingStack,
        network: INetwork,
        data_bucket: SecureBucket,
        artifact_bucket: SecureBucket,
        prefix: str,
    ) -> ModelMonitor:
        mon = self.config.monitoring
        record = self.monitored_package
        assert record is not None
        ground_truth = data_bucket.s3_url(mon.ground_truth_prefix) if mon.ground_truth_prefix else None
        return ModelMonitor(
            self,
            "ModelMonitor",
            endpoint=serving.endpoint,
            network=network,
            # The served package's baselines (its pipeline's outputs), else the configured files.
            data_quality=DataQualityMonitorOptions(
                baseline=MonitoringBaseline(
                    constraints_s3_uri=record.baseline_uri(DriftCheckBaseline.DATA_QUALITY_CONSTRAINTS),
                    statistics_s3_uri=record.baseline_uri(DriftCheckBaseline.DATA_QUALITY_STATISTICS),
                )
            ),
            model_quality=ModelQualityMonitorOptions(
                problem_type=mon.problem_type,
                ground_truth_s3_uri=ground_truth,
                inference_attribute="0",
                probability_threshold=0.5 if mon.problem_type == "BinaryClassification" else None,
                baseline_constraints_s3_uri=record.baseline_uri(DriftCheckBaseline.MODEL_QUALITY_CONSTRAINTS),
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
            baseline_locations=[
                S3Location(artifact_bucket, PIPELINE_BASELINES),
                S3Location(artifact_bucket, mon.baseline_prefix),
            ],
        )

    def read_baselines_from(self, source: EnvironmentConfig) -> None:
        """Monitor packages of ``source``'s registry (same account), which the serving stack serves
        (``ServingStack.allow_model_packages_from``, whose group the record accepts): the monitoring
        jobs may read the baselines its pipeline wrote, its artifact bucket's
        ``pipelines/training/*/baselines/`` and its platform key, found by name (another stage)."""
        if self.monitor is None:
            return
        grant_read_of_stage(
            self,
            self.monitor.role,
            source,
            sid_prefix="ReadBaselinesOf",
            prefix=PIPELINE_BASELINES,
            what="Baselines of packages",
            under="the pipeline's per-run baselines prefix",
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


def monitoring_target(
    config: EnvironmentConfig, serving: ServingStack, monitoring: MonitoringStack
) -> DeploymentTarget | None:
    """The monitoring stack of an environment as the rollout's next target after its serving stack:
    its monitors take the rolled-out package's baselines (None without monitors)."""
    if monitoring.monitor is None:
        return None
    return DeploymentTarget(
        stack_name=monitoring.stack_name,
        endpoint_name=serving.endpoint_physical_name,
        parameter_name=MODEL_PACKAGE_PARAMETER,
        output_name=MONITORED_MODEL_PACKAGE_OUTPUT,
        bake_time=Duration.seconds(0),
        region=config.region,
        account=config.account,
        monitoring_schedule_names=tuple(monitoring.monitor.schedule_names.values()),
    )


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
