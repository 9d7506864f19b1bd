"""Environments are typed data; a bad value fails before anything is synthesized."""

import dataclasses

import pytest

from stacks.config import (
    ConfigError,
    EnvironmentConfig,
    NetworkConfig,
    TrainingConfig,
    default_environments,
    get_environment,
)


def test_dev_staging_and_prod_are_defined():
    assert list(default_environments()) == ["dev", "staging", "prod"]


def test_environments_differ_by_values_only():
    envs = default_environments()
    assert envs["dev"].storage.destroy_on_delete is True
    assert envs["prod"].storage.destroy_on_delete is False
    assert envs["prod"].log_retention_days > envs["dev"].log_retention_days
    assert len({e.network.cidr for e in envs.values()}) == 3


def test_synth_needs_no_account_by_default():
    assert all(e.account is None for e in default_environments().values())


def test_unknown_environment_names_the_known_ones():
    with pytest.raises(ConfigError, match="unknown environment 'qa': must be one of dev, staging, prod"):
        get_environment("qa")


def test_tags_for_cost_allocation():
    assert get_environment("dev").tags == {"environment": "dev", "project": "ml-platform", "owner": "ml-platform-team"}


def _dev(**changes):
    return dataclasses.replace(get_environment("dev"), **changes)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"region": "europe-1"}, "region='europe-1'"),
        ({"account": "12345"}, "account='12345': must be a 12-digit AWS account id"),
        ({"name": "Dev_1"}, "name='Dev_1'"),
        ({"log_retention_days": 10}, "log_retention_days=10"),
        ({"network": NetworkConfig(cidr="10.0.0.0/8", availability_zones=("eu-west-1a", "eu-west-1b"))},
         "network.cidr='10.0.0.0/8'"),
        ({"network": NetworkConfig(cidr="300.1.0.0/16", availability_zones=("eu-west-1a", "eu-west-1b"))},
         "network.cidr='300.1.0.0/16'"),
        ({"network": NetworkConfig(availability_zones=("eu-west-1a",))}, "network.availability_zones=('eu-west-1a',)"),
        ({"network": NetworkConfig(availability_zones=("us-east-1a", "us-east-1b"))},
         "must be zones of region eu-west-1"),
        ({"network": NetworkConfig(availability_zones=("eu-west-1a", "eu-west-1b"), interface_endpoints=("ssh",))},
         "network.interface_endpoints=['ssh']"),
    ],
)
def test_invalid_values_fail_with_a_clear_message(changes, message):
    with pytest.raises(ConfigError) as error:
        _dev(**changes)
    assert "is invalid:" in str(error.value)
    assert message in str(error.value)


def test_valid_account_is_accepted():
    assert _dev(account="123456789012").account == "123456789012"


def test_config_is_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_environment("dev").region = "us-east-1"  # type: ignore[misc]


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as error:
        EnvironmentConfig(name="x", region="nowhere", account="1")
    assert "region=" in str(error.value) and "account=" in str(error.value)


@pytest.mark.parametrize(
    "training, message",
    [
        (TrainingConfig(training_instance_type="m5.large"), "training.training_instance_type='m5.large'"),
        (TrainingConfig(training_instance_count=0), "training.training_instance_count=0: must be a whole number >= 1"),
        (TrainingConfig(max_runtime_minutes=120, max_wait_minutes=60),
         "training.max_wait_minutes=60: must be >= training.max_runtime_minutes (120) with spot instances"),
        (TrainingConfig(accuracy_threshold=1.5), "training.accuracy_threshold=1.5: must be in (0, 1]"),
        (TrainingConfig(model_name="churn_model"), "training.model_name='churn_model'"),
    ],
)
def test_invalid_training_values_fail(training, message):
    with pytest.raises(ConfigError) as error:
        _dev(training=training)
    assert message in str(error.value)


def test_max_wait_only_matters_with_spot():
    assert _dev(training=TrainingConfig(use_spot_instances=False, max_runtime_minutes=120,
                                        max_wait_minutes=60)).training.use_spot_instances is False
