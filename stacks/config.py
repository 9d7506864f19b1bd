"""Environment configuration: one typed, frozen record per environment.

Differences between environments are values here, never ``if env == "prod"`` branches in code.
Every value is validated when the record is created, so a bad edit fails before any synthesis.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from constructs_lib._internal.log_retention import LOG_RETENTION_DAYS
from constructs_lib._internal.validation import ML_INSTANCE_TYPE_PATTERN, SAGEMAKER_NAME_PATTERN
from constructs_lib.private_network import DEFAULT_INTERFACE_ENDPOINTS, INTERFACE_ENDPOINT_SERVICES

_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
_ACCOUNT = re.compile(r"^\d{12}$")
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
_TAG_VALUE = re.compile(r"^[\w .:/=+\-@]{1,256}$")


class ConfigError(ValueError):
    """An environment configuration value is invalid."""


@dataclass(frozen=True)
class NetworkConfig:
    """The environment's VPC (see ``constructs_lib.PrivateNetwork``)."""

    cidr: str = "10.0.0.0/16"
    #: Zones for the VPC's subnets; at least two, all in the environment's region.
    availability_zones: tuple[str, ...] = ()
    #: 0 keeps subnets isolated (AWS reached only through VPC endpoints).
    nat_gateways: int = 0
    interface_endpoints: tuple[str, ...] = DEFAULT_INTERFACE_ENDPOINTS
    flow_log_retention_days: int = 365


@dataclass(frozen=True)
class StorageConfig:
    """The environment's buckets (see ``constructs_lib.SecureBucket``)."""

    noncurrent_version_expiration_days: int = 90
    #: Model artifacts older than this move to S3 Glacier Flexible Retrieval.
    artifact_archive_after_days: int = 180
    access_log_retention_days: int = 365
    #: Opt-in: delete buckets (emptying them) and schedule key deletion when the stack is deleted.
    destroy_on_delete: bool = False


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


@dataclass(frozen=True)
class EnvironmentConfig:
    """Everything that differs between dev, staging and prod."""

    name: str
    region: str
    #: None: the account of the credentials used at deploy time (synth needs no credentials).
    account: str | None = None
    project: str = "ml-platform"
    owner: str = "ml-platform-team"
    log_retention_days: int = 365
    network: NetworkConfig = field(default_factory=NetworkConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)

    def __post_init__(self) -> None:
        problems: list[str] = []

        def check(ok: bool, prop: str, value: object, allowed: str) -> None:
            if not ok:
                problems.append(f"{prop}={value!r}: {allowed}")

        check(bool(_NAME.match(self.name)), "name", self.name, "must be 1-20 lowercase letters, digits or '-'")
        check(bool(_REGION.match(self.region)), "region", self.region, "must be an AWS region such as 'eu-west-1'")
        check(self.account is None or bool(_ACCOUNT.match(self.account)), "account", self.account,
              "must be a 12-digit AWS account id, or None for the deploying credentials' account")
        for prop in ("project", "owner"):
            value = getattr(self, prop)
            check(bool(_TAG_VALUE.match(value)), prop, value, "must be a valid tag value (1-256 characters)")
        check(self.log_retention_days in LOG_RETENTION_DAYS, "log_retention_days", self.log_retention_days,
              f"must be one of {list(LOG_RETENTION_DAYS)}")

        net = self.network
        check(_is_cidr(net.cidr), "network.cidr", net.cidr, "must be an IPv4 CIDR block from /16 to /24")
        check(len(net.availability_zones) >= 2 and len(set(net.availability_zones)) == len(net.availability_zones),
              "network.availability_zones", net.availability_zones, "must list at least two distinct zones")
        wrong_region = [az for az in net.availability_zones if not (az.startswith(self.region) and
                                                                     len(az) == len(self.region) + 1)]
        check(not wrong_region, "network.availability_zones", wrong_region,
              f"must be zones of region {self.region} (such as '{self.region}a')")
        check(net.nat_gateways >= 0, "network.nat_gateways", net.nat_gateways, "must be 0 or more")
        unknown = [e for e in net.interface_endpoints if e not in INTERFACE_ENDPOINT_SERVICES]
        check(not unknown, "network.interface_endpoints", unknown, f"must be among {list(INTERFACE_ENDPOINT_SERVICES)}")
        check(net.flow_log_retention_days in LOG_RETENTION_DAYS, "network.flow_log_retention_days",
              net.flow_log_retention_days, f"must be one of {list(LOG_RETENTION_DAYS)}")

        st = self.storage
        for prop in ("noncurrent_version_expiration_days", "artifact_archive_after_days", "access_log_retention_days"):
            value = getattr(st, prop)
            check(isinstance(value, int) and value >= 1, f"storage.{prop}", value, "must be a whole number of days >= 1")

        tr = self.training
        for prop in ("processing_instance_type", "training_instance_type", "transform_instance_type"):
            value = getattr(tr, prop)
            check(bool(ML_INSTANCE_TYPE_PATTERN.match(value)), f"training.{prop}", value,
                  "must be a SageMaker instance type such as 'ml.m5.xlarge'")
        for prop in ("training_instance_count", "transform_instance_count", "volume_size_gb", "max_runtime_minutes",
                     "max_parallel_steps"):
            value = getattr(tr, prop)
            check(isinstance(value, int) and value >= 1, f"training.{prop}", value, "must be a whole number >= 1")
        if tr.use_spot_instances:
            check(tr.max_wait_minutes >= tr.max_runtime_minutes, "training.max_wait_minutes", tr.max_wait_minutes,
                  f"must be >= training.max_runtime_minutes ({tr.max_runtime_minutes}) with spot instances")
        check(0 < tr.accuracy_threshold <= 1, "training.accuracy_threshold", tr.accuracy_threshold,
              "must be in (0, 1]")
        group = f"{self.project}-{self.name}-{tr.model_name}"
        check(bool(SAGEMAKER_NAME_PATTERN.match(group)), "training.model_name", tr.model_name,
              f"must make '<project>-<env>-<model_name>' ({group!r}) a SageMaker name (letters, digits, '-', <= 63)")

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


