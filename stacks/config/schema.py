"""The schema of an environment: one typed, frozen record, validated when it is created.

Differences between environments are values (``environments/<name>.py``), never ``if env == "prod"``
branches in code. Every section checks its values with the library's own checks (``Problems``: the
same e-mail, log-retention, SageMaker-name and instance-type rules the constructs apply), and the
record reports every problem at once, so a bad edit fails before any synthesis.

The sections are the platform's (``network``, ``storage``, ``governance``, ``platform``, ``studio``)
and the workloads' (``serving``, ``training``, ``monitoring``: the reference workload, whose names
are in ``reference_workload.py``; ``fleet``: further models).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from constructs_lib import (
    COGNITO_DOMAIN_PREFIX_PATTERN,
    DEFAULT_INTERFACE_ENDPOINTS,
    INSTANCE_CAPACITY,
    INTERFACE_ENDPOINT_SERVICES,
    MAINTENANCE_WINDOW_PATTERN,
    MLFLOW_VERSION_PATTERN,
    TEAM_NAME_PATTERN,
    ConstructValidationError,
    InstanceType,
    InstanceTypeApi,
    Problems,
    ProblemType,
    TrackingServerSize,
    WorkingHours,
)
from stacks.config import reference_workload as reference

REGION_PATTERN = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
ACCOUNT_PATTERN = re.compile(r"^\d{12}$")
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
_TAG_VALUE = re.compile(r"^[\w .:/=+\-@]{1,256}$")
_FLEET_MODEL_NAME = re.compile(r"^[a-z][a-z0-9-]{0,29}$")
_SCHEDULE_EXPRESSION = re.compile(r"^(cron\([^()]+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$")
_S3_KEY_PREFIX = re.compile(r"^[A-Za-z0-9!_.*'()/-]+/$")

_SERVING_ENDPOINTS = ("serverless", "realtime", "components")
_FLEET_ENDPOINTS = ("realtime", "serverless", "async")
_TRAFFIC_SHIFTING = (None, "ALL_AT_ONCE", "CANARY", "LINEAR")
_SERVERLESS_MEMORY_MB = (1024, 2048, 3072, 4096, 5120, 6144)
#: Where new training data lands (``stacks/training_stack.RAW_DATA_PREFIX``): the training jobs read only there.
_RAW_DATA_PREFIX = "raw/"


class ConfigError(ConstructValidationError):
    """The app's configuration is invalid (a ``ConstructValidationError``: the library's one error type)."""


def raise_problems(problems: Problems) -> None:
    """Fail with every problem ``problems`` collected, as a ``ConfigError``."""
    try:
        problems.raise_if_any()
    except ConstructValidationError as error:
        raise ConfigError(str(error)) from None


def _check_instance_type(problems: Problems, prop: str, value: str | None, api: InstanceTypeApi) -> None:
    """An instance type that ``api`` takes (botocore's list for that API, with close matches)."""
    if value is not None:
        problem = InstanceType.of(value).problem(api)
        problems.check(problem is None, prop, value, problem or "")


def _check_names(problems: Problems, prop: str, names: tuple[str, ...]) -> None:
    """Distinct SageMaker names (user profiles, spaces)."""
    for name in names:
        problems.check_sagemaker_name(prop, name)
    problems.check_unique(prop, names)


# --- the platform --------------------------------------------------------------------------------


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

    def validate(self, problems: Problems, region: str) -> None:
        problems.check(_is_cidr(self.cidr), "network.cidr", self.cidr, "must be an IPv4 CIDR block from /16 to /24")
        zones = self.availability_zones
        problems.check(
            len(zones) >= 2 and len(set(zones)) == len(zones),
            "network.availability_zones",
            zones,
            "must list at least two distinct zones",
        )
        wrong_region = [az for az in zones if not (az.startswith(region) and len(az) == len(region) + 1)]
        problems.check(
            not wrong_region,
            "network.availability_zones",
            wrong_region,
            f"must be zones of region {region} (such as '{region}a')",
        )
        problems.check_range("network.nat_gateways", self.nat_gateways, minimum=0, integer=True)
        unknown = [e for e in self.interface_endpoints if e not in INTERFACE_ENDPOINT_SERVICES]
        problems.check(
            not unknown, "network.interface_endpoints", unknown, f"must be among {list(INTERFACE_ENDPOINT_SERVICES)}"
        )
        problems.check_log_retention_days("network.flow_log_retention_days", self.flow_log_retention_days)


@dataclass(frozen=True)
class StorageConfig:
    """The environment's buckets (see ``constructs_lib.SecureBucket``)."""

    noncurrent_version_expiration_days: int = 90
    #: Model artifacts older than this move to S3 Glacier Flexible Retrieval.
    artifact_archive_after_days: int = 180
    access_log_retention_days: int = 365
    #: Opt-in: delete buckets (emptying them) and schedule key deletion when the stack is deleted.
    destroy_on_delete: bool = False

    def validate(self, problems: Problems) -> None:
        for prop in ("noncurrent_version_expiration_days", "artifact_archive_after_days", "access_log_retention_days"):
            problems.check_range(f"storage.{prop}", getattr(self, prop), minimum=1, integer=True)


@dataclass(frozen=True)
class GovernanceConfig:
    """Audit, team access, labeling and model cards (see ``stacks.governance_stack``)."""

    #: The environment's CloudTrail trail; turn it off where an organisation trail already records
    #: the account (its alarms then belong to the organisation's log account).
    audit_trail_enabled: bool = True
    #: Team of the reference pipeline: its name (prefix ``teams/<name>/`` of the data bucket) and
    #: the SageMaker Studio user profiles that belong to it.
    reference_team_name: str = reference.TEAM_NAME
    reference_team_user_profiles: tuple[str, ...] = ()
    #: A Ground Truth private workteam (and the region's Cognito workforce).
    labeling_workforce_enabled: bool = False
    #: Prefix of the workers' Cognito sign-in domain; unique in the region across AWS.
    labeling_domain_prefix: str | None = None
    #: The registry group the training stack creates for the reference model; its model card.
    reference_model_package_group_name: str = reference.MODEL_PACKAGE_GROUP_NAME
    reference_model_card_enabled: bool = True

    def validate(self, problems: Problems) -> None:
        problems.check_pattern(
            "governance.reference_team_name",
            self.reference_team_name,
            TEAM_NAME_PATTERN,
            "must be 1-32 lowercase letters, digits or '-', starting and ending with a letter or digit",
        )
        _check_names(problems, "governance.reference_team_user_profiles", self.reference_team_user_profiles)
        if self.labeling_workforce_enabled:
            problems.check(
                bool(COGNITO_DOMAIN_PREFIX_PATTERN.match(self.labeling_domain_prefix or "")),
                "governance.labeling_domain_prefix",
                self.labeling_domain_prefix,
                "is required with labeling_workforce_enabled: 1-63 lowercase letters, digits or '-'",
            )
        problems.check_sagemaker_name(
            "governance.reference_model_package_group_name", self.reference_model_package_group_name
        )


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
    #: Shards of the example feature group's streaming ingestion path (a Kinesis stream whose consumer
    #: writes each record with PutRecord; the network gets the Feature Store runtime and SQS
    #: endpoints); None: no stream.
    feature_ingestion_shards: int | None = 1

    @property
    def feature_ingestion_enabled(self) -> bool:
        """Whether the platform streams records into the example feature group."""
        return self.example_feature_group and self.feature_ingestion_shards is not None

    #: Deploy the example labeling workflow (Ground Truth jobs on customer messages, see
    #: ``reference_workload.LABELING_INPUT_PREFIX``); needs the labeling workforce and the ``states`` endpoint.
    example_labeling_workflow: bool = False

    def validate(self, problems: Problems) -> None:
        budget = self.monthly_budget_usd
        problems.check(
            isinstance(budget, (int, float)) and not isinstance(budget, bool) and 0 < budget < float("inf"),
            "platform.monthly_budget_usd",
            budget,
            "must be a positive amount of USD",
        )
        for address in self.alert_emails:
            problems.check_email("platform.alert_emails", address)
        problems.check_one_of(
            "platform.mlflow_server_size", self.mlflow_server_size, [size.value for size in TrackingServerSize]
        )
        problems.check_pattern(
            "platform.mlflow_version",
            self.mlflow_version,
            MLFLOW_VERSION_PATTERN,
            "must be None or an MLflow version such as '2.16.2'",
        )
        problems.check_pattern(
            "platform.mlflow_maintenance_window",
            self.mlflow_maintenance_window,
            MAINTENANCE_WINDOW_PATTERN,
            "must be 'Ddd:HH:MM' in UTC, such as 'Sun:03:00'",
        )
        problems.check_range("platform.feature_online_ttl_days", self.feature_online_ttl_days, minimum=1, integer=True)
        problems.check_range(
            "platform.feature_ingestion_shards", self.feature_ingestion_shards, minimum=1, maximum=100_000, integer=True
        )

    def validate_labeling(self, problems: Problems, governance: GovernanceConfig, network: NetworkConfig) -> None:
        """The labeling workflow's needs from the other sections."""
        if not self.example_labeling_workflow:
            return
        problems.check(
            governance.labeling_workforce_enabled,
            "platform.example_labeling_workflow",
            True,
            "needs governance.labeling_workforce_enabled (its workteam labels)",
        )
        problems.check(
            "states" in network.interface_endpoints or network.nat_gateways > 0,
            "platform.example_labeling_workflow",
            True,
            "the batcher starts the state machine: it needs the 'states' interface endpoint "
            "(network.interface_endpoints) or a NAT gateway",
        )


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

    def validate(self, problems: Problems) -> None:
        _check_names(problems, "studio.user_profiles", self.user_profiles)
        _check_names(problems, "studio.shared_spaces", tuple(space for space, _ in self.shared_spaces))
        orphans = [owner for _, owner in self.shared_spaces if owner not in self.user_profiles]
        problems.check(not orphans, "studio.shared_spaces", orphans, "owners must be among user_profiles")
        problems.check(
            60 <= self.idle_timeout_minutes <= self.max_idle_timeout_minutes <= 525600,
            "studio.idle_timeout_minutes/max_idle_timeout_minutes",
            (self.idle_timeout_minutes, self.max_idle_timeout_minutes),
            "need 60 <= idle_timeout_minutes <= max_idle_timeout_minutes <= 525600",
        )
        _check_instance_type(
            problems, "studio.notebook_instance_type", self.notebook_instance_type, InstanceTypeApi.NOTEBOOK
        )
        problems.check_range(
            "studio.notebook_idle_timeout_minutes",
            self.notebook_idle_timeout_minutes,
            minimum=10,
            maximum=10080,
            integer=True,
        )


# --- the workloads -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServingConfig:
    """How the environment serves the reference model (see ``stacks.serving_stack``)."""

    #: Inference image (an AWS algorithm or deep learning container, or your own ECR image).
    image_uri: str = reference.IMAGE_URI
    #: A local ``model.tar.gz`` or model folder (relative to the app's directory) that ``cdk deploy``
    #: uploads (``ModelData.from_asset``); default the example model (``reference.EXAMPLE_MODEL_PATH``).
    model_data_path: str | None = reference.EXAMPLE_MODEL_PATH
    #: Default None; the model artifact in the environment's artifact bucket instead (with ``model_data_path=None``).
    model_data_key: str | None = None
    #: The registered model package version a new serving stack starts with instead of image and artifact
    #: (a version of the group that feeds the environment); rollouts then change it (ServedModelPackage).
    model_package_arn: str | None = None
    #: "serverless" (pay per request, cold starts), "realtime" (instances) or "components" (an
    #: inference component on instances SageMaker manages, scaling to zero copies and instances).
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
    #: The asynchronous endpoint's deployment guardrails: None (AWS default, no alarms), ALL_AT_ONCE,
    #: CANARY (half its capacity first) or LINEAR (in halves), rolled back by its error, failure and
    #: backlog-without-capacity alarms.
    async_traffic_shifting: str | None = None
    #: An API Gateway front door for clients that cannot call SageMaker.
    inference_api: bool = False
    inference_api_waf: bool = False
    #: Components: the most copies of the model (it scales between 0 and this).
    component_max_copies: int = 2
    #: Components: memory each copy reserves, MiB.
    component_memory_mb: int = 2048
    #: Components: CPU cores each copy reserves.
    component_cpu_cores: float = 1.0

    def validate(self, problems: Problems) -> None:
        problems.check(
            (self.model_data_key is None) != (self.model_data_path is None),
            "serving.model_data_path",
            (self.model_data_path, self.model_data_key),
            "give model_data_path (a local artifact, default the example model) or model_data_key (in the "
            "artifact bucket, with model_data_path=None): exactly one",
        )
        problems.check_one_of("serving.endpoint", self.endpoint, _SERVING_ENDPOINTS)
        _check_instance_type(problems, "serving.instance_type", self.instance_type, InstanceTypeApi.ENDPOINT)
        problems.check_range("serving.instance_count", self.instance_count, minimum=1, integer=True)
        problems.check(
            self.max_instance_count == 0 or self.max_instance_count >= self.instance_count,
            "serving.max_instance_count",
            self.max_instance_count,
            "must be 0 (no autoscaling) or at least instance_count",
        )
        problems.check_one_of("serving.traffic_shifting", self.traffic_shifting, _TRAFFIC_SHIFTING)
        problems.check(
            self.traffic_shifting != "CANARY" or self.instance_count >= 2,
            "serving.traffic_shifting",
            self.traffic_shifting,
            "CANARY shifts one instance first: needs instance_count >= 2",
        )
        problems.check_one_of("serving.async_traffic_shifting", self.async_traffic_shifting, _TRAFFIC_SHIFTING)
        problems.check(
            self.async_traffic_shifting is None or self.async_endpoint,
            "serving.async_traffic_shifting",
            self.async_traffic_shifting,
            "needs async_endpoint=True",
        )
        problems.check_one_of("serving.serverless_memory_mb", self.serverless_memory_mb, _SERVERLESS_MEMORY_MB)
        problems.check_range(
            "serving.serverless_max_concurrency", self.serverless_max_concurrency, minimum=1, maximum=200, integer=True
        )
        problems.check_range(
            "serving.data_capture_percentage", self.data_capture_percentage, minimum=0, maximum=100, integer=True
        )
        if self.endpoint == "serverless":
            problems.check(
                self.data_capture_percentage is None and self.traffic_shifting is None,
                "serving.endpoint",
                self.endpoint,
                "serverless endpoints support neither data capture nor deployment guardrails here",
            )
        if self.endpoint == "components":
            problems.check(
                self.data_capture_percentage is None and self.traffic_shifting is None and not self.inference_api,
                "serving.endpoint",
                self.endpoint,
                "inference components here support neither data capture, endpoint guardrails nor the inference "
                "API (requests must name the component)",
            )
            problems.check_one_of("serving.instance_type", self.instance_type, INSTANCE_CAPACITY)
            problems.check_range("serving.component_max_copies", self.component_max_copies, minimum=1, integer=True)
            problems.check_range("serving.component_memory_mb", self.component_memory_mb, minimum=128, integer=True)
            problems.check_range("serving.component_cpu_cores", self.component_cpu_cores, minimum=0.25)
        problems.check(
            not self.inference_api_waf or self.inference_api,
            "serving.inference_api_waf",
            self.inference_api_waf,
            "needs inference_api=True",
        )


@dataclass(frozen=True)
class CapacityConfig:
    """When serving capacity runs: working hours in the environment's time zone, and idle detection
    (see ``stacks.serving_stack``; inference components and asynchronous endpoints)."""

    #: The environment's IANA time zone (schedules run in it).
    time_zone: str = "UTC"
    #: ``(start hour, end hour)``: serving capacity scales to zero outside these hours and outside
    #: ``working_days``; None: around the clock.
    working_hours: tuple[int, int] | None = None
    working_days: tuple[str, ...] = ("MON", "TUE", "WED", "THU", "FRI")
    #: Alarm when serving capacity had no request for this many minutes; None: no idle alarms.
    idle_alarm_minutes: int | None = None
    #: Opt in: scale idle capacity to its minimum (zero copies) when the idle alarm fires.
    scale_in_when_idle: bool = False

    @property
    def schedule(self) -> WorkingHours | None:
        """The ``WorkingHours`` of the configuration, or None (around the clock)."""
        if self.working_hours is None:
            return None
        start, end = self.working_hours
        return WorkingHours(time_zone=self.time_zone, start_hour=start, end_hour=end, days=self.working_days)

    def validate(self, problems: Problems) -> None:
        hours = self.schedule or WorkingHours(time_zone=self.time_zone, days=self.working_days)
        hours.check(problems, "capacity")
        if self.idle_alarm_minutes is not None:
            problems.check(
                self.idle_alarm_minutes % 5 == 0 and 5 <= self.idle_alarm_minutes <= 1440,
                "capacity.idle_alarm_minutes",
                self.idle_alarm_minutes,
                "must be 5 to 1440 minutes, a multiple of the 5-minute period",
            )
        problems.check(
            not self.scale_in_when_idle or self.idle_alarm_minutes is not None,
            "capacity.scale_in_when_idle",
            self.scale_in_when_idle,
            "needs idle_alarm_minutes (scaling in follows the idle alarm)",
        )


@dataclass(frozen=True)
class TrainingConfig:
    """The environment's training and batch transform pipelines of the reference model (see
    ``stacks.training_stack``)."""

    #: Registry group name is ``<project>-<env>-<model_name>``.
    model_name: str = reference.MODEL_NAME
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
    #: Opt-in: SSM shell access to the training containers (README "Remote debugging"). The training
    #: step then runs without network isolation; refused where Studio requires isolated jobs (prod).
    remote_debug: bool = False

    def validate(self, problems: Problems, project: str, name: str) -> None:
        for prop, use in (
            ("processing_instance_type", InstanceTypeApi.PROCESSING),
            ("training_instance_type", InstanceTypeApi.TRAINING),
            ("transform_instance_type", InstanceTypeApi.TRANSFORM),
        ):
            _check_instance_type(problems, f"training.{prop}", getattr(self, prop), use)
        for prop in (
            "training_instance_count",
            "transform_instance_count",
            "volume_size_gb",
            "max_runtime_minutes",
            "max_parallel_steps",
        ):
            problems.check_range(f"training.{prop}", getattr(self, prop), minimum=1, integer=True)
        if self.use_spot_instances:
            problems.check(
                self.max_wait_minutes >= self.max_runtime_minutes,
                "training.max_wait_minutes",
                self.max_wait_minutes,
                f"must be >= training.max_runtime_minutes ({self.max_runtime_minutes}) with spot instances",
            )
        problems.check(
            0 < self.accuracy_threshold <= 1,
            "training.accuracy_threshold",
            self.accuracy_threshold,
            "must be in (0, 1]",
        )
        group = f"{project}-{name}-{self.model_name}"
        problems.check_sagemaker_name("training.model_name (in the registry group name)", group)
        problems.check(
            name not in self.registry_shared_with,
            "training.registry_shared_with",
            self.registry_shared_with,
            "must name other environments",
        )


@dataclass(frozen=True)
class MonitoringConfig:
    """The monitoring loop of the environment (see ``stacks.monitoring_stack`` and README "The monitoring loop").

    Monitors watch the served real-time endpoint; retraining triggers start the reference training
    pipeline; ``deploy_to`` rolls approved packages of this environment's registry out to serving stacks.
    """

    #: Model Monitor on the served endpoint; needs a real-time endpoint with data capture.
    monitors: bool = True
    #: ``constraints.json`` and ``statistics.json`` of the data quality baseline, under this artifact-bucket prefix.
    baseline_prefix: str = reference.BASELINE_PREFIX
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
    new_data_prefix: str | None = reference.NEW_DATA_PREFIX
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

    def validate(self, problems: Problems, serving: ServingConfig, network: NetworkConfig) -> None:
        if self.monitors:
            problems.check(
                serving.endpoint == "realtime" and serving.data_capture_percentage is not None,
                "monitoring.monitors",
                self.monitors,
                "needs a real-time endpoint with data capture (serving.data_capture_percentage)",
            )
        for prop in ("baseline_prefix", "ground_truth_prefix", "new_data_prefix"):
            value = getattr(self, prop)
            problems.check_pattern(
                f"monitoring.{prop}", value, _S3_KEY_PREFIX, "must be an S3 key prefix ending in '/' (no leading '/')"
            )
        problems.check(
            self.new_data_prefix is None or self.new_data_prefix.startswith(_RAW_DATA_PREFIX),
            "monitoring.new_data_prefix",
            self.new_data_prefix,
            f"must be under {_RAW_DATA_PREFIX!r}, the training pipeline's input prefix",
        )
        problems.check_range(
            "monitoring.monitor_every_hours", self.monitor_every_hours, minimum=1, maximum=24, integer=True
        )
        drift = [name for name, value in self.feature_drift_thresholds if not 0 <= value <= 1]
        problems.check(not drift, "monitoring.feature_drift_thresholds", drift, "thresholds must be 0 to 1")
        problems.check_one_of("monitoring.problem_type", self.problem_type, list(ProblemType))
        needs_monitors = {
            "feature_drift_thresholds": self.feature_drift_thresholds,
            "ground_truth_prefix": self.ground_truth_prefix,
            "bias_analysis_config_key": self.bias_analysis_config_key,
            "attribution_analysis_config_key": self.attribution_analysis_config_key,
        }
        for prop, value in needs_monitors.items():
            problems.check(not value or self.monitors, f"monitoring.{prop}", value, "needs monitors=True")
        problems.check(
            not self.model_quality_thresholds or self.ground_truth_prefix is not None,
            "monitoring.model_quality_thresholds",
            self.model_quality_thresholds,
            "needs ground_truth_prefix (the model quality monitor)",
        )
        problems.check(
            not self.bias_analysis_config_key or self.ground_truth_prefix is not None,
            "monitoring.bias_analysis_config_key",
            self.bias_analysis_config_key,
            "needs ground_truth_prefix (bias drift joins predictions with labels)",
        )
        problems.check_pattern(
            "monitoring.retraining_schedule",
            self.retraining_schedule,
            _SCHEDULE_EXPRESSION,
            "must be None or an EventBridge Scheduler expression such as 'cron(0 3 ? * SUN *)' or 'rate(7 days)'",
        )
        problems.check(
            not self.drift_retraining
            or not self.monitors
            or bool(self.feature_drift_thresholds or self.model_quality_thresholds),
            "monitoring.drift_retraining",
            self.drift_retraining,
            "needs feature_drift_thresholds or model_quality_thresholds (the alarms that start a run)",
        )
        problems.check_range(
            "monitoring.drift_retraining_min_interval_hours",
            self.drift_retraining_min_interval_hours,
            minimum=0,
            maximum=720,
            integer=True,
        )
        problems.check_range(
            "monitoring.new_data_quiet_minutes",
            self.new_data_quiet_minutes,
            minimum=1,
            maximum=10080,
            integer=True,
        )
        problems.check(
            len(set(self.deploy_to)) == len(self.deploy_to) and len(self.deploy_to) <= 5,
            "monitoring.deploy_to",
            self.deploy_to,
            "must name at most 5 environments, each once",
        )
        problems.check(
            self.new_data_prefix is None or "scheduler" in network.interface_endpoints or network.nat_gateways > 0,
            "monitoring.new_data_prefix",
            self.new_data_prefix,
            "the new-data function needs the 'scheduler' interface "
            "endpoint (network.interface_endpoints) or a NAT gateway",
        )
        missing = [e for e in ("cloudformation", "states") if e not in network.interface_endpoints]
        problems.check(
            not self.deploy_to or not missing or network.nat_gateways > 0,
            "monitoring.deploy_to",
            self.deploy_to,
            f"the deployment function needs the {missing} interface endpoints (network.interface_endpoints)",
        )
        problems.check_range(
            "monitoring.deployment_bake_minutes", self.deployment_bake_minutes, minimum=0, maximum=1440, integer=True
        )
        for address in self.approver_emails:
            problems.check_email("monitoring.approver_emails", address)


@dataclass(frozen=True)
class ServedModel:
    """One more model the environment serves, on its own endpoint ``<project>-<env>-<name>``
    (see ``stacks.model_fleet_stack``)."""

    #: Stable identifier: names the endpoint and the model's constructs (1-30 lowercase letters, digits, '-').
    name: str
    image_uri: str = reference.XGBOOST_IMAGE_EU_WEST_1
    #: The artifact in the environment's artifact bucket; default ``models/<name>/model.tar.gz``.
    model_data_key: str | None = None
    #: Default None; a local ``model.tar.gz`` or model folder (relative to the app's directory) that
    #: ``cdk deploy`` uploads (``ModelData.from_asset``), instead of ``model_data_key``.
    model_data_path: str | None = None
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

    def validate(self, problems: Problems) -> None:
        at = f"fleet.models[{self.name!r}]."
        problems.check_pattern(
            at + "name",
            self.name,
            _FLEET_MODEL_NAME,
            "must be 1-30 lowercase letters, digits or '-', starting with a letter",
        )
        problems.check_one_of(at + "endpoint", self.endpoint, _FLEET_ENDPOINTS)
        problems.check(
            self.model_data_key is None or self.model_data_path is None,
            at + "model_data_path",
            self.model_data_path,
            "give model_data_key (in the artifact bucket) or model_data_path (a local artifact), not both",
        )
        _check_instance_type(problems, at + "instance_type", self.instance_type, InstanceTypeApi.ENDPOINT)
        problems.check_range(at + "instance_count", self.instance_count, minimum=1, integer=True)
        problems.check(
            self.max_instance_count == 0
            or (self.endpoint == "realtime" and self.max_instance_count >= self.instance_count),
            at + "max_instance_count",
            self.max_instance_count,
            "must be 0, or (real-time endpoints only) at least instance_count",
        )
        problems.check_one_of(at + "serverless_memory_mb", self.serverless_memory_mb, _SERVERLESS_MEMORY_MB)
        problems.check_range(
            at + "serverless_max_concurrency", self.serverless_max_concurrency, minimum=1, maximum=200, integer=True
        )


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

    def validate(self, problems: Problems) -> None:
        problems.check_unique("fleet.models", [model.name for model in self.models])
        problems.check_range(
            "fleet.max_resources_per_stack",
            self.max_resources_per_stack,
            minimum=50,
            maximum=450,
            integer=True,
        )
        for model in self.models:
            model.validate(problems)


# --- the environment -----------------------------------------------------------------------------


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
    # The platform.
    network: NetworkConfig = field(default_factory=NetworkConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    governance: GovernanceConfig = field(default_factory=GovernanceConfig)
    platform: PlatformConfig = field(default_factory=PlatformConfig)
    studio: StudioConfig = field(default_factory=StudioConfig)
    # The workloads: the reference one, then the fleet.
    serving: ServingConfig = field(default_factory=ServingConfig)
    capacity: CapacityConfig = field(default_factory=CapacityConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    monitoring: MonitoringConfig = field(default_factory=MonitoringConfig)
    fleet: ModelFleetConfig = field(default_factory=ModelFleetConfig)

    def __post_init__(self) -> None:
        problems = Problems(self.name, "environment")
        problems.check_pattern("name", self.name, _NAME, "must be 1-20 lowercase letters, digits or '-'")
        problems.check_pattern("region", self.region, REGION_PATTERN, "must be an AWS region such as 'eu-west-1'")
        problems.check_pattern(
            "account",
            self.account,
            ACCOUNT_PATTERN,
            "must be a 12-digit AWS account id, or None for the deploying credentials' account",
        )
        for prop in ("project", "owner"):
            problems.check_pattern(
                prop, getattr(self, prop), _TAG_VALUE, "must be a valid tag value (1-256 characters)"
            )
        problems.check_log_retention_days("log_retention_days", self.log_retention_days)
        self.network.validate(problems, self.region)
        self.storage.validate(problems)
        self.governance.validate(problems)
        self.platform.validate(problems)
        self.platform.validate_labeling(problems, self.governance, self.network)
        self.studio.validate(problems)
        self.serving.validate(problems)
        self.capacity.validate(problems)
        self.training.validate(problems, self.project, self.name)
        self._check_remote_debug(problems)
        self.monitoring.validate(problems, self.serving, self.network)
        self.fleet.validate(problems)
        raise_problems(problems)

    def _check_remote_debug(self, problems: Problems) -> None:
        """Remote debugging opens a shell in the training containers and turns their network
        isolation off: never where jobs must be isolated, and only with a way to reach SSM."""
        if not self.training.remote_debug:
            return
        problems.check(
            not self.studio.require_network_isolation,
            "training.remote_debug",
            True,
            "is refused where studio.require_network_isolation is set (prod: jobs are fully isolated and "
            "nobody works interactively); debug in dev or staging",
        )
        problems.check(
            self.network.nat_gateways > 0 or "ssmmessages" in self.network.interface_endpoints,
            "network.interface_endpoints",
            self.network.interface_endpoints,
            "must include 'ssmmessages' with training.remote_debug (isolated subnets reach SSM only through it)",
        )

    @property
    def tags(self) -> dict[str, str]:
        """Cost-allocation tags applied to every resource of the environment."""
        return {"environment": self.name, "project": self.project, "owner": self.owner}


def _is_cidr(value: str) -> bool:
    try:
        return 16 <= ipaddress.IPv4Network(value, strict=True).prefixlen <= 24
    except (ValueError, TypeError):
        return False
