"""Serving per environment: dev serverless, staging one instance, prod autoscaled with canary rollbacks."""

import re

from constructs_lib import AsyncEndpoint, RealtimeEndpoint, ServerlessEndpoint
from constructs_lib._internal.contracts import MonitorableEndpoint
from stacks.config import XGBOOST_IMAGE_EU_WEST_1


def _resources(synthesized_app, env: str, kind: str) -> dict:
    template = dict(synthesized_app.templates())[f"{env}/Serving"]
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def _one(synthesized_app, env, kind, prefix="Endpoint"):
    found = [v["Properties"] for k, v in _resources(synthesized_app, env, kind).items() if k.startswith(prefix)]
    assert len(found) == 1, (env, kind, prefix)
    return found[0]


def test_dev_serves_from_a_serverless_endpoint(synthesized_app):
    assert isinstance(synthesized_app.stages["dev"].serving.endpoint, ServerlessEndpoint)
    [variant] = _one(synthesized_app, "dev", "AWS::SageMaker::EndpointConfig")["ProductionVariants"]
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 2048, "MaxConcurrency": 5}
    model = next(iter(_resources(synthesized_app, "dev", "AWS::SageMaker::Model").values()))["Properties"]
    assert model["EnableNetworkIsolation"] is False and "VpcConfig" not in model  # serverless supports neither
    assert synthesized_app.stages["dev"].serving.async_endpoint is None


def test_staging_serves_from_one_instance_with_capture(synthesized_app):
    assert isinstance(synthesized_app.stages["staging"].serving.endpoint, RealtimeEndpoint)
    config = _one(synthesized_app, "staging", "AWS::SageMaker::EndpointConfig")
    assert config["ProductionVariants"][0]["InitialInstanceCount"] == 1
    assert config["DataCaptureConfig"]["InitialSamplingPercentage"] == 100
    routing = _one(synthesized_app, "staging", "AWS::SageMaker::Endpoint")["DeploymentConfig"][
        "BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]
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
    metrics = {_resources(synthesized_app, "prod", "AWS::CloudWatch::Alarm")[a]["Properties"]["MetricName"]
               for a in alarms}
    assert metrics == {"Invocation5XXErrors", "ModelLatency"}


def test_model_is_the_configured_image_and_artifact(synthesized_app):
    model = next(p for k, p in ((k, v["Properties"]) for k, v in _resources(
        synthesized_app, "prod", "AWS::SageMaker::Model").items()))
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
        assert isinstance(endpoint, MonitorableEndpoint) and endpoint.data_capture is not None


def _served_container(template: dict, package_arn: str) -> dict:
    """The model's container as CloudFormation makes it when ``ModelPackageArn`` is ``package_arn``."""
    [condition] = template["Conditions"].values()
    assert condition == {"Fn::Not": [{"Fn::Equals": [{"Ref": "ModelPackageArn"}, ""]}]}
    serves_package = package_arn != ""

    def resolve(value):
        if isinstance(value, dict) and "Fn::If" in value:
            name, when_true, when_false = value["Fn::If"]
            assert name == "ServesModelPackage"
            return resolve(when_true if serves_package else when_false)
        if value == {"Ref": "ModelPackageArn"}:
            return package_arn
        return value

    [model] = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::SageMaker::Model"
               and "PrimaryContainer" in r["Properties"] and "VpcConfig" in r["Properties"]]
    container = {k: resolve(v) for k, v in model["PrimaryContainer"].items()}
    return {k: v for k, v in container.items() if v != {"Ref": "AWS::NoValue"}}


def test_model_package_parameter_defaults_to_empty(synthesized_app):
    parameter = dict(synthesized_app.templates())["prod/Serving"]["Parameters"]["ModelPackageArn"]
    assert parameter["Type"] == "String" and parameter["Default"] == ""
    assert synthesized_app.stages["prod"].serving.model_package_parameter.node.id == "ModelPackageArn"


def test_empty_model_package_parameter_serves_the_configured_image_and_artifact(synthesized_app):
    container = _served_container(dict(synthesized_app.templates())["prod/Serving"], "")
    assert container["Image"] == XGBOOST_IMAGE_EU_WEST_1 and "/models/example/model.tar.gz" in str(
        container["ModelDataUrl"])
    assert "ModelPackageName" not in container


def test_model_package_parameter_serves_that_package(synthesized_app):
    arn = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/ml-platform-staging-churn/3"
    template = dict(synthesized_app.templates())["staging/Serving"]
    assert _served_container(template, arn) == {"ModelPackageName": arn}
    assert re.match(template["Parameters"]["ModelPackageArn"]["AllowedPattern"], arn)
    assert not re.match(template["Parameters"]["ModelPackageArn"]["AllowedPattern"], "my-model")


def test_serverless_model_follows_the_parameter_too(synthesized_app):
    [model] = [r["Properties"] for r in dict(synthesized_app.templates())["dev/Serving"]["Resources"].values()
               if r["Type"] == "AWS::SageMaker::Model"]
    assert model["PrimaryContainer"]["ModelPackageName"]["Fn::If"][0] == "ServesModelPackage"


def test_served_models_may_read_the_registered_model_artifacts(synthesized_app):
    template = dict(synthesized_app.templates())["staging/Serving"]
    # the library grants what the declared ModelPackageSources hold (no hand-written statement)
    statements = [s for r in template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"
                  for s in r["Properties"]["PolicyDocument"]["Statement"]
                  if s["Action"] == "s3:GetObject" and "/pipelines/training/models/*" in str(s["Resource"])]
    assert statements
    [model] = [r for r in template["Resources"].values() if r["Type"] == "AWS::SageMaker::Model"]
    sources = model["Metadata"]["ConstructsLib::ModelPackageSources"]
    assert sources["Images"] == ["141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"]
    assert "/pipelines/training/models/" in str(sources["ModelDataUrls"])


def test_endpoint_name_is_fixed_for_deployment_targets(synthesized_app):
    for env in ("dev", "staging", "prod"):
        assert synthesized_app.stages[env].serving.endpoint_physical_name == f"ml-platform-{env}-inference"
