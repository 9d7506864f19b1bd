"""MonitoringConfig: the monitoring loop of each environment is typed data, validated when created."""

import dataclasses

import pytest

from stacks.config import ConfigError, MonitoringConfig, NetworkConfig, default_environments, get_environment


def test_dev_has_no_monitors_but_retrains_and_deploys_to_itself():
    dev = get_environment("dev").monitoring
    assert dev.monitors is False and dev.drift_retraining is False
    assert dev.retraining_schedule and dev.new_data_prefix == "raw/churn/"
    assert dev.deploy_to == ("dev",)


def test_staging_registry_rolls_out_to_staging_then_prod_with_approval_before_prod():
    envs = default_environments()
    assert envs["staging"].monitoring.deploy_to == ("staging", "prod")
    assert envs["prod"].monitoring.deploy_to == ()
    assert envs["prod"].monitoring.deployment_requires_approval is True
    assert envs["staging"].monitoring.deployment_requires_approval is False


def test_hosts_of_deploy_on_approval_have_the_endpoints_it_calls():
    for env in default_environments().values():
        if env.monitoring.deploy_to:
            assert {"cloudformation", "states"} <= set(env.network.interface_endpoints), env.name


def test_prod_monitors_model_quality_against_ground_truth():
    prod = get_environment("prod").monitoring
    assert prod.ground_truth_prefix == "ground-truth/churn/" and prod.model_quality_thresholds == (("auc", 0.75),)


def _staging(**changes):
    env = get_environment("staging")
    return dataclasses.replace(env, monitoring=dataclasses.replace(env.monitoring, **changes))


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            {"baseline_prefix": "monitoring/baselines"},
            "monitoring.baseline_prefix='monitoring/baselines': must be an S3",
        ),
        ({"new_data_prefix": "incoming/"}, "monitoring.new_data_prefix='incoming/': must be under 'raw/'"),
        ({"monitor_every_hours": 0}, "monitoring.monitor_every_hours=0: must be an integer from 1 to 24"),
        ({"feature_drift_thresholds": (("_c1", 1.5),)}, "monitoring.feature_drift_thresholds=['_c1']"),
        ({"problem_type": "Ranking"}, "monitoring.problem_type='Ranking'"),
        (
            {"model_quality_thresholds": (("auc", 0.7),)},
            "monitoring.model_quality_thresholds=(('auc', 0.7),): needs ground_truth_prefix",
        ),
        (
            {"bias_analysis_config_key": "clarify/bias.json"},
            "bias_analysis_config_key='clarify/bias.json': needs ground_truth_prefix",
        ),
        ({"retraining_schedule": "every sunday"}, "monitoring.retraining_schedule='every sunday'"),
        ({"feature_drift_thresholds": ()}, "monitoring.drift_retraining=True: needs feature_drift_thresholds"),
        ({"deploy_to": ("prod", "prod")}, "monitoring.deploy_to=('prod', 'prod'): must name at most 5"),
        ({"deployment_bake_minutes": -1}, "monitoring.deployment_bake_minutes=-1"),
        ({"approver_emails": ("nobody",)}, "monitoring.approver_emails='nobody'"),
        ({"new_data_quiet_minutes": 0}, "monitoring.new_data_quiet_minutes=0: must be an integer from 1 to 10080"),
        ({"drift_retraining_min_interval_hours": 721}, "monitoring.drift_retraining_min_interval_hours=721"),
    ],
)
def test_invalid_monitoring_values_fail_with_a_clear_message(changes, message):
    with pytest.raises(ConfigError) as error:
        _staging(**changes)
    assert message in str(error.value)


def test_monitors_need_a_realtime_endpoint_with_data_capture():
    with pytest.raises(ConfigError, match=r"monitoring.monitors=True: needs a real-time endpoint with data capture"):
        dataclasses.replace(get_environment("dev"), monitoring=MonitoringConfig())


def test_deploy_on_approval_needs_cloudformation_and_step_functions_endpoints():
    env = get_environment("staging")
    with pytest.raises(ConfigError, match=r"needs the \['cloudformation', 'states'\] interface endpoints"):
        dataclasses.replace(
            env, network=NetworkConfig(cidr=env.network.cidr, availability_zones=env.network.availability_zones)
        )


def test_every_environment_with_new_data_retraining_has_the_scheduler_endpoint():
    for env in default_environments().values():
        if env.monitoring.new_data_prefix is not None:
            assert "scheduler" in env.network.interface_endpoints, env.name


def test_new_data_retraining_needs_the_scheduler_endpoint_or_a_nat():
    env = get_environment("staging")
    without = tuple(e for e in env.network.interface_endpoints if e != "scheduler")
    with pytest.raises(ConfigError, match=r"new_data_prefix='raw/churn/': the new-data function needs the 'scheduler'"):
        dataclasses.replace(env, network=dataclasses.replace(env.network, interface_endpoints=without))
    dataclasses.replace(env, network=dataclasses.replace(env.network, interface_endpoints=without, nat_gateways=1))
