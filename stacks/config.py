"""Environment configuration: one typed, frozen record per environment.

Differences between environments are values here, never ``if env == "prod"`` branches in code.
Every value is validated when the record is created, so a bad edit fails before any synthesis.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from constructs_lib._internal.log_retention import LOG_RETENTION_DAYS
from constructs_lib.private_network import DEFAULT_INTERFACE_ENDPOINTS, INTERFACE_ENDPOINT_SERVICES

_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
_ACCOUNT = re.compile(r"^\d{12}$")
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
_ML_INSTANCE = re.compile(r"^ml\.[a-z0-9-]+\.[a-z0-9]+$")
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
    #: Deploy this registered model package version instead of image and artifact (deploy on approval).
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
    serving: ServingConfig = field(default_factory=ServingConfig)

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

        sv = self.serving
        check(sv.endpoint in _SERVING_ENDPOINTS, "serving.endpoint", sv.endpoint, f"must be one of {_SERVING_ENDPOINTS}")
        check(bool(_ML_INSTANCE.match(sv.instance_type)), "serving.instance_type", sv.instance_type,
              "must be a SageMaker instance type such as 'ml.m5.large'")
        check(sv.instance_count >= 1, "serving.instance_count", sv.instance_count, "must be 1 or more")
        check(sv.max_instance_count == 0 or sv.max_instance_count >= sv.instance_count, "serving.max_instance_count",
              sv.max_instance_count, "must be 0 (no autoscaling) or at least instance_count")
        check(sv.traffic_shifting in _TRAFFIC_SHIFTING, "serving.traffic_shifting", sv.traffic_shifting,
              f"must be one of {_TRAFFIC_SHIFTING}")
        check(sv.traffic_shifting != "CANARY" or sv.instance_count >= 2, "serving.traffic_shifting",
              sv.traffic_shifting, "CANARY shifts one instance first: needs instance_count >= 2")
        check(sv.serverless_memory_mb in (1024, 2048, 3072, 4096, 5120, 6144), "serving.serverless_memory_mb",
              sv.serverless_memory_mb, "must be 1024 to 6144 in steps of 1024")
        check(1 <= sv.serverless_max_concurrency <= 200, "serving.serverless_max_concurrency",
              sv.serverless_max_concurrency, "must be 1 to 200")
        check(sv.data_capture_percentage is None or 0 <= sv.data_capture_percentage <= 100,
              "serving.data_capture_percentage", sv.data_capture_percentage, "must be None or 0 to 100")
        if sv.endpoint == "serverless":
            check(sv.data_capture_percentage is None and sv.traffic_shifting is None, "serving.endpoint", sv.endpoint,
                  "serverless endpoints support neither data capture nor deployment guardrails here")
        check(not sv.inference_api_waf or sv.inference_api, "serving.inference_api_waf", sv.inference_api_waf,
              "needs inference_api=True")

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
            serving=ServingConfig(endpoint="serverless", serverless_memory_mb=2048, serverless_max_concurrency=5),
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
            serving=ServingConfig(
                instance_count=1, traffic_shifting="ALL_AT_ONCE", data_capture_percentage=100,
                async_endpoint=True, inference_api=True,
            ),
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
            serving=ServingConfig(
                instance_type="ml.m5.xlarge", instance_count=2, max_instance_count=4, traffic_shifting="CANARY",
                data_capture_percentage=20, async_endpoint=True, inference_api=True, inference_api_waf=True,
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