def default_environments() -> dict[str, EnvironmentConfig]:
    """dev, staging and prod as this repository deploys them. Edit the values here."""
    return {
        "dev": EnvironmentConfig(
            name="dev",
            region="eu-west-1",
            log_retention_days=30,
            network=NetworkConfig(
                cidr="10.10.0.0/16",
                availability_zones=("eu-west-1a", "eu-west-1b"),
                flow_log_retention_days=30,
            ),
            storage=StorageConfig(
                noncurrent_version_expiration_days=30,
                artifact_archive_after_days=90,
                access_log_retention_days=90,
                destroy_on_delete=True,
            ),
            training=TrainingConfig(training_instance_type="ml.m5.large", max_runtime_minutes=30,
                                    max_wait_minutes=60, max_parallel_steps=2),
        ),
        "staging": EnvironmentConfig(
            name="staging",
            region="eu-west-1",
            log_retention_days=365,
            network=NetworkConfig(
                cidr="10.20.0.0/16",
                availability_zones=("eu-west-1a", "eu-west-1b"),
                flow_log_retention_days=365,
            ),
            training=TrainingConfig(),
        ),
        "prod": EnvironmentConfig(
            name="prod",
            region="eu-west-1",
            log_retention_days=3653,
            network=NetworkConfig(
                cidr="10.30.0.0/16",
                availability_zones=("eu-west-1a", "eu-west-1b", "eu-west-1c"),
                flow_log_retention_days=3653,
            ),
            storage=StorageConfig(noncurrent_version_expiration_days=365, access_log_retention_days=3653),
            training=TrainingConfig(training_instance_type="ml.m5.2xlarge", training_instance_count=2,
                                    transform_instance_count=2, volume_size_gb=50, use_spot_instances=False,
                                    max_runtime_minutes=120, accuracy_threshold=0.85),
        ),
    }


def get_environment(name: str, environments: dict[str, EnvironmentConfig] | None = None) -> EnvironmentConfig:
    """The configuration of environment ``name``; an unknown name fails with the known ones."""
    environments = default_environments() if environments is None else environments
    try:
        return environments[name]
    except KeyError:
        raise ConfigError(f"unknown environment {name!r}: must be one of {', '.join(environments)}") from None
