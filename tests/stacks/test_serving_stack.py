"""Serving per environment: dev an inference component that scales to zero (idle and at night), staging
one instance, prod autoscaled with canary rollbacks."""

import json
import re
from pathlib import Path

import pytest

from constructs_lib import AsyncEndpoint, InferenceComponentEndpoint, RealtimeEndpoint, idle_cost_summary
from constructs_lib.inference.endpoint import EndpointBase
from stacks.config import XGBOOST_IMAGE_EU_WEST_1


def _model_template(synthesized_app, env: str) -> dict:
    """The serving stack's nested stack of models (``ServingStack.model_stack``)."""
    nested = synthesized_app.stages[env].serving.model_stack
    return json.loads((synthesized_app.outdir / f"assembly-{env}" / nested.template_file).read_text())


def _resources(synthesized_app, env: str, kind: str) -> dict:
    template = (
        _model_template(synthesized_app, env)
        if kind in ("AWS::SageMaker::Model", "AWS::IAM::ManagedPolicy")
        else dict(synthesized_app.templates())[f"{env}/Serving"]
    )
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def _one(synthesized_app, env, kind, prefix="Endpoint"):
    found = [v["Properties"] for k, v in _resources(synthesized_app, env, kind).items() if k.startswith(prefix)]
    assert len(found) == 1, (env, kind, prefix)
    return found[0]


def test_dev_serves_its_model_as_a_component_that_scales_to_zero(synthesized_app):
    serving = synthesized_app.stages["dev"].serving
    assert isinstance(serving.endpoint, InferenceComponentEndpoint)
    config = _one(synthesized_app, "dev", "AWS::SageMaker::EndpointConfig", "ComponentEndpoint")
    [variant] = config["ProductionVariants"]
    assert "ModelName" not in variant and variant["ManagedInstanceScaling"]["MinInstanceCount"] == 0
    component = _one(synthesized_app, "dev", "AWS::SageMaker::InferenceComponent", "ComponentEndpoint")
    assert component["Specification"]["ComputeResourceRequirements"] == {
        "MinMemoryRequiredInMb": 2048,
        "NumberOfCpuCoresRequired": 1,
    }
    target = _one(synthesized_app, "dev", "AWS::ApplicationAutoScaling::ScalableTarget", "ComponentEndpoint")
    assert (target["MinCapacity"], target["MaxCapacity"]) == (0, 2)
    assert target["ResourceId"] == f"inference-component/{serving.component.physical_name}"
    model = next(iter(_resources(synthesized_app, "dev", "AWS::SageMaker::Model").values()))["Properties"]
    assert model["EnableNetworkIsolation"] is True and "VpcConfig" in model  # the platform VPC, isolated
    assert serving.async_endpoint is None


def test_dev_scales_in_when_idle_and_at_night_in_its_time_zone(synthesized_app):
    target = _one(synthesized_app, "dev", "AWS::ApplicationAutoScaling::ScalableTarget", "ComponentEndpoint")
    actions = {a["Schedule"]: a for a in target["ScheduledActions"]}
    assert actions["cron(0 19 * * ? *)"]["ScalableTargetAction"] == {"MinCapacity": 0, "MaxCapacity": 0}
    assert actions["cron(0 8 ? * MON,TUE,WED,THU,FRI *)"]["ScalableTargetAction"] == {
        "MinCapacity": 0,
        "MaxCapacity": 2,
    }
    assert {a["Timezone"] for a in actions.values()} == {"Europe/Dublin"}
    idle = _one(synthesized_app, "dev", "AWS::CloudWatch::Alarm", "ModelIdle")
    assert idle["EvaluationPeriods"] == 12 and idle["AlarmActions"]  # an hour of 5-minute periods, then scale in
    policies = _resources(synthesized_app, "dev", "AWS::ApplicationAutoScaling::ScalingPolicy")
    kinds = {
        k: v["Properties"].get("StepScalingPolicyConfiguration", {}).get("AdjustmentType") for k, v in policies.items()
    }
    assert "ExactCapacity" in kinds.values() and "ChangeInCapacity" in kinds.values()  # to zero, and back from it


