"""Stage composition: idle cost per environment, registry sharing, MLflow from Studio, the MLflow endpoint."""

from __future__ import annotations

from dataclasses import replace

import pytest
from aws_cdk.assertions import Match, Template

from constructs_lib.inference.cost_summary import INTERFACE_ENDPOINT_AZ, PRICE_TABLE, idle_cost_summary
from stacks.config import (
    ConfigError,
    DeliveryConfig,
    TrainingConfig,
    default_delivery,
    default_environments,
    registry_consumer_accounts,
)
from stacks.ml_platform_stage import MlPlatformStage
from stacks.network_stack import (
    FEATURE_INGESTION_INTERFACE_ENDPOINTS,
    MLFLOW_INTERFACE_ENDPOINTS,
    TEARDOWN_INTERFACE_ENDPOINTS,
)
from tests.conftest import new_app

P = PRICE_TABLE


def _lines(stage) -> list[tuple[str, str, int]]:
    return [(line.path.split("/", 2)[1], line.price_key, line.quantity) for line in idle_cost_summary(stage).lines]


def _endpoint_azs(stage) -> int:
    """Interface endpoints x Availability Zones of the stage's network, from its configuration."""
    network = stage.config.network
    ingestion = FEATURE_INGESTION_INTERFACE_ENDPOINTS if stage.config.platform.feature_ingestion_enabled else ()
    names = {*network.interface_endpoints, *MLFLOW_INTERFACE_ENDPOINTS, *TEARDOWN_INTERFACE_ENDPOINTS, *ingestion}
    return len(names) * len(network.availability_zones)


def test_dev_idles_with_its_notebook_a_small_mlflow_server_and_its_network(synthesized_app):
    stage = synthesized_app.stages["dev"]
    assert _endpoint_azs(stage) == 17 * 2  # 15, and the feature ingestion consumer's Feature Store runtime and SQS
    assert sorted(_lines(stage)) == [
        ("Network", INTERFACE_ENDPOINT_AZ, 34),
        ("Platform", "mlflow.Small", 1),
        ("Studio", "ml.t3.medium", 1),
    ]
    assert idle_cost_summary(stage).total_hourly_usd == round(
        P["ml.t3.medium"] + P["mlflow.Small"] + 34 * P[INTERFACE_ENDPOINT_AZ], 4
    )


def test_staging_idles_with_one_endpoint_instance_its_async_endpoint_at_zero_and_its_network(synthesized_app):
    stage = synthesized_app.stages["staging"]
    assert sorted(_lines(stage)) == [
        ("Network", INTERFACE_ENDPOINT_AZ, _endpoint_azs(stage)),
        ("Platform", "mlflow.Small", 1),
        ("Serving", "ml.m5.large", 1),
    ]
    assert idle_cost_summary(stage).total_hourly_usd == round(
        P["ml.m5.large"] + P["mlflow.Small"] + _endpoint_azs(stage) * P[INTERFACE_ENDPOINT_AZ], 4
    )


def test_prod_idles_with_two_xlarge_instances_a_medium_mlflow_server_and_endpoints_in_three_zones(synthesized_app):
    stage = synthesized_app.stages["prod"]
    assert _endpoint_azs(stage) == 16 * 3  # 14, and the feature ingestion consumer's Feature Store runtime and SQS
    assert sorted(_lines(stage)) == [
        ("Network", INTERFACE_ENDPOINT_AZ, 48),
        ("Platform", "mlflow.Medium", 1),
        ("Serving", "ml.m5.xlarge", 2),
    ]
    summary = idle_cost_summary(stage)
    assert summary.total_hourly_usd == round(
        2 * P["ml.m5.xlarge"] + P["mlflow.Medium"] + 48 * P[INTERFACE_ENDPOINT_AZ], 4
    )
    assert summary.unpriced == ()


def test_the_network_line_counts_the_endpoints_the_network_template_holds(synthesized_app):
    templates = dict(synthesized_app.templates())
    for env, stage in synthesized_app.stages.items():
        endpoints = [
            r
            for r in templates[f"{env}/Network"]["Resources"].values()
            if r["Type"] == "AWS::EC2::VPCEndpoint" and r["Properties"].get("VpcEndpointType") == "Interface"
        ]
        in_template = sum(len(r["Properties"]["SubnetIds"]) for r in endpoints)
        assert (env, "Network", INTERFACE_ENDPOINT_AZ, in_template) in {(env, *line) for line in _lines(stage)}
        assert not any(r["Type"] == "AWS::EC2::NatGateway" for r in templates[f"{env}/Network"]["Resources"].values())


