"""dev: where data scientists work. Short retention, deletable storage, the model served as an
inference component that scales to zero when idle and at night, the labeling workforce and workflow;
approved packages of dev's registry go to dev only."""

from __future__ import annotations

from constructs_lib import DEFAULT_INTERFACE_ENDPOINTS
from stacks.config.schema import (
    CapacityConfig,
    EnvironmentConfig,
    GovernanceConfig,
    MonitoringConfig,
    NetworkConfig,
    PlatformConfig,
    ServingConfig,
    StorageConfig,
    StudioConfig,
    TrainingConfig,
)

DEV = EnvironmentConfig(
    name="dev",
    region="eu-west-1",
    # The three environments are env-agnostic: deployed with one set of credentials they share
    # its account, on purpose (every role is scoped to <project>-<env>-...). Give each an
    # account of its own (and shared_account=False) where you can.
    shared_account=True,
    log_retention_days=30,
    # The platform.
    network=NetworkConfig(
        cidr="10.10.0.0/16",
        availability_zones=("eu-west-1a", "eu-west-1b"),
        interface_endpoints=(*DEFAULT_INTERFACE_ENDPOINTS, "cloudformation", "states", "scheduler"),
        flow_log_retention_days=30,
    ),
    storage=StorageConfig(
        noncurrent_version_expiration_days=30,
        artifact_archive_after_days=90,
        access_log_retention_days=90,
        destroy_on_delete=True,
    ),
    governance=GovernanceConfig(
        reference_team_user_profiles=("fraud-data-scientist-1", "fraud-data-scientist-2"),
        labeling_workforce_enabled=True,
        labeling_domain_prefix="ml-platform-dev-labeling",
    ),
    platform=PlatformConfig(monthly_budget_usd=500, feature_online_ttl_days=30, example_labeling_workflow=True),
    studio=StudioConfig(
        user_profiles=("alice", "bob"),
        shared_spaces=(("team-lab", "alice"),),
        notebook_instance_type="ml.t3.medium",
        delete_home_efs_on_delete=True,
    ),
    # The reference workload.
    # An inference component: no instance while idle (an hour without requests) or out of hours.
    serving=ServingConfig(endpoint="components", instance_count=1),
    capacity=CapacityConfig(
        time_zone="Europe/Dublin",
        working_hours=(8, 19),
        idle_alarm_minutes=60,
        scale_in_when_idle=True,
    ),
    training=TrainingConfig(
        training_instance_type="ml.m5.large",
        max_runtime_minutes=30,
        max_wait_minutes=60,
        max_parallel_steps=2,
        registry_shared_with=("staging", "prod"),
    ),
    # Components: no data capture, so no monitors.
    monitoring=MonitoringConfig(
        monitors=False,
        drift_retraining=False,
        retraining_schedule="cron(0 3 1 * ? *)",
        deploy_to=("dev",),
        deployment_bake_minutes=0,
    ),
)
