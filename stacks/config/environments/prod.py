"""prod: ten-year retention, three zones, autoscaled real-time serving behind a WAF, canary
deployments (real-time and asynchronous) after an approval; nobody works interactively here."""

from __future__ import annotations

from constructs_lib import DEFAULT_INTERFACE_ENDPOINTS
from stacks.config.schema import (
    EnvironmentConfig,
    MonitoringConfig,
    NetworkConfig,
    PlatformConfig,
    ServingConfig,
    StorageConfig,
    StudioConfig,
    TrainingConfig,
)

PROD = EnvironmentConfig(
    name="prod",
    region="eu-west-1",
    shared_account=True,
    log_retention_days=3653,
    # The platform.
    network=NetworkConfig(
        cidr="10.30.0.0/16",
        availability_zones=("eu-west-1a", "eu-west-1b", "eu-west-1c"),
        # The served-model record tells a rollback from a deploy (ServedModelPackage).
        interface_endpoints=(*DEFAULT_INTERFACE_ENDPOINTS, "cloudformation", "scheduler"),
        flow_log_retention_days=3653,
    ),
    storage=StorageConfig(noncurrent_version_expiration_days=365, access_log_retention_days=3653),
    platform=PlatformConfig(monthly_budget_usd=5000, mlflow_server_size="Medium"),
    # No profiles: nobody works interactively in prod; jobs there are fully isolated.
    studio=StudioConfig(max_idle_timeout_minutes=60, require_network_isolation=True),
    # The reference workload.
    serving=ServingConfig(
        instance_type="ml.m5.xlarge",
        max_instance_count=4,
        traffic_shifting="CANARY",
        data_capture_percentage=20,
        async_endpoint=True,
        async_traffic_shifting="CANARY",
        inference_api=True,
        inference_api_waf=True,
    ),
    training=TrainingConfig(
        training_instance_type="ml.m5.2xlarge",
        training_instance_count=2,
        transform_instance_count=2,
        volume_size_gb=50,
        use_spot_instances=False,
        max_runtime_minutes=120,
        accuracy_threshold=0.85,
    ),
    monitoring=MonitoringConfig(
        feature_drift_thresholds=(("_c1", 0.2), ("_c2", 0.2)),
        ground_truth_prefix="ground-truth/churn/",
        model_quality_thresholds=(("auc", 0.75),),
        deployment_requires_approval=True,
        deployment_bake_minutes=30,
    ),
)
