"""Environments are typed data; a bad value fails before anything is synthesized."""

import dataclasses
import re

import pytest

from stacks.config import (
    CapacityConfig,
    ConfigError,
    EnvironmentConfig,
    GovernanceConfig,
    NetworkConfig,
    PlatformConfig,
    ServingConfig,
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
        (
            {"network": NetworkConfig(cidr="10.0.0.0/8", availability_zones=("eu-west-1a", "eu-west-1b"))},
            "network.cidr='10.0.0.0/8'",
        ),
        (
            {"network": NetworkConfig(cidr="300.1.0.0/16", availability_zones=("eu-west-1a", "eu-west-1b"))},
            "network.cidr='300.1.0.0/16'",
        ),
        ({"network": NetworkConfig(availability_zones=("eu-west-1a",))}, "network.availability_zones=('eu-west-1a',)"),
        (
            {"network": NetworkConfig(availability_zones=("us-east-1a", "us-east-1b"))},
            "must be zones of region eu-west-1",
        ),
        (
            {"network": NetworkConfig(availability_zones=("eu-west-1a", "eu-west-1b"), interface_endpoints=("ssh",))},
            "network.interface_endpoints=['ssh']",
        ),
        ({"serving": ServingConfig(endpoint="batch")}, "serving.endpoint='batch'"),
        ({"serving": ServingConfig(instance_type="m5.large")}, "serving.instance_type='m5.large'"),
        ({"serving": ServingConfig(instance_count=3, max_instance_count=2)}, "serving.max_instance_count=2"),
        ({"serving": ServingConfig(instance_count=1, traffic_shifting="CANARY")}, "needs instance_count >= 2"),
        ({"serving": ServingConfig(traffic_shifting="BLUE")}, "serving.traffic_shifting='BLUE'"),
        ({"serving": ServingConfig(serverless_memory_mb=1000)}, "serving.serverless_memory_mb=1000"),
        ({"serving": ServingConfig(data_capture_percentage=101)}, "serving.data_capture_percentage=101"),
        (
            {"serving": ServingConfig(endpoint="serverless", data_capture_percentage=10)},
            "serverless endpoints support neither data capture nor deployment guardrails",
        ),
        (
            {"serving": ServingConfig(inference_api_waf=True)},
            "serving.inference_api_waf=True: needs inference_api=True",
        ),
        (
            {"serving": ServingConfig(endpoint="components", data_capture_percentage=10)},
            "inference components here support neither data capture",
        ),
        ({"serving": ServingConfig(endpoint="components", instance_type="ml.inf2.xlarge")}, "serving.instance_type"),
        ({"serving": ServingConfig(endpoint="components", component_memory_mb=64)}, "serving.component_memory_mb=64"),
        ({"capacity": CapacityConfig(time_zone="Mars/Olympus")}, "capacity.time_zone='Mars/Olympus'"),
        ({"capacity": CapacityConfig(working_hours=(19, 8))}, "capacity.end_hour=8: must be after start_hour"),
        ({"capacity": CapacityConfig(working_days=("FRIDAY",))}, "capacity.days=['FRIDAY']"),
        ({"capacity": CapacityConfig(scale_in_when_idle=True)}, "capacity.scale_in_when_idle=True: needs idle_alarm"),
        ({"capacity": CapacityConfig(idle_alarm_minutes=7)}, "capacity.idle_alarm_minutes=7"),
        (
            {"serving": ServingConfig(async_traffic_shifting="CANARY")},
            "serving.async_traffic_shifting='CANARY': needs async_endpoint=True",
        ),
        (
            {"serving": ServingConfig(async_endpoint=True, async_traffic_shifting="BLUE")},
            "serving.async_traffic_shifting='BLUE': must be one of",
        ),
        (
            {"platform": PlatformConfig(feature_ingestion_shards=0)},
            "platform.feature_ingestion_shards=0: must be an integer from 1 to 100000",
        ),
    ],
)
def test_invalid_values_fail_with_a_clear_message(changes, message):
    with pytest.raises(ConfigError) as error:
        _dev(**changes)
    assert "has invalid input:" in str(error.value)
    assert message in str(error.value)


def test_serving_differs_by_environment():
    envs = default_environments()
    assert envs["dev"].serving.endpoint == "components"
    assert (envs["staging"].serving.endpoint, envs["staging"].serving.instance_count) == ("realtime", 1)
    prod = envs["prod"].serving
    assert prod.instance_count >= 2 and prod.max_instance_count > prod.instance_count
    assert prod.traffic_shifting == "CANARY" and prod.model_package_arn is None


def test_valid_account_is_accepted():
    assert _dev(account="123456789012").account == "123456789012"


