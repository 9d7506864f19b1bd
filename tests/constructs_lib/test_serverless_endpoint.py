"""ServerlessEndpoint: memory, concurrency, provisioned concurrency and its autoscaling, CPU only."""

import pytest
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk.assertions import Template

from constructs_lib import (
    ConstructValidationError,
    InstanceVariant,
    Model,
    ScheduledScaling,
    ServerlessEndpoint,
    ServerlessVariant,
)
from tests.conftest import compliance_app, nag_findings, new_stack
from tests.constructs_lib.inference_fixtures import (
    PYTORCH_CPU,
    PYTORCH_GPU,
    artifacts,
    container,
    serverless_model,
    vpc_model,
)


@pytest.fixture(scope="module")
def built():
    app = compliance_app()
    stack = new_stack(app, "Serve")
    model = serverless_model(stack, image=PYTORCH_CPU)
    endpoint = ServerlessEndpoint(
        stack,
        "Endpoint",
        variant=ServerlessVariant(
            model=model,
            memory_size_mb=4096,
            max_concurrency=50,
            provisioned_concurrency=5,
        ),
    )
    # The variant scales through its own object.
    endpoint.variant().auto_scale_provisioned_concurrency(
        max_capacity=20,
        min_capacity=2,
        target_utilization=0.7,
        schedules=[
            ScheduledScaling("Night", appscaling.Schedule.cron(hour="22", minute="0"), min_capacity=1, max_capacity=2)
        ],
    )
    plain = ServerlessEndpoint(stack, "Plain", endpoint_name="plain", variant=ServerlessVariant(model=model))
    findings = nag_findings(app)
    return {"template": Template.from_stack(stack), "findings": findings, "endpoint": endpoint, "plain": plain}


@pytest.fixture(scope="module")
def template(built) -> Template:
    return built["template"]


def _props(template, kind, prefix):
    found = [v for k, v in template.find_resources(kind).items() if k.startswith(prefix)]
    assert len(found) == 1
    return found[0]["Properties"]


def test_variant_is_serverless_with_memory_and_concurrency(template):
    [variant] = _props(template, "AWS::SageMaker::EndpointConfig", "EndpointConfig")["ProductionVariants"]
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 4096, "MaxConcurrency": 50, "ProvisionedConcurrency": 5}
    assert "InstanceType" not in variant and "InitialInstanceCount" not in variant


def test_defaults_are_2_gb_and_20_concurrent_requests_without_provisioning(template):
    [variant] = _props(template, "AWS::SageMaker::EndpointConfig", "PlainConfig")["ProductionVariants"]
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 2048, "MaxConcurrency": 20}


def test_provisioned_concurrency_autoscales_on_its_own_dimension(template):
    target = _props(template, "AWS::ApplicationAutoScaling::ScalableTarget", "EndpointProvisionedConcurrency")
    name = _props(template, "AWS::SageMaker::Endpoint", "Endpoint")["EndpointName"]
    assert target["ScalableDimension"] == "sagemaker:variant:DesiredProvisionedConcurrency"
    assert target["ResourceId"] == f"endpoint/{name}/variant/AllTraffic"
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 20)
    assert target["ScheduledActions"][0]["ScalableTargetAction"] == {"MinCapacity": 1, "MaxCapacity": 2}
    policy = _props(template, "AWS::ApplicationAutoScaling::ScalingPolicy", "EndpointProvisionedConcurrency")
    config = policy["TargetTrackingScalingPolicyConfiguration"]
    assert config["PredefinedMetricSpecification"] == {
        "PredefinedMetricType": "SageMakerVariantProvisionedConcurrencyUtilization"
    }
    assert config["TargetValue"] == 0.7


def test_updates_keep_autoscaled_provisioned_concurrency(template):
    assert _props(template, "AWS::SageMaker::Endpoint", "Endpoint")["RetainAllVariantProperties"] is True
    assert "RetainAllVariantProperties" not in _props(template, "AWS::SageMaker::Endpoint", "Plain")


def test_no_volume_key_and_no_data_capture(template, built):
    config = _props(template, "AWS::SageMaker::EndpointConfig", "EndpointConfig")
    assert "KmsKeyId" not in config and "DataCaptureConfig" not in config
    assert built["endpoint"].data_capture is None


def test_metrics(built):
    plain: ServerlessEndpoint = built["plain"]
    assert plain.metric_model_setup_time().dimensions == {"EndpointName": "plain", "VariantName": "AllTraffic"}
    assert plain.metric_provisioned_concurrency_utilization().metric_name == (
        "ServerlessProvisionedConcurrencyUtilization"
    )


def test_is_compliant_under_the_nag_packs(built):
    assert built["findings"] == []


