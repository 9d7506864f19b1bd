"""Shared platform services of an environment: alerts, budget, experiment tracking, Feature Store, and
the example labeling workflow (``add_labeling_workflow``).

Stateful: the tracking server (experiments, runs, metrics), the feature group (online records)
and their buckets are retained when the stack is deleted, unless the environment opts in to
``storage.destroy_on_delete``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from constructs import Construct

from constructs_lib import (
    AccessLogBucket,
    AlertTopic,
    EncryptionKey,
    FeatureDefinition,
    FeatureGroup,
    FeatureIngestionStream,
    INetwork,
    LabelingTaskType,
    LabelingWorkflow,
    LabelingWorkforce,
    MlflowTrackingServer,
    PlatformBudget,
    S3Location,
    SecureBucket,
    TrackingServerSize,
)
from stacks.config import EnvironmentConfig
from stacks.config import reference_workload as reference

#: The worker task template of the example labeling workflow.
LABELING_TEMPLATE = Path(__file__).parent / "labeling" / "churn_messages.liquid.html"

#: The example feature group: customer aggregates keyed by customer id, a template for real ones.
EXAMPLE_FEATURES = (
    FeatureDefinition.string("customer_id"),
    FeatureDefinition.fractional("event_time"),
    FeatureDefinition.integral("orders_30d"),
    FeatureDefinition.fractional("basket_value_avg_30d"),
    FeatureDefinition.string("preferred_channel"),
)


class PlatformStack(Stack):
    """The environment's alert topic and budget, MLflow tracking server and Feature Store, with a
    streaming ingestion path into the example feature group (``platform.feature_ingestion_shards``)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        key: EncryptionKey,
        access_logs: AccessLogBucket,
        network: INetwork,
        logs_key: EncryptionKey | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        platform, storage = config.platform, config.storage
        removal = RemovalPolicy.DESTROY if storage.destroy_on_delete else RemovalPolicy.RETAIN
        prefix = f"{config.project}-{config.name}"

        #: Every alarm and notification of the environment goes here (CloudWatch, EventBridge, Budgets),
        #: encrypted with the alerts key: only the publishers' service principals may use it.
        self.alert_topic = AlertTopic(
            self,
            "Alerts",
            display_name=f"{config.project} {config.name} alerts",
            email_addresses=platform.alert_emails,
            encryption_key=EncryptionKey(
                self,
                "AlertsKey",
                description=f"{config.project} {config.name}: alert topic",
                alias=f"alias/{config.project}/{config.name}/alerts",
                removal_policy=removal,
                allow_cloudwatch_logs=False,
                service_principals=(),  # AlertTopic adds its publishers
            ),
        )
        self.budget = PlatformBudget(
            self,
            "Budget",
            amount=platform.monthly_budget_usd,
            notification_topic=self.alert_topic,
            cost_allocation_tags={"environment": config.name} if platform.budget_by_environment_tag else None,
            budget_name=f"{prefix}-monthly",
        )

        bucket_options = dict(
            encryption_key=key,
            server_access_logs_bucket=access_logs,
            noncurrent_version_expiration=Duration.days(storage.noncurrent_version_expiration_days),
            removal_policy=removal,
            auto_delete_objects=storage.destroy_on_delete,
        )
        self.tracking_server = MlflowTrackingServer(
            self,
            "Mlflow",
            artifact_bucket=SecureBucket(self, "MlflowArtifacts", **bucket_options),
            tracking_server_name=prefix,
            size=TrackingServerSize(platform.mlflow_server_size),
            mlflow_version=platform.mlflow_version,
            weekly_maintenance_window_start=platform.mlflow_maintenance_window,
            removal_policy=removal,
        )

        self.config = config
        self.labeling_workflow: LabelingWorkflow | None = None

        self.feature_store_bucket = SecureBucket(self, "FeatureStore", **bucket_options)
        self.feature_group: FeatureGroup | None = None
        if platform.example_feature_group:
            ttl = platform.feature_online_ttl_days
            self.feature_group = FeatureGroup(
                self,
                "CustomersFeatures",
                feature_group_name=f"{prefix}-customers",
                description="Example: customer aggregates keyed by customer_id",
                features=EXAMPLE_FEATURES,
                record_identifier="customer_id",
                event_time="event_time",
                online_ttl=Duration.days(ttl) if ttl else None,
                offline_bucket=self.feature_store_bucket,
                offline_prefix="customers",
                encryption_key=key,
                removal_policy=removal,
            )
        #: Producers put one JSON object per record (feature name to value): ``grant_write``.
        self.feature_ingestion: FeatureIngestionStream | None = None
        if self.feature_group is not None and platform.feature_ingestion_enabled:
            self.feature_ingestion = FeatureIngestionStream(
                self,
                "CustomersIngestion",
                feature_group=self.feature_group,
                network=network,
                encryption_key=key,
                shard_count=platform.feature_ingestion_shards,
                alarm_actions=[cloudwatch_actions.SnsAction(self.alert_topic)],
                log_retention_days=config.log_retention_days,
                log_key=logs_key,
                removal_policy=removal,
            )

    def add_labeling_workflow(
        self, *, workforce: LabelingWorkforce, data_bucket: SecureBucket, network: INetwork
    ) -> LabelingWorkflow:
        """The example labeling workflow: customer messages (text files) uploaded under
        ``reference.LABELING_INPUT_PREFIX`` of the data bucket are labeled churn-risk or not by the
        environment's workteam, in jobs of up to 1000 messages collected for up to 5 minutes; each job's
        output manifest is published under ``reference.LABELED_DATA_PREFIX`` (under ``raw/``, which the
        training jobs read). Alarms go to the environment's alert topic."""
        prefix = f"{self.config.project}-{self.config.name}"
        self.labeling_workflow = LabelingWorkflow(
            self,
            "ChurnMessagesLabeling",
            workforce=workforce,
            task_type=LabelingTaskType.TEXT_CLASSIFICATION,
            labels=reference.LABELING_LABELS,
            source=S3Location(data_bucket, reference.LABELING_INPUT_PREFIX),
            output=S3Location(data_bucket, reference.LABELING_OUTPUT_PREFIX),
            published_manifests=S3Location(data_bucket, reference.LABELED_DATA_PREFIX),
            network=network,
            alarm_topic=self.alert_topic,
            job_name_prefix=f"{prefix}-churn-messages"[:40].rstrip("-"),
            task_title="Churn risk in a customer message",
            task_description="Read the customer message and choose whether it shows a risk that the customer leaves.",
            task_keywords=("text", "classification", "churn"),
            ui_template=str(LABELING_TEMPLATE),
            key_suffixes=(".txt",),
            log_retention_days=self.config.log_retention_days,
        )
        return self.labeling_workflow