def test_config_is_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_environment("dev").region = "us-east-1"  # type: ignore[misc]


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as error:
        EnvironmentConfig(name="x", region="nowhere", account="1")
    assert "region=" in str(error.value) and "account=" in str(error.value)


def test_audit_trail_is_on_everywhere_and_the_workteam_in_dev_only():
    envs = default_environments()
    assert all(e.governance.audit_trail_enabled for e in envs.values())
    assert [name for name, e in envs.items() if e.governance.labeling_workforce_enabled] == ["dev"]
    assert {e.governance.reference_model_package_group_name for e in envs.values()} == {"fraud-detection"}


@pytest.mark.parametrize(
    "governance, message",
    [
        (GovernanceConfig(reference_team_name="Fraud Team"), "governance.reference_team_name='Fraud Team'"),
        (GovernanceConfig(reference_team_user_profiles=("a", "a")), "governance.reference_team_user_profiles"),
        (GovernanceConfig(reference_team_user_profiles=("bad name",)), "governance.reference_team_user_profiles"),
        (GovernanceConfig(labeling_workforce_enabled=True), "governance.labeling_domain_prefix=None: is required"),
        (
            GovernanceConfig(reference_model_package_group_name="bad_group"),
            "governance.reference_model_package_group_name='bad_group'",
        ),
    ],
)
def test_invalid_governance_values_fail_with_a_clear_message(governance, message):
    with pytest.raises(ConfigError) as error:
        _dev(governance=governance)
    assert message in str(error.value)


@pytest.mark.parametrize(
    "training, message",
    [
        (TrainingConfig(training_instance_type="m5.large"), "training.training_instance_type='m5.large'"),
        (
            TrainingConfig(training_instance_count=0),
            "training.training_instance_count=0: must be an integer of at least 1",
        ),
        (
            TrainingConfig(max_runtime_minutes=120, max_wait_minutes=60),
            "training.max_wait_minutes=60: must be >= training.max_runtime_minutes (120) with spot instances",
        ),
        (TrainingConfig(accuracy_threshold=1.5), "training.accuracy_threshold=1.5: must be in (0, 1]"),
        (
            TrainingConfig(model_name="churn_model"),
            "training.model_name (in the registry group name)='ml-platform-dev-churn_model'",
        ),
    ],
)
def test_invalid_training_values_fail(training, message):
    with pytest.raises(ConfigError) as error:
        _dev(training=training)
    assert message in str(error.value)


def test_max_wait_only_matters_with_spot():
    assert (
        _dev(
            training=TrainingConfig(use_spot_instances=False, max_runtime_minutes=120, max_wait_minutes=60)
        ).training.use_spot_instances
        is False
    )


# --- environments that share an account ---------------------------------------------------------


def _env(name: str, **changes) -> EnvironmentConfig:
    """A default environment, or dev renamed, with ``changes``."""
    base = default_environments().get(name) or dataclasses.replace(get_environment("dev"), name=name)
    return dataclasses.replace(base, **changes)


def test_the_default_environments_share_the_deploying_account_on_purpose():
    from stacks.config import account_sharing_problems

    envs = default_environments()
    assert all(e.account is None and e.shared_account for e in envs.values())
    assert account_sharing_problems(envs.values()) == []


@pytest.mark.parametrize("accounts", [(None, None), ("111122223333", "111122223333")], ids=["both-unset", "same"])
def test_two_environments_in_one_account_fail_unless_both_say_so(accounts):
    from stacks.config import check_account_sharing

    dev = _env("dev", account=accounts[0], shared_account=False)
    prod = _env("prod", account=accounts[1], shared_account=True)
    with pytest.raises(ConfigError) as error:
        check_account_sharing([dev, prod])
    assert "dev.shared_account=False: environments ['dev', 'prod'] resolve to one account" in str(error.value)
    assert "prod.shared_account" not in str(error.value)
    check_account_sharing([dataclasses.replace(dev, shared_account=True), prod])  # on purpose: fine


def test_environments_in_their_own_accounts_need_no_flag():
    from stacks.config import check_account_sharing

    check_account_sharing(
        [
            _env("dev", account="111122223333", shared_account=False),
            _env("prod", account="444455556666", shared_account=False),
            _env("qa", shared_account=False),
        ]
    )  # alone in the deploying account


def test_a_name_prefix_that_covers_another_environments_fails_in_a_shared_account():
    from stacks.config import check_account_sharing

    dev, dev_eu = _env("dev", shared_account=True), _env("dev-eu", shared_account=True)
    with pytest.raises(ConfigError) as error:
        check_account_sharing([dev, dev_eu])
    assert (
        "dev.name='dev': its name prefix 'ml-platform-dev-' also matches environment 'dev-eu''s 'ml-platform-dev-eu-'"
    ) in str(error.value)
    check_account_sharing([dev, dataclasses.replace(dev_eu, account="111122223333")])


