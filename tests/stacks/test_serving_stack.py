"""Serving per environment: dev serverless, staging one instance, prod autoscaled with canary rollbacks."""

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
    assert model["PrimaryContainer"]["Image"] == XGBOOST_IMAGE_EU_WEST_1
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
