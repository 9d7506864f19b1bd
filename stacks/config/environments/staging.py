"""staging: production-like on one instance, with data capture, monitors and the inference API; its
registry feeds staging, then prod."""

from __future__ import annotations

from constructs_lib import DEFAULT_INTERFACE_ENDPOINTS
from stacks.config.schema import (
    EnvironmentConfig,
    MonitoringConfig,
    NetworkConfig,
    ServingConfig,
    StudioConfig,
    TrainingConfig,
)

STAGING = EnvironmentConfig(
    name="staging",
    region="eu-west-1",
    shared_account=True,
    # The platform.
    network=NetworkConfig(
        cidr="10.20.0.0/16",
        availability_zones=("eu-west-1a", "eu-west-1b"),
        interface_endpoints=(*DEFAULT_INTERFACE_ENDPOINTS, "cloudformation", "states", "scheduler"),
    ),
    studio=StudioConfig(user_profiles=("alice",), max_idle_timeout_minutes=120),
    # The reference workload.
    serving=ServingConfig(
        instance_count=1,
        traffic_shifting="ALL_AT_ONCE",
        data_capture_percentage=100,
        async_endpoint=True,
        inference_api=True,
    ),
    training=TrainingConfig(registry_shared_with=("prod",)),
    # The registry that feeds staging, then prod (same account and region).
    monitoring=MonitoringConfig(feature_drift_thresholds=(("_c1", 0.3), ("_c2", 0.3)), deploy_to=("staging", "prod")),
)