def test_delivery_targets_are_checked_with_their_resolved_accounts():
    from stacks.config import DeliveryConfig

    delivery = DeliveryConfig(
        account="111111111111",
        region="eu-west-1",
        source="codecommit",
        repository="ml-platform",
        environments=("staging", "prod"),
        approval_before=(),
        accounts={"staging": "222222222222", "prod": "222222222222"},
    )
    envs = {name: _env(name, shared_account=False) for name in ("staging", "prod")}
    with pytest.raises(ConfigError, match=r"staging.shared_account=False: .* \(222222222222\)"):
        delivery.targets(envs)


def test_the_app_refuses_environments_that_share_an_account_by_accident(monkeypatch):
    import app
    from tests.conftest import new_app

    envs = {name: dataclasses.replace(e, shared_account=False) for name, e in default_environments().items()}
    monkeypatch.setattr(app, "default_environments", lambda: envs)
    with pytest.raises(ConfigError, match="environments share an account"):
        app.build_app(new_app(), ["dev"])


def test_readme_environment_file_example_is_a_valid_environment():
    import re

    from tests.conftest import ROOT

    text = (ROOT / "README.md").read_text().split("### Environment configuration reference", 1)[1]
    namespace: dict = {}
    exec(compile(re.search(r"```python\n(.*?)```", text, re.S).group(1), "README.md", "exec"), namespace)
    qa = namespace["QA"]
    assert (qa.name, qa.log_retention_days, qa.platform.alert_emails) == ("qa", 90, ("ml-team@example.com",))
    with pytest.raises(ConfigError, match=r"platform.alert_emails='ops': must be an e-mail address"):
        dataclasses.replace(qa, platform=dataclasses.replace(qa.platform, alert_emails=("ops",)))


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"log_retention_days": 10}, "log_retention_days=10: must be a CloudWatch Logs retention period in days"),
        (
            {"network": NetworkConfig(availability_zones=("eu-west-1a", "eu-west-1b"), flow_log_retention_days=2)},
            "network.flow_log_retention_days=2: must be a CloudWatch Logs retention period in days",
        ),
    ],
)
def test_log_retention_uses_the_librarys_one_check(changes, message):
    from constructs_lib import Problems

    with pytest.raises(ConfigError, match=re.escape(message)):
        _dev(**changes)
    construct_side = Problems("Test/Bucket", "SecureBucket")
    construct_side.check_log_retention_days("log_retention_days", 10)
    assert "must be a CloudWatch Logs retention period in days" in str(construct_side._problems)


def test_each_environment_file_states_only_what_differs_from_the_defaults():
    import ast

    from stacks.config import schema
    from tests.conftest import ROOT

    defaults = {
        name: {f.name: f.default for f in dataclasses.fields(kind) if f.default is not dataclasses.MISSING}
        for name, kind in vars(schema).items()
        if isinstance(kind, type) and dataclasses.is_dataclass(kind)
    }
    restated = []
    for path in sorted((ROOT / "stacks/config/environments").glob("*.py")):
        for call in ast.walk(ast.parse(path.read_text())):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in defaults:
                for keyword in call.keywords:
                    if isinstance(keyword.value, ast.Constant | ast.Tuple) and keyword.arg in defaults[call.func.id]:
                        try:
                            value = ast.literal_eval(keyword.value)
                        except ValueError:
                            continue
                        if defaults[call.func.id][keyword.arg] == value:
                            restated.append(f"{path.name}: {call.func.id}.{keyword.arg}={value!r}")
    assert restated == []


# --- remote debugging ------------------------------------------------------------------------------


def test_remote_debugging_is_refused_in_prod():
    prod = get_environment("prod")
    with pytest.raises(ConfigError) as error:
        dataclasses.replace(prod, training=dataclasses.replace(prod.training, remote_debug=True))
    assert "training.remote_debug=True: is refused where studio.require_network_isolation is set" in str(error.value)


def test_remote_debugging_needs_a_way_to_reach_ssm():
    with pytest.raises(ConfigError) as error:
        _dev(training=TrainingConfig(remote_debug=True))
    assert "must include 'ssmmessages' with training.remote_debug" in str(error.value)
    dev = get_environment("dev")
    network = dataclasses.replace(dev.network, interface_endpoints=(*dev.network.interface_endpoints, "ssmmessages"))
    assert _dev(training=TrainingConfig(remote_debug=True), network=network).training.remote_debug is True