def test_dev_serving_costs_no_instance_when_idle(synthesized_app):
    serving = synthesized_app.stages["dev"].serving
    assert [line for line in idle_cost_summary(serving).lines if line.price_key.startswith("ml.")] == []


def test_other_environments_keep_their_serving_and_have_no_idle_alarms(synthesized_app):
    for env in ("staging", "prod"):
        assert isinstance(synthesized_app.stages[env].serving.endpoint, RealtimeEndpoint)
        assert not [k for k in _resources(synthesized_app, env, "AWS::CloudWatch::Alarm") if "Idle" in k]


def test_staging_serves_from_one_instance_with_capture(synthesized_app):
    assert isinstance(synthesized_app.stages["staging"].serving.endpoint, RealtimeEndpoint)
    config = _one(synthesized_app, "staging", "AWS::SageMaker::EndpointConfig")
    assert config["ProductionVariants"][0]["InitialInstanceCount"] == 1
    assert config["DataCaptureConfig"]["InitialSamplingPercentage"] == 100
    routing = _one(synthesized_app, "staging", "AWS::SageMaker::Endpoint")["DeploymentConfig"]["BlueGreenUpdatePolicy"][
        "TrafficRoutingConfiguration"
    ]
    assert routing["Type"] == "ALL_AT_ONCE"


def test_prod_serves_from_two_or_more_autoscaled_instances(synthesized_app):
    config = _one(synthesized_app, "prod", "AWS::SageMaker::EndpointConfig")
    assert config["ProductionVariants"][0]["InitialInstanceCount"] >= 2
    target = _one(synthesized_app, "prod", "AWS::ApplicationAutoScaling::ScalableTarget", "EndpointAllTraffic")
    assert target["MinCapacity"] >= 2 and target["MaxCapacity"] > target["MinCapacity"]
    assert target["ResourceId"] == "endpoint/ml-platform-prod-inference/variant/AllTraffic"
    assert _one(synthesized_app, "prod", "AWS::SageMaker::Endpoint")["RetainAllVariantProperties"] is True


def test_prod_endpoint_deploys_by_canary_and_rolls_back_on_alarms(synthesized_app):
    deployment = _one(synthesized_app, "prod", "AWS::SageMaker::Endpoint")["DeploymentConfig"]
    assert deployment["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["Type"] == "CANARY"
    alarms = [a["AlarmName"]["Ref"] for a in deployment["AutoRollbackConfiguration"]["Alarms"]]
    metrics = {
        _resources(synthesized_app, "prod", "AWS::CloudWatch::Alarm")[a]["Properties"]["MetricName"] for a in alarms
    }
    assert metrics == {"Invocation5XXErrors", "ModelLatency"}


def test_model_is_the_configured_image_and_artifact(synthesized_app):
    model = next(
        p
        for k, p in (
            (k, v["Properties"]) for k, v in _resources(synthesized_app, "prod", "AWS::SageMaker::Model").items()
        )
    )
    assert model["PrimaryContainer"]["Image"]["Fn::If"][2] == XGBOOST_IMAGE_EU_WEST_1  # ModelPackageArn empty
    assert model["EnableNetworkIsolation"] is True and "VpcConfig" in model


def test_async_endpoint_example_scales_to_zero(synthesized_app):
    for env in ("staging", "prod"):
        assert isinstance(synthesized_app.stages[env].serving.async_endpoint, AsyncEndpoint)
        target = _one(synthesized_app, env, "AWS::ApplicationAutoScaling::ScalableTarget", "AsyncEndpoint")
        assert target["MinCapacity"] == 0


def test_inference_api_in_staging_and_prod_with_waf_in_prod(synthesized_app):
    assert synthesized_app.stages["dev"].serving.inference_api is None
    assert _resources(synthesized_app, "staging", "AWS::WAFv2::WebACL") == {}
    assert len(_resources(synthesized_app, "prod", "AWS::WAFv2::WebACL")) == 1


def test_endpoints_are_monitorable_for_the_monitoring_loop(synthesized_app):
    for env in ("staging", "prod"):
        endpoint = synthesized_app.stages[env].serving.endpoint
        assert isinstance(endpoint, EndpointBase) and endpoint.data_capture is not None


def _served_container(template: dict, package_arn: str) -> dict:
    """The model's container as CloudFormation makes it when the served package is ``package_arn``."""
    [condition] = template["Conditions"].values()
    assert condition == {"Fn::Not": [{"Fn::Equals": [{"Ref": "ModelPackageArn"}, "none"]}]}
    serves_package = package_arn != "none"

    def resolve(value):
        if isinstance(value, dict) and "Fn::If" in value:
            name, when_true, when_false = value["Fn::If"]
            assert name == "ServesModelPackage"
            return resolve(when_true if serves_package else when_false)
        if value == {"Ref": "ModelPackageArn"}:
            return package_arn
        return value

    [model] = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::SageMaker::Model"
        and "PrimaryContainer" in r["Properties"]
        and "VpcConfig" in r["Properties"]
    ]
    container = {k: resolve(v) for k, v in model["PrimaryContainer"].items()}
    return {k: v for k, v in container.items() if v != {"Ref": "AWS::NoValue"}}


