"""The environments this repository deploys, one file each, stating only what differs from the
schema's defaults (``stacks/config/schema.py``); and the delivery pipeline that deploys them."""

from __future__ import annotations

from collections.abc import Mapping

from stacks.config.delivery import DeliveryConfig
from stacks.config.environments.delivery import DELIVERY
from stacks.config.environments.dev import DEV
from stacks.config.environments.prod import PROD
from stacks.config.environments.staging import STAGING
from stacks.config.schema import ConfigError, EnvironmentConfig


def default_environments() -> dict[str, EnvironmentConfig]:
    """dev, staging and prod as this repository deploys them (a new dict: callers may change it)."""
    return {env.name: env for env in (DEV, STAGING, PROD)}


def default_delivery() -> DeliveryConfig | None:
    """How this repository delivers staging and prod (``environments/delivery.py``); None: no pipeline."""
    return DELIVERY


def get_environment(name: str, environments: Mapping[str, EnvironmentConfig] | None = None) -> EnvironmentConfig:
    """The configuration of environment ``name``; an unknown name fails with the known ones."""
    environments = default_environments() if environments is None else environments
    try:
        return environments[name]
    except KeyError:
        raise ConfigError(f"unknown environment {name!r}: must be one of {', '.join(environments)}") from None