def test_synth_prints_the_cost_summary_of_every_environment(synthesized_app):
    from app import cost_report

    report = cost_report(synthesized_app.stages)
    for env in ("dev", "staging", "prod"):
        assert f"idle cost of {env}" in report
    assert "prices: AWS SageMaker AI pricing page" in report
    assert "prices: AWS PrivateLink pricing" in report and "Network" in report


def test_registry_is_shared_with_the_accounts_that_deploy_its_approved_versions(synthesized_app):
    delivery = default_delivery()
    staging, prod = delivery.accounts["staging"], delivery.accounts["prod"]
    templates = dict(synthesized_app.templates())

    def principals(env: str) -> list:
        group = templates[f"{env}/Training"]["Resources"]["ModelRegistryB238A970"]["Properties"]
        policy = group.get("ModelPackageGroupPolicy")
        return [] if policy is None else [s["Principal"]["AWS"] for s in policy["Statement"]]

    assert all(str(p).count(staging) + str(p).count(prod) == 2 for p in principals("dev")) and principals("dev")
    assert all(staging not in str(p) and prod in str(p) for p in principals("staging")) and principals("staging")
    assert principals("prod") == []


def test_registry_shares_only_with_concrete_other_accounts():
    envs = default_environments()
    envs = {
        **envs,
        "dev": replace(envs["dev"], account="444444444444"),
        "staging": replace(envs["staging"], account="444444444444"),  # same account: no policy needed
        "prod": replace(envs["prod"], account="555555555555"),
    }
    assert registry_consumer_accounts(envs["dev"], envs, None) == ("555555555555",)
    no_accounts = default_environments()
    assert registry_consumer_accounts(no_accounts["dev"], no_accounts, None) == ()
    delivery = DeliveryConfig(
        account="111111111111",
        region="eu-west-1",
        source="codecommit",
        repository="repo",
        accounts={"prod": "555555555555"},
    )
    assert registry_consumer_accounts(no_accounts["dev"], no_accounts, delivery) == ("555555555555",)


def test_a_stage_with_concrete_accounts_puts_them_in_the_registry_policy():
    config = replace(default_environments()["dev"], account="444444444444")
    stage = MlPlatformStage(new_app(), "dev", config=config, registry_shared_with_accounts=("555555555555",))
    Template.from_stack(stage.training).has_resource_properties(
        "AWS::SageMaker::ModelPackageGroup",
        {
            "ModelPackageGroupPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "ShareModelPackageVersions",
                                "Principal": {"AWS": "arn:aws:iam::555555555555:root"},
                                "Action": Match.array_with(["sagemaker:CreateModel", "sagemaker:DescribeModelPackage"]),
                            }
                        )
                    ]
                )
            },
        },
    )


def test_registry_sharing_rejects_unknown_environments():
    envs = default_environments()
    dev = replace(envs["dev"], training=TrainingConfig(registry_shared_with=("qa",)))
    with pytest.raises(ConfigError, match=r"training.registry_shared_with=\['qa'\]"):
        registry_consumer_accounts(dev, envs, None)
    with pytest.raises(ConfigError, match="must name other environments"):
        replace(envs["dev"], training=TrainingConfig(registry_shared_with=("dev",)))


@pytest.mark.parametrize("env", ["dev", "staging"])
def test_studio_execution_role_may_use_the_tracking_server(synthesized_app, env):
    templates = dict(synthesized_app.templates())
    policies = [r for r in templates[f"{env}/Studio"]["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    statements = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
    mlflow = [s for s in statements if "sagemaker-mlflow:*" in s["Action"]]
    assert len(mlflow) == 1
    assert "sagemaker:CreatePresignedMlflowTrackingServerUrl" in mlflow[0]["Action"]
    assert f"mlflow-tracking-server/ml-platform-{env}" in str(mlflow[0]["Resource"])
    stage = synthesized_app.stages[env]
    assert stage.platform in stage.studio.dependencies


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_mlflow_is_reachable_through_its_interface_endpoint(synthesized_app, env):
    templates = dict(synthesized_app.templates())
    services = [
        r["Properties"]["ServiceName"]
        for r in templates[f"{env}/Network"]["Resources"].values()
        if r["Type"] == "AWS::EC2::VPCEndpoint"
    ]
    assert "aws.sagemaker.eu-west-1.experiments" in services


def test_the_readme_shows_prods_idle_cost_as_synth_prints_it(synthesized_app):
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    assert idle_cost_summary(synthesized_app.stages["prod"]).format() in readme