def test_model_package_parameter_defaults_to_empty_which_keeps_the_served_package(synthesized_app):
    template = dict(synthesized_app.templates())["prod/Serving"]
    parameter = template["Parameters"]["ModelPackageArn"]
    assert parameter["Type"] == "String" and parameter["Default"] == ""
    assert synthesized_app.stages["prod"].serving.model_package_parameter.node.id == "ModelPackageArn"
    [record] = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "Custom::ServedModelPackage"]
    assert record["Requested"] == {"Ref": "ModelPackageArn"} and record["Initial"] == "none"
    # The record feeds the models' nested stack and the output the rollout checks.
    [nested] = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::CloudFormation::Stack"]
    [logical_id] = [k for k, r in template["Resources"].items() if r["Type"] == "Custom::ServedModelPackage"]
    assert nested["Parameters"]["ModelPackageArn"] == {"Fn::GetAtt": [logical_id, "ModelPackageArn"]}
    assert template["Outputs"]["ServedModelPackageArn"]["Value"] == {"Fn::GetAtt": [logical_id, "ModelPackageArn"]}


def test_no_package_serves_the_configured_image_and_artifact(synthesized_app):
    container = _served_container(_model_template(synthesized_app, "prod"), "none")
    # The example model, a file asset of the stack (tests/stacks/test_example_model.py).
    assert container["Image"] == XGBOOST_IMAGE_EU_WEST_1 and "cdk-hnb659fds-assets-" in str(container["ModelDataUrl"])
    assert "ModelPackageName" not in container


def test_a_served_package_replaces_image_and_artifact(synthesized_app):
    arn = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/ml-platform-staging-churn/3"
    nested = _model_template(synthesized_app, "staging")
    assert _served_container(nested, arn) == {"ModelPackageName": arn}
    assert re.match(nested["Parameters"]["ModelPackageArn"]["AllowedPattern"], arn)


@pytest.mark.parametrize(
    "env, group",
    [("dev", "ml-platform-dev-churn"), ("staging", "ml-platform-staging-churn"), ("prod", "ml-platform-staging-churn")],
)  # prod serves staging's registry
def test_the_stack_accepts_only_its_registry_group(synthesized_app, env, group):
    ours = f"arn:aws:sagemaker:eu-west-1:123456789012:model-package/{group}/3"
    for template in (dict(synthesized_app.templates())[f"{env}/Serving"], _model_template(synthesized_app, env)):
        pattern = template["Parameters"]["ModelPackageArn"]["AllowedPattern"]
        assert re.match(pattern, ours) and re.match(pattern, "none")
        for foreign in (
            "my-model",
            ours.replace(group, "other-group"),
            ours.replace("eu-west-1", "us-east-1"),
            f"{ours}/../4",
        ):
            assert not re.match(pattern, foreign), foreign


