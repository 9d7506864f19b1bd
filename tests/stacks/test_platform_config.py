"""PlatformConfig and DeliveryConfig: typed values, checked when the record is created."""

import dataclasses

import pytest

from constructs_lib import Problems
from stacks.config import (
    ConfigError,
    DeliveryConfig,
    PlatformConfig,
    default_delivery,
    default_environments,
    get_environment,
)

CONNECTION = "arn:aws:codeconnections:eu-west-1:111111111111:connection/0a1b2c3d-0000-4000-8000-123456789abc"


def test_budget_and_tracking_server_size_differ_per_environment():
    envs = default_environments()
    budgets = [envs[name].platform.monthly_budget_usd for name in ("dev", "staging", "prod")]
    assert budgets == sorted(budgets) and len(set(budgets)) == 3
    assert envs["prod"].platform.mlflow_server_size == "Medium"
    assert envs["dev"].platform.mlflow_server_size == "Small"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"monthly_budget_usd": 0}, "platform.monthly_budget_usd=0: must be a positive amount of USD"),
        ({"monthly_budget_usd": -5.0}, "platform.monthly_budget_usd=-5.0"),
        ({"mlflow_server_size": "XL"}, "platform.mlflow_server_size='XL': must be one of Small, Medium, Large"),
        ({"mlflow_version": "3"}, "platform.mlflow_version='3'"),
        ({"mlflow_maintenance_window": "sunday 3am"}, "platform.mlflow_maintenance_window='sunday 3am'"),
        ({"alert_emails": ("ops",)}, "platform.alert_emails='ops'"),
        ({"feature_online_ttl_days": 0}, "platform.feature_online_ttl_days=0"),
    ],
)
def test_invalid_platform_values_fail_with_a_clear_message(changes, message):
    platform = dataclasses.replace(get_environment("dev").platform, **changes)
    with pytest.raises(ConfigError) as error:
        dataclasses.replace(get_environment("dev"), platform=platform)
    assert "environment 'dev' has invalid input" in str(error.value)
    assert message in str(error.value)


def test_platform_defaults_are_valid():
    problems = Problems("test", "environment")
    PlatformConfig().validate(problems)
    assert not problems


def _delivery(**changes) -> DeliveryConfig:
    options = dict(
        account="111111111111",
        region="eu-west-1",
        repository="my-org/ml-platform",
        connection_arn=CONNECTION,
        accounts={"staging": "222222222222", "prod": "333333333333"},
    )
    options.update(changes)
    return DeliveryConfig(**options)


def test_default_delivery_deploys_staging_then_prod_after_an_approval():
    delivery = default_delivery()
    assert delivery is not None
    assert delivery.environments == ("staging", "prod")
    assert delivery.approval_before == ("prod",)
    assert delivery.test_commands == ("make test",)


def test_targets_give_each_environment_its_own_account_in_order():
    targets = _delivery().targets(default_environments())
    assert [(t.name, t.account, t.region) for t in targets] == [
        ("staging", "222222222222", "eu-west-1"),
        ("prod", "333333333333", "eu-west-1"),
    ]


def test_an_environments_own_account_is_used_and_must_agree():
    envs = default_environments()
    envs["prod"] = dataclasses.replace(envs["prod"], account="444444444444")
    assert _delivery(accounts={"staging": "222222222222"}).targets(envs)[1].account == "444444444444"
    with pytest.raises(ConfigError, match=r"delivery.accounts\['prod'\]='333333333333': differs"):
        _delivery().targets(envs)


def test_env_agnostic_environment_without_an_account_fails_clearly():
    with pytest.raises(ConfigError, match=r"delivery.accounts\['prod'\]: missing; environment 'prod' is env-agnostic"):
        _delivery(accounts={"staging": "222222222222"}).targets(default_environments())


def test_unknown_delivered_environment_names_the_known_ones():
    with pytest.raises(ConfigError, match="unknown environment 'qa' \\(known: dev, staging, prod\\)"):
        _delivery(environments=("qa", "prod"), approval_before=()).targets(default_environments())


def test_codecommit_source_needs_a_repository_name_and_no_connection():
    config = _delivery(source="codecommit", repository="ml-platform", connection_arn=None)
    assert config.source == "codecommit"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"account": "1111"}, "delivery.account='1111'"),
        ({"region": "eu-west"}, "delivery.region='eu-west'"),
        ({"source": "github"}, "delivery.source='github': must be one of codestar, codecommit"),
        ({"repository": "ml-platform"}, "delivery.repository='ml-platform': must be 'owner/repository'"),
        ({"connection_arn": None}, "delivery.connection_arn=None: must be a CodeConnections connection ARN"),
        ({"connection_arn": "arn:aws:codestar-connections:eu-west-1:1:connection/x"}, "delivery.connection_arn="),
        (
            {"source": "codecommit", "repository": "ml platform", "connection_arn": None},
            "delivery.repository='ml platform'",
        ),
        ({"source": "codecommit", "repository": "ml-platform"}, "connection_arn='arn:aws:codeconnections"),
        ({"branch": "main branch"}, "delivery.branch='main branch'"),
        ({"environments": ()}, "delivery.environments=(): must list at least one environment"),
        ({"environments": ("prod", "prod")}, "delivery.environments=('prod', 'prod')"),
        ({"approval_before": ("qa",)}, "delivery.approval_before=['qa']: must be among environments"),
        ({"accounts": {"prod": "33"}}, "delivery.accounts={'prod': '33'}"),
        ({"test_commands": ()}, "delivery.test_commands=(): must run the tests"),
        ({"cli_version": "3.0.0"}, "delivery.cli_version='3.0.0'"),
    ],
)
def test_invalid_delivery_values_fail_with_a_clear_message(changes, message):
    with pytest.raises(ConfigError) as error:
        _delivery(**changes)
    assert "configuration 'delivery' has invalid input" in str(error.value)
    assert message in str(error.value)