# --- bad input -----------------------------------------------------------------------------------


def _variant(**kwargs):
    def make(stack):
        return ServerlessVariant(model=kwargs.pop("model", None) or serverless_model(stack), **kwargs)

    return make


@pytest.mark.parametrize(
    "make, message",
    [
        (
            _variant(memory_size_mb=1500),
            "variant.memory_size_mb=1500: must be one of 1024, 2048, 3072, 4096, 5120, 6144",
        ),
        (_variant(memory_size_mb=8192), "variant.memory_size_mb=8192"),
        (_variant(max_concurrency=0), "variant.max_concurrency=0: must be an integer from 1 to 200"),
        (_variant(max_concurrency=201), "variant.max_concurrency=201"),
        (
            _variant(max_concurrency=10, provisioned_concurrency=11),
            "variant.provisioned_concurrency=11: must not be above max_concurrency (10)",
        ),
        (_variant(variant_name="no spaces"), "variant_name='no spaces'"),
    ],
)
def test_rejects_bad_input_with_a_clear_message(make, message):
    stack = new_stack()
    with pytest.raises(ConstructValidationError) as error:
        ServerlessEndpoint(stack, "Bad", variant=make(stack))
    assert "ServerlessEndpoint 'Test/Bad' has invalid input" in str(error.value)
    assert message in str(error.value)


@pytest.mark.parametrize(
    "variant, scaling, message",
    [
        ({}, {"max_capacity": 5}, "needs the variant's provisioned_concurrency"),
        (
            {"provisioned_concurrency": 2},
            {"max_capacity": 1, "min_capacity": 3},
            "auto_scale_provisioned_concurrency.min_capacity=3: must not be above max_capacity (1)",
        ),
        (
            {"max_concurrency": 10, "provisioned_concurrency": 2},
            {"max_capacity": 50},
            "max_capacity=50: must not be above max_concurrency (10)",
        ),
        ({"provisioned_concurrency": 8}, {"max_capacity": 5}, "must include provisioned_concurrency (8)"),
        ({"provisioned_concurrency": 2}, {"max_capacity": 5, "target_utilization": 1.5}, "target_utilization=1.5"),
    ],
)
def test_rejects_scaling_aws_would_refuse(variant, scaling, message):
    stack = new_stack()
    endpoint = ServerlessEndpoint(stack, "Bad", variant=_variant(**variant)(stack))
    with pytest.raises(ConstructValidationError) as error:
        endpoint.variant().auto_scale_provisioned_concurrency(**scaling)
    assert "ServerlessEndpoint 'Test/Bad' has invalid input" in str(error.value)
    assert message in str(error.value)


def test_rejects_a_gpu_image():
    stack = new_stack()
    with pytest.raises(ConstructValidationError, match="holds GPU images: Serverless Inference runs on CPUs only"):
        ServerlessEndpoint(stack, "Bad", variant=ServerlessVariant(model=serverless_model(stack, image=PYTORCH_GPU)))


def test_rejects_an_instance_variant_and_names_a_gpu_type():
    stack = new_stack()
    with pytest.raises(ConstructValidationError) as error:
        ServerlessEndpoint(stack, "Bad", variant=InstanceVariant(model=vpc_model(stack), instance_type="ml.g5.xlarge"))
    assert "a GPU type: Serverless Inference is CPU only" in str(error.value)
    assert "instance variants cannot be mixed with serverless ones" in str(error.value)


def test_rejects_models_serverless_cannot_host():
    stack = new_stack()
    bucket = artifacts(stack)
    isolated = vpc_model(stack, bucket=bucket)
    pipeline = Model(
        stack,
        "Pipeline",
        network=None,
        network_isolation=False,
        containers=[container(bucket), container(bucket, key="b/model.tar.gz")],
    )
    multi = Model(
        stack,
        "Multi",
        network=None,
        network_isolation=False,
        containers=[container(bucket, key="many/", multi_model=True)],
    )
    for i, (model, message) in enumerate(
        (
            (isolated, "does not support VPC configuration"),
            (isolated, "does not support network isolation"),
            (pipeline, "hosts single-container models"),
            (multi, "does not support multi-model endpoints"),
        )
    ):
        with pytest.raises(ConstructValidationError, match=message):
            ServerlessEndpoint(stack, f"Bad{i}", variant=ServerlessVariant(model=model))


def test_offers_no_instance_metrics_serverless_endpoints_never_publish(built):
    endpoint = built["endpoint"]
    assert endpoint.metric_invocations().metric_name == "Invocations"
    for name in ("metric_cpu_utilization", "metric_gpu_utilization", "metric_disk_utilization"):
        assert not hasattr(endpoint, name)
        assert not hasattr(endpoint.variant(), name)