def test_the_components_model_follows_the_served_package_too(synthesized_app):
    [model] = _resources(synthesized_app, "dev", "AWS::SageMaker::Model").values()
    assert model["Properties"]["PrimaryContainer"]["ModelPackageName"]["Fn::If"][0] == "ServesModelPackage"


def test_served_models_may_read_the_registered_model_artifacts(synthesized_app):
    # the library grants what the declared ModelPackageSources hold (no hand-written statement)
    statements = [
        s
        for r in _resources(synthesized_app, "staging", "AWS::IAM::ManagedPolicy").values()
        for s in r["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] == "s3:GetObject" and "/pipelines/training/models/*" in str(s["Resource"])
    ]
    assert statements
    [model] = _resources(synthesized_app, "staging", "AWS::SageMaker::Model").values()
    sources = model["Metadata"]["ConstructsLib::ModelPackageSources"]
    assert sources["Images"] == ["141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"]
    assert "/pipelines/training/models/" in str(sources["ModelDataUrls"])


def test_the_cli_deploy_paths_keep_previous_parameters():
    """``cdk deploy`` (and ``make deploy``, which runs it) passes ``UsePreviousValue`` for parameters it
    is not given (the CLI's ``--previous-parameters``, on by default): nothing here turns it off."""
    root = Path(__file__).resolve().parents[2]
    assert "previous-parameters" not in (root / "Makefile").read_text()
    assert "previousParameters" not in (root / "cdk.json").read_text()


def test_models_nested_stack_passes_cfn_lint(synthesized_app):
    from tests.conftest import cfn_lint_errors

    for env in ("dev", "staging", "prod"):
        assert cfn_lint_errors(_model_template(synthesized_app, env)) == []


def test_endpoint_name_is_fixed_for_deployment_targets(synthesized_app):
    """A component endpoint has a name of its own (dev): the endpoint it replaced is deleted only after
    it exists, which one name would make fail."""
    names = {env: synthesized_app.stages[env].serving.endpoint_physical_name for env in ("dev", "staging", "prod")}
    assert names == {
        "dev": "ml-platform-dev-components",
        "staging": "ml-platform-staging-inference",
        "prod": "ml-platform-prod-inference",
    }
    endpoint = _one(synthesized_app, "dev", "AWS::SageMaker::Endpoint", "ComponentEndpoint")
    assert endpoint["EndpointName"] == names["dev"]


def test_one_serving_stack_serves_one_registry_group():
    import dataclasses

    from stacks.config import default_environments
    from stacks.ml_platform_stage import MlPlatformStage, connect_deployments
    from tests.conftest import new_app

    envs = default_environments()
    envs["dev"] = dataclasses.replace(
        envs["dev"], monitoring=dataclasses.replace(envs["dev"].monitoring, deploy_to=("dev", "prod"))
    )  # prod already gets staging's packages
    app = new_app()
    stages = {name: MlPlatformStage(app, name, config=config) for name, config in envs.items()}
    connect_deployments(stages)
    with pytest.raises(RuntimeError, match="packages of 'dev' and 'staging' both roll out here"):
        app.synth()


def test_prods_async_endpoint_deploys_by_canary_with_rollback_alarms(synthesized_app):
    endpoint = _one(synthesized_app, "prod", "AWS::SageMaker::Endpoint", "AsyncEndpoint")
    config = endpoint["DeploymentConfig"]
    routing = config["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]
    assert (routing["Type"], routing["CanarySize"]) == ("CANARY", {"Type": "CAPACITY_PERCENT", "Value": 50})
    names = {a["AlarmName"]["Ref"] for a in config["AutoRollbackConfiguration"]["Alarms"]}
    alarms = _resources(synthesized_app, "prod", "AWS::CloudWatch::Alarm")
    assert len(names) == 3 and names <= set(alarms)  # real alarms of the stack
    watched = {alarms[n]["Properties"].get("MetricName") for n in names}
    assert {"Invocation5XXErrors", "HasBacklogWithoutCapacity"} <= watched
    assert "DeploymentConfig" not in _one(synthesized_app, "staging", "AWS::SageMaker::Endpoint", "AsyncEndpoint")
