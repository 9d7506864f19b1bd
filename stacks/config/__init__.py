"""The app's configuration.

* ``schema``: the typed, frozen record of an environment, validated with the library's checks;
* ``reference_workload``: the example model's names and locations, apart from the platform's values;
* ``environments/``: one file per environment (and the delivery pipeline's), stating what differs;
* ``accounts``: what follows from all environments together (shared accounts, registry consumers);
* ``delivery``: the schema of the delivery pipeline.
"""

from stacks.config.accounts import (
    DEPLOYING_ACCOUNT,
    account_sharing_problems,
    api_gateway_account_owners,
    check_account_sharing,
    registry_consumer_accounts,
)
from stacks.config.delivery import SOURCE_KINDS, DeliveryConfig
from stacks.config.environments import default_delivery, default_environments, get_environment
from stacks.config.reference_workload import XGBOOST_IMAGE_EU_WEST_1
from stacks.config.schema import (
    CapacityConfig,
    ConfigError,
    EnvironmentConfig,
    GovernanceConfig,
    ModelFleetConfig,
    MonitoringConfig,
    NetworkConfig,
    PlatformConfig,
    ServedModel,
    ServingConfig,
    StorageConfig,
    StudioConfig,
    TrainingConfig,
)

__all__ = [
    "account_sharing_problems",
    "api_gateway_account_owners",
    "check_account_sharing",
    "ConfigError",
    "default_delivery",
    "default_environments",
    "DeliveryConfig",
    "DEPLOYING_ACCOUNT",
    "EnvironmentConfig",
    "get_environment",
    "GovernanceConfig",
    "ModelFleetConfig",
    "MonitoringConfig",
    "NetworkConfig",
    "PlatformConfig",
    "registry_consumer_accounts",
    "ServedModel",
    "ServingConfig",
    "CapacityConfig",
    "SOURCE_KINDS",
    "StorageConfig",
    "StudioConfig",
    "TrainingConfig",
    "XGBOOST_IMAGE_EU_WEST_1",
]
