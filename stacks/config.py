"""Environment configuration: one typed, frozen record per environment.

Differences between environments are values here, never ``if env == "prod"`` branches in code.
Every value is validated when the record is created, so a bad edit fails before any synthesis.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from constructs_lib._core.log_retention import LOG_RETENTION_DAYS
from constructs_lib._core.validation import SAGEMAKER_NAME_PATTERN
from constructs_lib.foundation.instance_type import InstanceType, InstanceTypeApi
from constructs_lib.foundation.private_network import DEFAULT_INTERFACE_ENDPOINTS, INTERFACE_ENDPOINT_SERVICES
from constructs_lib.monitoring.model_monitor import ProblemType
from constructs_lib.platform.labeling_workforce import COGNITO_DOMAIN_PREFIX_PATTERN
from constructs_lib.platform.mlflow_tracking_server import (
    MAINTENANCE_WINDOW_PATTERN,
    MLFLOW_VERSION_PATTERN,
    TrackingServerSize,
)
from constructs_lib.platform.team_access import TEAM_NAME_PATTERN

_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
_ACCOUNT = re.compile(r"^\d{12}$")
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,19}$")

_TAG_VALUE = re.compile(r"^[\w .:/=+\-@]{1,256}$")
_CONNECTION_ARN = re.compile(
    r"^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection/[0-9a-f-]{36}$"
)
_OWNER_REPO = re.compile(r"^[\w.-]+(/[\w.-]+)+$")
_CODECOMMIT_REPO = re.compile(r"^[\w.-]{1,100}$")
_BRANCH = re.compile(r"^[^\s~^:?*\[\\]{1,255}$")
_CLI_VERSION = re.compile(r"^2(\.\d+){0,2}$")


class ConfigError(ValueError):
    """An environment configuration value is invalid."""


def _checker(problems: list[str], prefix: str) -> Callable[[bool, str, object, str], None]:
    """``check(ok, prop, value, allowed)`` appending ``<prefix><prop>=<value>: <allowed>`` when not ok."""

    def check(ok: bool, prop: str, value: object, allowed: str) -> None:
        if not ok:
            problems.append(f"{prefix}{prop}={value!r}: {allowed}")

    return check


def _instance_type(
    check: Callable[[bool, str, object, str], None], prop: str, value: str, api: InstanceTypeApi
) -> None:
    """``value`` is an instance type that ``api`` takes (botocore's list for it, with close matches)."""
    problem = InstanceType.of(value).problem(api)
    check(problem is None, prop, value, problem or "")


@dataclass(frozen=True)
class NetworkConfig:
    """The environment's VPC (see ``constructs_lib.PrivateNetwork``)."""

    cidr: str = "10.0.0.0/16"
    #: Zones for the VPC's subnets; at least two, all in the environment's region.
    availability_zones: tuple[str, ...] = ()
    #: 0 keeps subnets isolated (AWS reached only through VPC endpoints).
    nat_gateways: int = 0
    #: The library's defaults and ``scheduler`` (the new-data retraining trigger moves its schedule).
    interface_endpoints: tuple[str, ...] = (*DEFAULT_INTERFACE_ENDPOINTS, "scheduler")
    flow_log_retention_days: int = 365
    #: Buckets of other accounts the workloads may reach through the S3 gateway endpoint, by name
    #: (its policy admits this account's buckets only): e.g. the producer's artifact bucket when this
    #: environment serves packages of a registry shared from another account.
    external_buckets: tuple[str, ...] = ()


@dataclass(frozen=True)
class StorageConfig:
    """The environment's buckets (see ``constructs_lib.SecureBucket``)."""

    noncurrent_version_expiration_days: int = 90
    #: Model artifacts older than this move to S3 Glacier Flexible Retrieval.
    artifact_archive_after_days: int = 180
    access_log_retention_days: int = 365
    #: Opt-in: delete buckets (emptying them) and schedule key deletion when the stack is deleted.
    destroy_on_delete: bool = False


#: The SageMaker XGBoost 1.7-1 inference image of eu-west-1 (SageMaker algorithm registry account
#: 141502667606; source: aws/sagemaker-python-sdk src/sagemaker/image_uri_config/xgboost.json).
#: Other regions use other registry accounts: look them up in that file.
XGBOOST_IMAGE_EU_WEST_1 = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"
_SERVING_ENDPOINTS = ("serverless", "realtime")
_TRAFFIC_SHIFTING = (None, "ALL_AT_ONCE", "CANARY", "LINEAR")


@dataclass(frozen=True)
class ServingConfig:
    """How the environment serves its model (see ``stacks.serving_stack``)."""

    #: Inference image (an AWS algorithm or deep learning container, or your own ECR image).
    image_uri: str = XGBOOST_IMAGE_EU_WEST_1
    #: The model artifact in the environment's artifact bucket.
    model_data_key: str = "models/example/model.tar.gz"
    #: The registered model package version a new serving stack starts with instead of image and artifact
    #: (a version of the group that feeds the environment); rollouts then change it (ServedModelPackage).
    model_package_arn: str | None = None
    #: "serverless" (pay per request, cold starts) or "realtime" (instances).
    endpoint: str = "realtime"
    instance_type: str = "ml.m5.large"
    #: Instances at deployment, and the autoscaling minimum.
    instance_count: int = 2
    #: 0: no autoscaling; otherwise the most instances.
    max_instance_count: int = 0
    #: Deployment guardrails: None (AWS default, no alarms), ALL_AT_ONCE, CANARY (one instance) or LINEAR.
    traffic_shifting: str | None = None
    serverless_memory_mb: int = 2048
    serverless_max_concurrency: int = 5
    #: Share of requests captured for Model Monitor (real-time only); None: no capture.
    data_capture_percentage: int | None = None
    #: An asynchronous endpoint (scales to zero) serving the same model.
    async_endpoint: bool = False
    #: An API Gateway front door for clients that cannot call SageMaker.
    inference_api: bool = False
    inference_api_waf: bool = False


_FLEET_ENDPOINTS = ("realtime", "serverless", "async")
_FLEET_MODEL_NAME = re.compile(r"^[a-z][a-z0-9-]{0,29}$")


@dataclass(frozen=True)
class ServedModel:
    """One more model the environment serves, on its own endpoint ``<project>-<env>-<name>``
    (see ``stacks.model_fleet_stack``)."""

    #: Stable identifier: names the endpoint and the model's constructs (1-30 lowercase letters, digits, '-').
    name: str
    image_uri: str = XGBOOST_IMAGE_EU_WEST_1
    #: The artifact in the environment's artifact bucket; default ``models/<name>/model.tar.gz``.
    model_data_key: str | None = None
    #: "realtime" (instances), "serverless" (pay per request) or "async" (queued, scales to zero).
    endpoint: str = "serverless"
    instance_type: str = "ml.m5.large"
    #: Real-time: instances, and the autoscaling minimum; async: the most instances (it scales to zero).
    instance_count: int = 1
    #: Real-time only. 0: no autoscaling; otherwise the most instances.
    max_instance_count: int = 0
    serverless_memory_mb: int = 2048
    serverless_max_concurrency: int = 5
    #: Keep the entry (its place in the fleet) but deploy nothing: how a model is removed.
    retired: bool = False


@dataclass(frozen=True)
class ModelFleetConfig:
    """Models beyond the reference one, packed into ``<project>-<env>-models-<n>`` stacks.

    Placement is append-only: a model's stack is fixed by its position in ``models``, so add new
    models at the END and retire (``retired=True``) rather than delete or reorder entries.
    """

    models: tuple[ServedModel, ...] = ()
    #: Resource budget of each fleet stack (CloudFormation allows 500); the models per stack follow
    #: from the most resources one model can take (``stacks.model_fleet_stack.RESOURCES_PER_MODEL``).
    max_resources_per_stack: int = 200

    def problems(self) -> list[str]:
        """What is wrong with these values, as ``fleet.<field>=<value>: <allowed>`` lines."""
        found: list[str] = []
        check = _checker(found, "fleet.")
        names = [m.name for m in self.models]
        check(
            len(set(names)) == len(names),
            "models",
            sorted({n for n in names if names.count(n) > 1}),
            "must not repeat a name",
        )
        check(
            50 <= self.max_resources_per_stack <= 450,
            "max_resources_per_stack",
            self.max_resources_per_stack,
            "must be 50 to 450 (well under CloudFormation's 500 resources per stack)",
        )
        for m in self.models:
            at = f"models[{m.name!r}]."
            check(
                bool(_FLEET_MODEL_NAME.match(m.name)),
                at + "name",
                m.name,
                "must be 1-30 lowercase letters, digits or '-', starting with a letter",
            )
            check(m.endpoint in _FLEET_ENDPOINTS, at + "endpoint", m.endpoint, f"must be one of {_FLEET_ENDPOINTS}")
            _instance_type(check, at + "instance_type", m.instance_type, InstanceTypeApi.ENDPOINT)
            check(
                isinstance(m.instance_count, int) and m.instance_count >= 1,
                at + "instance_count",
                m.instance_count,
                "must be 1 or more",
            )
            check(
                m.max_instance_count == 0 or (m.endpoint == "realtime" and m.max_instance_count >= m.instance_count),
                at + "max_instance_count",
                m.max_instance_count,
                "must be 0, or (real-time endpoints only) at least instance_count",
            )
            check(
                m.serverless_memory_mb in (1024, 2048, 3072, 4096, 5120, 6144),
                at + "serverless_memory_mb",
                m.serverless_memory_mb,
                "must be 1024 to 6144 in steps of 1024",
            )
            check(
                1 <= m.serverless_max_concurrency <= 200,
                at + "serverless_max_concurrency",
                m.serverless_max_concurrency,
                "must be 1 to 200",
            )
        return found


@dataclass(frozen=True)
class GovernanceConfig:
    """Audit, team access, labeling and model cards (see ``stacks.governance_stack``)."""

    #: The environment's CloudTrail trail; turn it off where an organisation trail already records
    #: the account (its alarms then belong to the organisation's log account).
    audit_trail_enabled: bool = True
    #: Team of the reference pipeline: its name (prefix ``teams/<name>/`` of the data bucket) and
    #: the SageMaker Studio user profiles that belong to it.
    reference_team_name: str = "fraud-detection"
    reference_team_user_profiles: tuple[str, ...] = ()
    #: A Ground Truth private workteam (and the region's Cognito workforce).
    labeling_workforce_enabled: bool = False
    #: Prefix of the workers' Cognito sign-in domain; unique in the region across AWS.
    labeling_domain_prefix: str | None = None
    #: The registry group the training stack creates for the reference model; its model card.
    reference_model_package_group_name: str = "fraud-detection"
    reference_model_card_enabled: bool = True


def _governance_problems(gov: GovernanceConfig) -> list[str]:
    checks = [
        (
            bool(TEAM_NAME_PATTERN.match(gov.reference_team_name)),
            "reference_team_name",
            gov.reference_team_name,
            "must be 1-32 lowercase letters, digits or '-', starting and ending with a letter or digit",
        ),
        (
            all(SAGEMAKER_NAME_PATTERN.match(p) for p in gov.reference_team_user_profiles)
            and len(set(gov.reference_team_user_profiles)) == len(gov.reference_team_user_profiles),
            "reference_team_user_profiles",
            gov.reference_team_user_profiles,
            "must be distinct SageMaker user profile names (1-63 letters, digits or '-')",
        ),
        (
            not gov.labeling_workforce_enabled
            or bool(COGNITO_DOMAIN_PREFIX_PATTERN.match(gov.labeling_domain_prefix or "")),
            "labeling_domain_prefix",
            gov.labeling_domain_prefix,
            "is required with labeling_workforce_enabled: 1-63 lowercase letters, digits or '-'",
        ),
        (
            bool(SAGEMAKER_NAME_PATTERN.match(gov.reference_model_package_group_name)),
            "reference_model_package_group_name",
            gov.reference_model_package_group_name,
            "must be a SageMaker name (1-63 letters, digits or '-')",
        ),
    ]
    return [f"governance.{prop}={value!r}: {allowed}" for ok, prop, value, allowed in checks if not ok]


@dataclass(frozen=True)
class PlatformConfig:
    """Shared platform services: alerts, budget, experiment tracking, Feature Store (``stacks/platform_stack.py``)."""

    #: The environment's monthly AWS Budgets cost budget, in USD (alerts at 80 % and 100 % actual,
    #: 100 % forecast).
    monthly_budget_usd: float = 1000.0
    #: True counts only resources tagged ``environment=<name>`` (environments sharing an account;
    #: activate the tag as a cost allocation tag in Billing). False counts the whole account.
    budget_by_environment_tag: bool = True
    #: Addresses subscribed to the environment's alert topic (budget alerts and alarms).
    alert_emails: tuple[str, ...] = ()
    #: MLflow tracking server size: Small (up to 25 users), Medium (50) or Large (100).
    mlflow_server_size: str = "Small"
    #: None: the version SageMaker offers by default when the server is created.
    mlflow_version: str | None = None
    #: Weekly maintenance start, UTC (``Ddd:HH:MM``).
    mlflow_maintenance_window: str = "Sun:03:00"
    #: Deploy the example feature group (customers), a template for real ones.
    example_feature_group: bool = True
    #: Online records of the example feature group expire this many days after their event time
    #: (None keeps them).
    feature_online_ttl_days: int | None = None

    def problems(self) -> list[str]:
        """What is wrong with these values, as ``platform.<field>=<value>: <allowed>`` lines."""
        found: list[str] = []
        check = _checker(found, "platform.")

        budget = self.monthly_budget_usd
        check(
            isinstance(budget, (int, float)) and not isinstance(budget, bool) and 0 < budget < float("inf"),
            "monthly_budget_usd",
            budget,
            "must be a positive amount of USD",
        )
        for address in self.alert_emails:
            check(
                "@" in address and "." in address.partition("@")[2], "alert_emails", address, "must be e-mail addresses"
            )
        sizes = [size.value for size in TrackingServerSize]
        check(
            self.mlflow_server_size in sizes,
            "mlflow_server_size",
            self.mlflow_server_size,
            f"must be one of {', '.join(sizes)}",
        )
        check(
            self.mlflow_version is None or bool(MLFLOW_VERSION_PATTERN.match(self.mlflow_version)),
            "mlflow_version",
            self.mlflow_version,
            "must be None or an MLflow version such as '2.16.2'",
        )
        check(
            bool(MAINTENANCE_WINDOW_PATTERN.match(self.mlflow_maintenance_window)),
            "mlflow_maintenance_window",
            self.mlflow_maintenance_window,
            "must be 'Ddd:HH:MM' in UTC, such as 'Sun:03:00'",
        )
        ttl = self.feature_online_ttl_days
        check(
            ttl is None or (isinstance(ttl, int) and ttl >= 1),
            "feature_online_ttl_days",
            ttl,
            "must be None or a whole number of days >= 1",
        )
        return found


@dataclass(frozen=True)
class TrainingConfig:
    """The environment's training and batch transform pipelines (see ``stacks.training_stack``)."""

    #: Registry group name is ``<project>-<env>-<model_name>``.
    model_name: str = "churn"
    processing_instance_type: str = "ml.m5.large"
    training_instance_type: str = "ml.m5.xlarge"
    #: Above 1, training is distributed (the training data is sharded across instances).
    training_instance_count: int = 1
    transform_instance_type: str = "ml.m5.large"
    transform_instance_count: int = 1
    volume_size_gb: int = 30
    #: Managed spot training (interrupted jobs resume from checkpoints).
    use_spot_instances: bool = True
    max_runtime_minutes: int = 60
    #: Spot only: run time plus time waiting for capacity (>= max_runtime_minutes).
    max_wait_minutes: int = 120
    #: Default of the training pipeline's quality gate (accuracy on the test split).
    accuracy_threshold: float = 0.8
    max_parallel_steps: int = 4
    #: Environments whose accounts may read this environment's model registry (and create models
    #: from approved versions); shared only where their account is known and differs from this one.
    registry_shared_with: tuple[str, ...] = ()


#: Where new training data lands (``stacks/training_stack.RAW_DATA_PREFIX``): the training jobs read only there.
_RAW_DATA_PREFIX = "raw/"
_SCHEDULE_EXPRESSION = re.compile(r"^(cron\([^()]+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$")
_S3_KEY_PREFIX = re.compile(r"^[A-Za-z0-9!_.*'()/-]+/$")


@dataclass(frozen=True)
class MonitoringConfig:
    """The monitoring loop of the environment (see ``stacks.monitoring_stack`` and README "The monitoring loop").

    Monitors watch the served real-time endpoint; retraining triggers start the reference training
    pipeline; ``deploy_to`` rolls approved packages of this environment's registry out to serving stacks.
    """

    #: Model Monitor on the served endpoint; needs a real-time endpoint with data capture.
    monitors: bool = True
    #: ``constraints.json`` and ``statistics.json`` of the data quality baseline, under this artifact-bucket prefix.
    baseline_prefix: str = "monitoring/baselines/churn/"
    #: Hours between monitoring runs (1 to 24).
    monitor_every_hours: int = 1
    #: Feature name -> largest acceptable baseline drift distance (0 to 1), as (name, threshold) pairs.
    #: Headerless CSV features are named ``_c0``, ``_c1``... by the analyzer.
    feature_drift_thresholds: tuple[tuple[str, float], ...] = ()
    #: Data-bucket prefix of the ground truth labels; None: no model quality monitor.
    ground_truth_prefix: str | None = None
    problem_type: ProblemType = ProblemType.BINARY_CLASSIFICATION
    #: Model quality alarms as (metric, threshold) pairs; lower values are worse (accuracy, auc, f1).
    model_quality_thresholds: tuple[tuple[str, float], ...] = ()
    #: Artifact-bucket keys of Clarify analysis configurations; None: no bias / attribution monitor.
    bias_analysis_config_key: str | None = None
    attribution_analysis_config_key: str | None = None
    #: EventBridge Scheduler expression of the scheduled retraining (UTC); None: no schedule.
    retraining_schedule: str | None = "cron(0 3 ? * SUN *)"
    #: Drift and model quality alarms start the training pipeline.
    drift_retraining: bool = True
    #: A flapping drift alarm starts at most one run per this many hours.
    drift_retraining_min_interval_hours: int = 6
    #: Data-bucket prefix (under ``raw/``) where new training data starts a run; None: no trigger.
    new_data_prefix: str | None = "raw/churn/"
    #: A run over ``new_data_prefix`` starts once no object has landed there for this many minutes.
    new_data_quiet_minutes: int = 30
    #: Environments whose serving stacks approved packages of THIS environment's registry roll out to,
    #: in order (each after the previous is healthy). They must share this environment's account and region.
    deploy_to: tuple[str, ...] = ()
    #: As a deployment target: wait for a person's approval before the rollout here.
    deployment_requires_approval: bool = False
    #: As a deployment target: minutes the endpoint must stay healthy before the next target starts.
    deployment_bake_minutes: int = 10
    #: Email subscriptions of the approval topic (a target of ``deploy_to`` requires approval).
    approver_emails: tuple[str, ...] = ()

    def problems(self, serving: ServingConfig, network: NetworkConfig) -> list[str]:
        """What is wrong with these values, as ``monitoring.<field>=<value>: <allowed>`` lines."""
        found: list[str] = []
        check = _checker(found, "monitoring.")
        if self.monitors:
            check(
                serving.endpoint == "realtime" and serving.data_capture_percentage is not None,
                "monitors",
                self.monitors,
                "needs a real-time endpoint with data capture (serving.data_capture_percentage)",
            )
        for prop in ("baseline_prefix", "ground_truth_prefix", "new_data_prefix"):
            value = getattr(self, prop)
            check(
                value is None or bool(_S3_KEY_PREFIX.match(value)) and not value.startswith("/"),
                prop,
                value,
                "must be an S3 key prefix ending in '/' (no leading '/')",
            )
        check(
            self.new_data_prefix is None or self.new_data_prefix.startswith(_RAW_DATA_PREFIX),
            "new_data_prefix",
            self.new_data_prefix,
            f"must be under {_RAW_DATA_PREFIX!r}, the training pipeline's input prefix",
        )
        check(1 <= self.monitor_every_hours <= 24, "monitor_every_hours", self.monitor_every_hours, "must be 1 to 24")
        drift = [name for name, value in self.feature_drift_thresholds if not 0 <= value <= 1]
        check(not drift, "feature_drift_thresholds", drift, "thresholds must be 0 to 1")
        check(
            self.problem_type in list(ProblemType),
            "problem_type",
            self.problem_type,
            f"must be one of {', '.join(ProblemType)}",
        )
        needs_monitors = {
            "feature_drift_thresholds": self.feature_drift_thresholds,
            "ground_truth_prefix": self.ground_truth_prefix,
            "bias_analysis_config_key": self.bias_analysis_config_key,
            "attribution_analysis_config_key": self.attribution_analysis_config_key,
        }
        for prop, value in needs_monitors.items():
            check(not value or self.monitors, prop, value, "needs monitors=True")
        check(
            not self.model_quality_thresholds or self.ground_truth_prefix is not None,
            "model_quality_thresholds",
            self.model_quality_thresholds,
            "needs ground_truth_prefix (the model quality monitor)",
        )
        check(
            not self.bias_analysis_config_key or self.ground_truth_prefix is not None,
            "bias_analysis_config_key",
            self.bias_analysis_config_key,
            "needs ground_truth_prefix (bias drift joins predictions with labels)",
        )
        check(
            self.retraining_schedule is None or bool(_SCHEDULE_EXPRESSION.match(self.retraining_schedule)),
            "retraining_schedule",
            self.retraining_schedule,
            "must be None or an EventBridge Scheduler expression such as 'cron(0 3 ? * SUN *)' or 'rate(7 days)'",
        )
        check(
            not self.drift_retraining
            or not self.monitors
            or bool(self.feature_drift_thresholds or self.model_quality_thresholds),
            "drift_retraining",
            self.drift_retraining,
            "needs feature_drift_thresholds or model_quality_thresholds (the alarms that start a run)",
        )
        check(
            0 <= self.drift_retraining_min_interval_hours <= 720,
            "drift_retraining_min_interval_hours",
            self.drift_retraining_min_interval_hours,
            "must be 0 to 720 (30 days)",
        )
        check(
            1 <= self.new_data_quiet_minutes <= 10080,
            "new_data_quiet_minutes",
            self.new_data_quiet_minutes,
            "must be 1 to 10080 (7 days)",
        )
        check(
            len(set(self.deploy_to)) == len(self.deploy_to) and len(self.deploy_to) <= 5,
            "deploy_to",
            self.deploy_to,
            "must name at most 5 environments, each once",
        )
        check(
            self.new_data_prefix is None or "scheduler" in network.interface_endpoints or network.nat_gateways > 0,
            "new_data_prefix",
            self.new_data_prefix,
            "the new-data function needs the 'scheduler' interface "
            "endpoint (network.interface_endpoints) or a NAT gateway",
        )
        missing = [e for e in ("cloudformation", "states") if e not in network.interface_endpoints]
        check(
            not self.deploy_to or not missing or network.nat_gateways > 0,
            "deploy_to",
            self.deploy_to,
            f"the deployment function needs the {missing} interface endpoints (network.interface_endpoints)",
        )
        check(
            0 <= self.deployment_bake_minutes <= 1440,
            "deployment_bake_minutes",
            self.deployment_bake_minutes,
            "must be 0 to 1440",
        )
        for address in self.approver_emails:
            check(
                "@" in address and "." in address.partition("@")[2],
                "approver_emails",
                address,
                "must be e-mail addresses",
            )
        return found


@dataclass(frozen=True)
class StudioConfig:
    """The environment's SageMaker Studio domain and notebook instance (see ``constructs_lib.StudioDomain``)."""

    #: User profiles of the domain (prod may have none: data scientists work in dev and staging).
    user_profiles: tuple[str, ...] = ()
    #: Shared spaces as (space name, owner profile).
    shared_spaces: tuple[tuple[str, str], ...] = ()
    #: JupyterLab and Code Editor apps stop after this many idle minutes (60 to 525600).
    idle_timeout_minutes: int = 60
    #: Highest idle timeout users may choose for themselves.
    max_idle_timeout_minutes: int = 240
    #: Deny jobs and models created from Studio without network isolation.
    require_network_isolation: bool = False
    #: A notebook instance of this ``ml.*`` type, or None for none.
    notebook_instance_type: str | None = None
    notebook_idle_timeout_minutes: int = 60
    #: Opt-in: delete the domain's home EFS volume (users' files) with the stack.
    delete_home_efs_on_delete: bool = False

    def problems(self) -> list[str]:
        """What is wrong with these settings, as ``studio.<field>=<value>: <allowed>`` lines."""
        found: list[str] = []
        check = _checker(found, "studio.")

        names = [*self.user_profiles, *(space for space, _ in self.shared_spaces)]
        bad = [n for n in names if not SAGEMAKER_NAME_PATTERN.match(n)]
        check(not bad, "user_profiles/shared_spaces", bad, "names must be 1-63 letters, digits or '-' (SageMaker)")
        check(
            len(set(self.user_profiles)) == len(self.user_profiles),
            "user_profiles",
            self.user_profiles,
            "must not repeat a name",
        )
        spaces = [space for space, _ in self.shared_spaces]
        check(len(set(spaces)) == len(spaces), "shared_spaces", spaces, "must not repeat a name")
        orphans = [owner for _, owner in self.shared_spaces if owner not in self.user_profiles]
        check(not orphans, "shared_spaces", orphans, "owners must be among user_profiles")
        check(
            60 <= self.idle_timeout_minutes <= self.max_idle_timeout_minutes <= 525600,
            "idle_timeout_minutes/max_idle_timeout_minutes",
            (self.idle_timeout_minutes, self.max_idle_timeout_minutes),
            "need 60 <= idle_timeout_minutes <= max_idle_timeout_minutes <= 525600",
        )
        if self.notebook_instance_type is not None:
            _instance_type(check, "notebook_instance_type", self.notebook_instance_type, InstanceTypeApi.NOTEBOOK)
        check(
            10 <= self.notebook_idle_timeout_minutes <= 10080,
            "notebook_idle_timeout_minutes",
            self.notebook_idle_timeout_minutes,
            "must be 10 to 10080 minutes",
        )
        return found


@dataclass(frozen=True)
class EnvironmentConfig:
    """Everything that differs between dev, staging and prod."""

    name: str
    region: str
    #: None: the account of the credentials used at deploy time (synth needs no credentials).
    account: str | None = None
    #: True: this environment shares its account with others on purpose (``check_account_sharing``).
    #: Every role is scoped to the environment's names (``<project>-<env>-...``) either way; without
    #: this, two environments resolving to one account (both ``account=None`` included) fail.
    shared_account: bool = False
    project: str = "ml-platform"
    owner: str = "ml-platform-team"
    log_retention_days: int = 365
    network: NetworkConfig = field(default_factory=NetworkConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    governance: GovernanceConfig = field(default_factory=GovernanceConfig)
    platform: PlatformConfig = field(default_factory=PlatformConfig)
    serving: ServingConfig = field(default_factory=ServingConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    studio: StudioConfig = field(default_factory=StudioConfig)
    fleet: ModelFleetConfig = field(default_factory=ModelFleetConfig)
    monitoring: MonitoringConfig = field(default_factory=MonitoringConfig)

    def __post_init__(self) -> None:
        problems: list[str] = []
        check = _checker(problems, "")

        check(bool(_NAME.match(self.name)), "name", self.name, "must be 1-20 lowercase letters, digits or '-'")
        check(bool(_REGION.match(self.region)), "region", self.region, "must be an AWS region such as 'eu-west-1'")
        check(
            self.account is None or bool(_ACCOUNT.match(self.account)),
            "account",
            self.account,
            "must be a 12-digit AWS account id, or None for the deploying credentials' account",
        )
        for prop in ("project", "owner"):
            value = getattr(self, prop)
            check(bool(_TAG_VALUE.match(value)), prop, value, "must be a valid tag value (1-256 characters)")
        check(
            self.log_retention_days in LOG_RETENTION_DAYS,
            "log_retention_days",
            self.log_retention_days,
            f"must be one of {list(LOG_RETENTION_DAYS)}",
        )

        net = self.network
        check(_is_cidr(net.cidr), "network.cidr", net.cidr, "must be an IPv4 CIDR block from /16 to /24")
        check(
            len(net.availability_zones) >= 2 and len(set(net.availability_zones)) == len(net.availability_zones),
            "network.availability_zones",
            net.availability_zones,
            "must list at least two distinct zones",
        )
        wrong_region = [
            az for az in net.availability_zones if not (az.startswith(self.region) and len(az) == len(self.region) + 1)
        ]
        check(
            not wrong_region,
            "network.availability_zones",
            wrong_region,
            f"must be zones of region {self.region} (such as '{self.region}a')",
        )
        check(net.nat_gateways >= 0, "network.nat_gateways", net.nat_gateways, "must be 0 or more")
        unknown = [e for e in net.interface_endpoints if e not in INTERFACE_ENDPOINT_SERVICES]
        check(not unknown, "network.interface_endpoints", unknown, f"must be among {list(INTERFACE_ENDPOINT_SERVICES)}")
        check(
            net.flow_log_retention_days in LOG_RETENTION_DAYS,
            "network.flow_log_retention_days",
            net.flow_log_retention_days,
            f"must be one of {list(LOG_RETENTION_DAYS)}",
        )

        st = self.storage
        for prop in ("noncurrent_version_expiration_days", "artifact_archive_after_days", "access_log_retention_days"):
            value = getattr(st, prop)
            check(
                isinstance(value, int) and value >= 1, f"storage.{prop}", value, "must be a whole number of days >= 1"
            )

        problems += _governance_problems(self.governance)
        problems += self.platform.problems()
        sv = self.serving
        check(
            sv.endpoint in _SERVING_ENDPOINTS, "serving.endpoint", sv.endpoint, f"must be one of {_SERVING_ENDPOINTS}"
        )
        _instance_type(check, "serving.instance_type", sv.instance_type, InstanceTypeApi.ENDPOINT)
        check(sv.instance_count >= 1, "serving.instance_count", sv.instance_count, "must be 1 or more")
        check(
            sv.max_instance_count == 0 or sv.max_instance_count >= sv.instance_count,
            "serving.max_instance_count",
            sv.max_instance_count,
            "must be 0 (no autoscaling) or at least instance_count",
        )
        check(
            sv.traffic_shifting in _TRAFFIC_SHIFTING,
            "serving.traffic_shifting",
            sv.traffic_shifting,
            f"must be one of {_TRAFFIC_SHIFTING}",
        )
        check(
            sv.traffic_shifting != "CANARY" or sv.instance_count >= 2,
            "serving.traffic_shifting",
            sv.traffic_shifting,
            "CANARY shifts one instance first: needs instance_count >= 2",
        )
        check(
            sv.serverless_memory_mb in (1024, 2048, 3072, 4096, 5120, 6144),
            "serving.serverless_memory_mb",
            sv.serverless_memory_mb,
            "must be 1024 to 6144 in steps of 1024",
        )
        check(
            1 <= sv.serverless_max_concurrency <= 200,
            "serving.serverless_max_concurrency",
            sv.serverless_max_concurrency,
            "must be 1 to 200",
        )
        check(
            sv.data_capture_percentage is None or 0 <= sv.data_capture_percentage <= 100,
            "serving.data_capture_percentage",
            sv.data_capture_percentage,
            "must be None or 0 to 100",
        )
        if sv.endpoint == "serverless":
            check(
                sv.data_capture_percentage is None and sv.traffic_shifting is None,
                "serving.endpoint",
                sv.endpoint,
                "serverless endpoints support neither data capture nor deployment guardrails here",
            )
        check(
            not sv.inference_api_waf or sv.inference_api,
            "serving.inference_api_waf",
            sv.inference_api_waf,
            "needs inference_api=True",
        )
        tr = self.training
        for prop, api in (
            ("processing_instance_type", InstanceTypeApi.PROCESSING),
            ("training_instance_type", InstanceTypeApi.TRAINING),
            ("transform_instance_type", InstanceTypeApi.TRANSFORM),
        ):
            _instance_type(check, f"training.{prop}", getattr(tr, prop), api)
        for prop in (
            "training_instance_count",
            "transform_instance_count",
            "volume_size_gb",
            "max_runtime_minutes",
            "max_parallel_steps",
        ):
            value = getattr(tr, prop)
            check(isinstance(value, int) and value >= 1, f"training.{prop}", value, "must be a whole number >= 1")
        if tr.use_spot_instances:
            check(
                tr.max_wait_minutes >= tr.max_runtime_minutes,
                "training.max_wait_minutes",
                tr.max_wait_minutes,
                f"must be >= training.max_runtime_minutes ({tr.max_runtime_minutes}) with spot instances",
            )
        check(0 < tr.accuracy_threshold <= 1, "training.accuracy_threshold", tr.accuracy_threshold, "must be in (0, 1]")
        group = f"{self.project}-{self.name}-{tr.model_name}"
        check(
            bool(SAGEMAKER_NAME_PATTERN.match(group)),
            "training.model_name",
            tr.model_name,
            f"must make '<project>-<env>-<model_name>' ({group!r}) a SageMaker name (letters, digits, '-', <= 63)",
        )
        problems += self.studio.problems()
        problems += self.fleet.problems()
        check(
            self.name not in tr.registry_shared_with,
            "training.registry_shared_with",
            tr.registry_shared_with,
            "must name other environments",
        )
        problems += self.monitoring.problems(self.serving, self.network)

        if problems:
            raise ConfigError(f"environment '{self.name}' is invalid:\n  - " + "\n  - ".join(problems))

    @property
    def tags(self) -> dict[str, str]:
        """Cost-allocation tags applied to every resource of the environment."""
        return {"environment": self.name, "project": self.project, "owner": self.owner}


def _is_cidr(value: str) -> bool:
    try:
        return 16 <= ipaddress.IPv4Network(value, strict=True).prefixlen <= 24
    except (ValueError, TypeError):
        return False


#: Source kinds of the delivery pipeline.
SOURCE_KINDS = ("codestar", "codecommit")


@dataclass(frozen=True)
class DeliveryConfig:
    """The self-mutating CDK pipeline that delivers the app (``stacks/delivery_stack.py``).

    The pipeline lives in a tooling account; each delivered environment deploys into its own
    account and region. An environment's account is its ``EnvironmentConfig.account`` or, for
    env-agnostic environments (``account=None``), the one in ``accounts``.
    """

    #: The tooling account and region of the pipeline (and its artifact bucket).
    account: str
    region: str
    #: "codestar": GitHub, GitLab or Bitbucket through an AWS CodeConnections connection;
    #: "codecommit": an AWS CodeCommit repository of the tooling account.
    source: str = "codestar"
    #: "owner/repo" for a connection, the repository name for CodeCommit.
    repository: str = ""
    branch: str = "main"
    #: The connection's ARN (source="codestar"), created and authorized once in the console.
    connection_arn: str | None = None
    #: Environments deployed in this order.
    environments: tuple[str, ...] = ("staging", "prod")
    #: A manual approval waits before each of these environments.
    approval_before: tuple[str, ...] = ("prod",)
    #: Accounts of env-agnostic environments, by environment name.
    accounts: Mapping[str, str] = field(default_factory=dict)
    #: Run in the synth step before ``make synth``: a failing test stops the pipeline before it
    #: updates itself or deploys anything.
    test_commands: tuple[str, ...] = ("make test",)
    #: CDK CLI of the self-mutation step; None: the version package.json pins.
    cli_version: str | None = None

    def __post_init__(self) -> None:
        problems: list[str] = []
        check = _checker(problems, "delivery.")
        check(bool(_ACCOUNT.match(self.account)), "account", self.account, "must be the 12-digit tooling account id")
        check(bool(_REGION.match(self.region)), "region", self.region, "must be an AWS region such as 'eu-west-1'")
        check(self.source in SOURCE_KINDS, "source", self.source, f"must be one of {', '.join(SOURCE_KINDS)}")
        if self.source == "codestar":
            check(
                bool(_OWNER_REPO.match(self.repository)),
                "repository",
                self.repository,
                "must be 'owner/repository' for a CodeStar connection",
            )
            check(
                self.connection_arn is not None and bool(_CONNECTION_ARN.match(self.connection_arn)),
                "connection_arn",
                self.connection_arn,
                "must be a CodeConnections connection ARN (arn:aws:codeconnections:<region>:<account>:connection/<id>)",
            )
        elif self.source == "codecommit":
            check(
                bool(_CODECOMMIT_REPO.match(self.repository)),
                "repository",
                self.repository,
                "must be a CodeCommit repository name (letters, digits, '.', '_' or '-')",
            )
            check(self.connection_arn is None, "connection_arn", self.connection_arn, "is only for source='codestar'")
        check(bool(_BRANCH.match(self.branch)), "branch", self.branch, "must be a git branch name")
        check(
            len(self.environments) >= 1 and len(set(self.environments)) == len(self.environments),
            "environments",
            self.environments,
            "must list at least one environment, each once",
        )
        unknown = [name for name in self.approval_before if name not in self.environments]
        check(not unknown, "approval_before", unknown, f"must be among environments {list(self.environments)}")
        bad = {name: account for name, account in self.accounts.items() if not _ACCOUNT.match(str(account))}
        check(not bad, "accounts", bad, "must map environment names to 12-digit account ids")
        check(
            bool(self.test_commands), "test_commands", self.test_commands, "must run the tests (at least one command)"
        )
        check(
            self.cli_version is None or bool(_CLI_VERSION.match(self.cli_version)),
            "cli_version",
            self.cli_version,
            "must be None or a CDK CLI 2.x version (CLI 3.x cannot read this app's cloud assembly)",
        )
        if problems:
            raise ConfigError("delivery configuration is invalid:\n  - " + "\n  - ".join(problems))

    def targets(self, environments: dict[str, EnvironmentConfig]) -> list[EnvironmentConfig]:
        """The delivered environments in order, each with its concrete account.

        Fails when an environment is unknown, has no account (neither in its configuration nor
        in ``accounts``) or two different ones.
        """
        problems: list[str] = []
        targets: list[EnvironmentConfig] = []
        for name in self.environments:
            if name not in environments:
                problems.append(
                    f"delivery.environments: unknown environment {name!r} (known: {', '.join(environments)})"
                )
                continue
            env = environments[name]
            account = env.account or self.accounts.get(name)
            if account is None:
                problems.append(
                    f"delivery.accounts[{name!r}]: missing; environment {name!r} is env-agnostic "
                    "(account=None) and a cross-account pipeline needs its account id"
                )
                continue
            if env.account and self.accounts.get(name, env.account) != env.account:
                problems.append(
                    f"delivery.accounts[{name!r}]={self.accounts[name]!r}: differs from the "
                    f"environment's account {env.account!r}"
                )
            targets.append(replace(env, account=account))
        if problems:
            raise ConfigError("delivery configuration is invalid:\n  - " + "\n  - ".join(problems))
        check_account_sharing(targets)
        return targets


def api_gateway_account_owners(environments: Iterable[EnvironmentConfig]) -> frozenset[str]:
    """The environments whose serving stack sets the region's API Gateway CloudWatch role.

    That role is one setting per account and region (``AWS::ApiGateway::Account``): two stacks that
    both declare it overwrite each other, and deleting one removes what the other's logging uses. So
    only the first environment with an inference API in each account and region owns it (the others
    must be deployed after it). Environments without a concrete account share one group: they deploy
    into the credentials' account.
    """
    owners: dict[tuple[str | None, str], str] = {}
    for env in environments:
        if env.serving.inference_api:
            owners.setdefault((env.account, env.region), env.name)
    return frozenset(owners.values())


#: How an environment without a concrete account is shown: it deploys into the credentials' account.
DEPLOYING_ACCOUNT = "the deploying credentials' account"


def account_sharing_problems(environments: Iterable[EnvironmentConfig]) -> list[str]:
    """What is wrong with how ``environments`` share accounts, one line per problem.

    Environments resolving to one account (the same ``account``, or both ``account=None``: the
    deploying credentials') must all say ``shared_account=True``: dev's roles then live beside
    prod's resources, and only the name scoping (``<project>-<env>-...``) keeps them apart. So
    there, no environment's name prefix may start with another's (``ml-platform-dev-`` and
    ``ml-platform-dev-eu-``): its roles would reach the other's resources.
    """
    by_account: dict[str, list[EnvironmentConfig]] = {}
    for env in environments:
        by_account.setdefault(env.account or DEPLOYING_ACCOUNT, []).append(env)
    problems: list[str] = []
    for account, group in by_account.items():
        if len(group) < 2:
            continue
        names = [env.name for env in group]
        for env in group:
            if not env.shared_account:
                problems.append(
                    f"{env.name}.shared_account=False: environments {names} resolve to one account ({account}); "
                    "give each its own account, or set shared_account=True on each of them to share it on purpose"
                )
        for env in group:
            for other in group:
                mine, theirs = f"{env.project}-{env.name}-", f"{other.project}-{other.name}-"
                if env is not other and theirs.startswith(mine):
                    problems.append(
                        f"{env.name}.name={env.name!r}: its name prefix {mine!r} also matches environment "
                        f"{other.name!r}'s {theirs!r} in the shared account {account}, so its roles would reach "
                        "the other's resources; rename one"
                    )
    return problems


def check_account_sharing(environments: Iterable[EnvironmentConfig]) -> None:
    """Fail with every ``account_sharing_problems`` of ``environments`` (the app's, or a pipeline's targets)."""
    problems = account_sharing_problems(environments)
    if problems:
        raise ConfigError("environments share an account:\n  - " + "\n  - ".join(problems))


def registry_consumer_accounts(
    env: EnvironmentConfig, environments: Mapping[str, EnvironmentConfig], delivery: DeliveryConfig | None
) -> tuple[str, ...]:
    """The accounts ``env``'s model registry is shared with (``training.registry_shared_with``).

    An environment's account is its own or, when env-agnostic, the delivery pipeline's for it. Only
    concrete accounts that differ from the registry's are returned (same-account access needs no
    resource policy); an unknown environment name fails.
    """

    def account_of(name: str) -> str | None:
        return environments[name].account or (delivery.accounts.get(name) if delivery else None)

    unknown = [name for name in env.training.registry_shared_with if name not in environments]
    if unknown:
        raise ConfigError(
            f"environment '{env.name}' is invalid:\n  - training.registry_shared_with={unknown!r}: "
            f"must be among {list(environments)}"
        )
    own = env.account or (delivery.accounts.get(env.name) if delivery else None)
    accounts = [account_of(name) for name in env.training.registry_shared_with]
    return tuple(dict.fromkeys(a for a in accounts if a is not None and a != own))


def default_delivery() -> DeliveryConfig | None:
    """How this repository delivers staging and prod. Edit the values here; None: no pipeline.

    The ids below are PLACEHOLDERS so that ``cdk synth`` shows the pipeline: replace the tooling
    account (111111111111), the staging (222222222222) and prod (333333333333) accounts, the
    repository and the connection ARN before ``cdk deploy ml-platform-delivery`` (README).
    """
    return DeliveryConfig(
        account="111111111111",
        region="eu-west-1",
        source="codestar",
        repository="my-org/ml-platform",
        branch="main",
        connection_arn="arn:aws:codeconnections:eu-west-1:111111111111:connection/00000000-0000-0000-0000-000000000000",
        accounts={"staging": "222222222222", "prod": "333333333333"},
    )


def default_environments() -> dict[str, EnvironmentConfig]:
    """dev, staging and prod as this repository deploys them. Edit the values here."""
    return {
        "dev": EnvironmentConfig(
            name="dev",
            region="eu-west-1",
            # The three environments are env-agnostic: deployed with one set of credentials they share
            # its account, on purpose (every role is scoped to <project>-<env>-...). Give each an
            # account of its own (and shared_account=False) where you can.
            shared_account=True,
            log_retention_days=30,
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
            platform=PlatformConfig(monthly_budget_usd=500, feature_online_ttl_days=30),
            serving=ServingConfig(endpoint="serverless", serverless_memory_mb=2048, serverless_max_concurrency=5),
            training=TrainingConfig(
                training_instance_type="ml.m5.large",
                max_runtime_minutes=30,
                max_wait_minutes=60,
                max_parallel_steps=2,
                registry_shared_with=("staging", "prod"),
            ),
            studio=StudioConfig(
                user_profiles=("alice", "bob"),
                shared_spaces=(("team-lab", "alice"),),
                notebook_instance_type="ml.t3.medium",
                delete_home_efs_on_delete=True,
            ),
            # Serverless: no data capture, so no monitors; approved packages of dev's registry go to dev only.
            monitoring=MonitoringConfig(
                monitors=False,
                drift_retraining=False,
                retraining_schedule="cron(0 3 1 * ? *)",
                deploy_to=("dev",),
                deployment_bake_minutes=0,
            ),
        ),
        "staging": EnvironmentConfig(
            name="staging",
            region="eu-west-1",
            shared_account=True,
            log_retention_days=365,
            network=NetworkConfig(
                cidr="10.20.0.0/16",
                availability_zones=("eu-west-1a", "eu-west-1b"),
                interface_endpoints=(*DEFAULT_INTERFACE_ENDPOINTS, "cloudformation", "states", "scheduler"),
                flow_log_retention_days=365,
            ),
            platform=PlatformConfig(monthly_budget_usd=1000),
            serving=ServingConfig(
                instance_count=1,
                traffic_shifting="ALL_AT_ONCE",
                data_capture_percentage=100,
                async_endpoint=True,
                inference_api=True,
            ),
            training=TrainingConfig(registry_shared_with=("prod",)),
            studio=StudioConfig(user_profiles=("alice",), max_idle_timeout_minutes=120),
            # The registry that feeds staging, then prod (same account and region).
            monitoring=MonitoringConfig(
                feature_drift_thresholds=(("_c1", 0.3), ("_c2", 0.3)), deploy_to=("staging", "prod")
            ),
        ),
        "prod": EnvironmentConfig(
            name="prod",
            region="eu-west-1",
            shared_account=True,
            log_retention_days=3653,
            network=NetworkConfig(
                cidr="10.30.0.0/16",
                availability_zones=("eu-west-1a", "eu-west-1b", "eu-west-1c"),
                # The served-model record tells a rollback from a deploy (ServedModelPackage).
                interface_endpoints=(*DEFAULT_INTERFACE_ENDPOINTS, "cloudformation", "scheduler"),
                flow_log_retention_days=3653,
            ),
            storage=StorageConfig(noncurrent_version_expiration_days=365, access_log_retention_days=3653),
            platform=PlatformConfig(monthly_budget_usd=5000, mlflow_server_size="Medium"),
            serving=ServingConfig(
                instance_type="ml.m5.xlarge",
                instance_count=2,
                max_instance_count=4,
                traffic_shifting="CANARY",
                data_capture_percentage=20,
                async_endpoint=True,
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
            # No profiles: nobody works interactively in prod; jobs there are fully isolated.
            studio=StudioConfig(max_idle_timeout_minutes=60, require_network_isolation=True),
            monitoring=MonitoringConfig(
                feature_drift_thresholds=(("_c1", 0.2), ("_c2", 0.2)),
                ground_truth_prefix="ground-truth/churn/",
                model_quality_thresholds=(("auc", 0.75),),
                deployment_requires_approval=True,
                deployment_bake_minutes=30,
            ),
        ),
    }


def get_environment(name: str, environments: dict[str, EnvironmentConfig] | None = None) -> EnvironmentConfig:
    """The configuration of environment ``name``; an unknown name fails with the known ones."""
    environments = default_environments() if environments is None else environments
    try:
        return environments[name]
    except KeyError:
        raise ConfigError(f"unknown environment {name!r}: must be one of {', '.join(environments)}") from None
