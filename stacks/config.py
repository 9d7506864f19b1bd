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

        def check(ok: bool, prop: str, value: object, allowed: str) -> None:
            if not ok:
                found.append(f"studio.{prop}={value!r}: {allowed}")

        names = [*self.user_profiles, *(space for space, _ in self.shared_spaces)]
        bad = [n for n in names if not SAGEMAKER_NAME_PATTERN.match(n)]
        check(not bad, "user_profiles/shared_spaces", bad, "names must be 1-63 letters, digits or '-' (SageMaker)")
        check(len(set(self.user_profiles)) == len(self.user_profiles), "user_profiles", self.user_profiles,
              "must not repeat a name")
        spaces = [space for space, _ in self.shared_spaces]
        check(len(set(spaces)) == len(spaces), "shared_spaces", spaces, "must not repeat a name")
        orphans = [owner for _, owner in self.shared_spaces if owner not in self.user_profiles]
        check(not orphans, "shared_spaces", orphans, "owners must be among user_profiles")
        check(60 <= self.idle_timeout_minutes <= self.max_idle_timeout_minutes <= 525600,
              "idle_timeout_minutes/max_idle_timeout_minutes", (self.idle_timeout_minutes, self.max_idle_timeout_minutes),
              "need 60 <= idle_timeout_minutes <= max_idle_timeout_minutes <= 525600")
        check(self.notebook_instance_type is None or bool(ML_INSTANCE_TYPE_PATTERN.match(self.notebook_instance_type)),
              "notebook_instance_type", self.notebook_instance_type, "must be an 'ml.*' instance type or None")
        check(10 <= self.notebook_idle_timeout_minutes <= 10080, "notebook_idle_timeout_minutes",
              self.notebook_idle_timeout_minutes, "must be 10 to 10080 minutes")
        return found


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
    studio: StudioConfig = field(default_factory=StudioConfig)

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

        problems += self.studio.problems()

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
            studio=StudioConfig(
                user_profiles=("alice", "bob"),
                shared_spaces=(("team-lab", "alice"),),
                notebook_instance_type="ml.t3.medium",
                delete_home_efs_on_delete=True,
            ),
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
            studio=StudioConfig(user_profiles=("alice",), max_idle_timeout_minutes=120),
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
            # No profiles: nobody works interactively in prod; jobs there are fully isolated.
            studio=StudioConfig(max_idle_timeout_minutes=60, require_network_isolation=True),
        ),
    }


def get_environment(name: str, environments: dict[str, EnvironmentConfig] | None = None) -> EnvironmentConfig:
    """The configuration of environment ``name``; an unknown name fails with the known ones."""
    environments = default_environments() if environments is None else environments
    try:
        return environments[name]
    except KeyError:
        raise ConfigError(f"unknown environment {name!r}: must be one of {', '.join(environments)}") from None
