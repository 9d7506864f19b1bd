"""RealtimeEndpoint: variants, shadow, autoscaling, guardrails with rollback alarms, data capture, keys."""

from typing import NamedTuple

import pytest
from aws_cdk import Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from constructs_lib import (
    CapacitySize,
    ConstructValidationError,
    DataCaptureOptions,
    DeploymentGuardrails,
    EncryptionKey,
    InstanceVariant,
    Model,
    RealtimeEndpoint,
    ScalingMetric,
    ScheduledScaling,
    SecureBucket,
    ServerlessVariant,
    TrafficRouting,
)
from constructs_lib._core.roles import ManagedPolicyRole
from constructs_lib.inference.endpoint import EndpointBase
from tests.conftest import compliance_app, nag_findings, new_stack
from tests.constructs_lib.inference_fixtures import artifacts, cheap_model, network, serverless_model, vpc_model


@pytest.fixture(scope="module")
def built():
    """A production endpoint (autoscaled, canary, capture), an A/B endpoint, a shadow test and a
    GPU endpoint, in a stack beside a data stack, synthesized once with the nag packs."""
    app = compliance_app()
    data = new_stack(app, "Data")
    bucket = artifacts(data)
    stack = new_stack(app, "Serve")
    net = network(stack)
    model = vpc_model(stack, bucket=bucket, net=net)
    challenger = vpc_model(stack, "Challenger", bucket=bucket, net=net)
    prod = RealtimeEndpoint(
        stack,
        "Prod",
        variants=[InstanceVariant(model=model, instance_type="ml.m5.xlarge")],
        deployment=DeploymentGuardrails.canary(CapacitySize.instances(1), wait_interval=Duration.minutes(15)),
        data_capture=DataCaptureOptions(
            bucket=bucket, prefix="capture/prod", sampling_percentage=25, capture_response=False
        ),
    )
    # A variant scales through its own object.
    prod.variant("AllTraffic").auto_scale_instance_count(
        max_capacity=6,
        target_value=200,
        scale_in_cooldown=Duration.minutes(10),
        schedules=[
            ScheduledScaling(
                "NightlyScaleIn",
                appscaling.Schedule.cron(hour="20", minute="0"),
                min_capacity=2,
                max_capacity=2,
            )
        ],
    )
    ab = RealtimeEndpoint(
        stack,
        "AB",
        endpoint_name="ab-test",
        variants=[
            InstanceVariant(model=model, variant_name="Champion", initial_weight=9),
            InstanceVariant(model=challenger, variant_name="Challenger", initial_weight=1),
        ],
        deployment=DeploymentGuardrails.linear(CapacitySize.percent(50)),
    )
    ab.variant("Champion").auto_scale_instance_count(
        max_capacity=4, metric=ScalingMetric.CPU_UTILIZATION, target_value=70
    )
    shadow = RealtimeEndpoint(
        stack,
        "Shadow",
        variants=[InstanceVariant(model=model, variant_name="Live")],
        shadow_variants=[
            InstanceVariant(model=challenger, variant_name="Shadow", initial_instance_count=1, initial_weight=0.5)
        ],
        deployment=DeploymentGuardrails.rolling(CapacitySize.percent(50)),
    )
    gpu = RealtimeEndpoint(
        stack,
        "Gpu",
        variants=[InstanceVariant(model=model, instance_type="ml.g5.xlarge")],
    )
    gpu.variant().auto_scale_instance_count(max_capacity=3, metric=ScalingMetric.GPU_UTILIZATION, target_value=60)
    invoker = ManagedPolicyRole(stack, "Invoker", assumed_by=iam.AccountRootPrincipal())
    prod.grant_invoke(invoker)
    findings = nag_findings(app)
    return {
        "template": Template.from_stack(stack),
        "findings": findings,
        "prod": prod,
        "ab": ab,
        "shadow": shadow,
        "gpu": gpu,
    }


@pytest.fixture(scope="module")
def template(built) -> Template:
    return built["template"]


def _resource(template: Template, kind: str, prefix: str) -> dict:
    found = {k: v for k, v in template.find_resources(kind).items() if k.startswith(prefix)}
    assert len(found) == 1, (kind, prefix, list(found))
    return next(iter(found.values()))


def _props(template: Template, kind: str, prefix: str) -> dict:
    return _resource(template, kind, prefix)["Properties"]


def test_production_default_is_two_instances_with_a_volume_key(template):
    config = _props(template, "AWS::SageMaker::EndpointConfig", "ProdConfig")
    [variant] = config["ProductionVariants"]
    assert variant["InitialInstanceCount"] == 2 and variant["InstanceType"] == "ml.m5.xlarge"
    assert config["KmsKeyId"]["Fn::GetAtt"][0].startswith("ProdVolumeKey")


def test_endpoint_configs_have_no_fixed_names(template):
    for config in template.find_resources("AWS::SageMaker::EndpointConfig").values():
        assert "EndpointConfigName" not in config["Properties"]


def test_endpoint_name_is_stable_and_known_at_synth(built, template):
    assert _props(template, "AWS::SageMaker::Endpoint", "AB")["EndpointName"] == "ab-test"
    assert _props(template, "AWS::SageMaker::Endpoint", "Prod")["EndpointName"].startswith("Serve-Prod-")


def test_ab_test_variants_carry_their_weights(template):
    variants = _props(template, "AWS::SageMaker::EndpointConfig", "ABConfig")["ProductionVariants"]
    assert [(v["VariantName"], v["InitialVariantWeight"]) for v in variants] == [("Champion", 9), ("Challenger", 1)]


def test_shadow_variant_gets_a_copy_of_the_traffic(template):
    config = _props(template, "AWS::SageMaker::EndpointConfig", "ShadowConfig")
    assert [v["VariantName"] for v in config["ProductionVariants"]] == ["Live"]
    assert config["ShadowProductionVariants"][0]["VariantName"] == "Shadow"
    assert config["ShadowProductionVariants"][0]["InitialVariantWeight"] == 0.5


def test_autoscaling_targets_the_variant_instance_count(template):
    target = _props(template, "AWS::ApplicationAutoScaling::ScalableTarget", "ProdAllTrafficScaling")
    name = _props(template, "AWS::SageMaker::Endpoint", "Prod")["EndpointName"]
    assert target["ResourceId"] == f"endpoint/{name}/variant/AllTraffic"
    assert target["ScalableDimension"] == "sagemaker:variant:DesiredInstanceCount"
    assert target["ServiceNamespace"] == "sagemaker"
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 6)
    assert "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint" in str(target["RoleARN"])


def test_scalable_target_waits_for_the_endpoint(template):
    target = _resource(template, "AWS::ApplicationAutoScaling::ScalableTarget", "ProdAllTrafficScaling")
    assert any(d.startswith("Prod") for d in target["DependsOn"])


def test_invocations_per_instance_is_the_default_scaling_metric(template):
    policy = _props(template, "AWS::ApplicationAutoScaling::ScalingPolicy", "ProdAllTrafficScalingTrack")
    config = policy["TargetTrackingScalingPolicyConfiguration"]
    assert config["PredefinedMetricSpecification"] == {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}
    assert (config["TargetValue"], config["ScaleInCooldown"], config["ScaleOutCooldown"]) == (200, 600, 60)


def test_cpu_utilization_scaling_uses_the_instance_metrics(template):
    policy = _props(template, "AWS::ApplicationAutoScaling::ScalingPolicy", "ABChampionScalingTrack")
    metric = policy["TargetTrackingScalingPolicyConfiguration"]["CustomizedMetricSpecification"]
    assert (metric["Namespace"], metric["MetricName"]) == ("/aws/sagemaker/Endpoints", "CPUUtilization")
    assert {"Name": "VariantName", "Value": "Champion"} in metric["Dimensions"]
    assert {"Name": "EndpointName", "Value": "ab-test"} in metric["Dimensions"]


def test_gpu_utilization_scaling(template):
    policy = _props(template, "AWS::ApplicationAutoScaling::ScalingPolicy", "GpuAllTrafficScalingTrack")
    assert policy["TargetTrackingScalingPolicyConfiguration"]["CustomizedMetricSpecification"]["MetricName"] == (
        "GPUUtilization"
    )


def test_scheduled_actions_scale_in_at_night(template):
    target = _props(template, "AWS::ApplicationAutoScaling::ScalableTarget", "ProdAllTrafficScaling")
    assert target["ScheduledActions"] == [
        {
            "ScheduledActionName": "NightlyScaleIn",
            "Schedule": "cron(0 20 * * ? *)",
            "ScalableTargetAction": {"MinCapacity": 2, "MaxCapacity": 2},
        }
    ]


def test_updates_keep_autoscaled_instance_counts(template):
    endpoint = _props(template, "AWS::SageMaker::Endpoint", "Prod")
    assert endpoint["RetainAllVariantProperties"] is True
    assert endpoint["ExcludeRetainedVariantProperties"] == [
        {"VariantPropertyType": "DesiredWeight"},
        {"VariantPropertyType": "DataCaptureConfig"},
    ]
    shadow = _props(template, "AWS::SageMaker::Endpoint", "Shadow")
    assert "RetainAllVariantProperties" not in shadow


def test_prod_endpoint_deploys_by_canary(template):
    policy = _props(template, "AWS::SageMaker::Endpoint", "Prod")["DeploymentConfig"]["BlueGreenUpdatePolicy"]
    assert policy["TrafficRoutingConfiguration"] == {
        "Type": "CANARY",
        "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1},
        "WaitIntervalInSeconds": 900,
    }


def test_prod_endpoint_rolls_back_on_5xx_alarm(template):
    alarms = _props(template, "AWS::SageMaker::Endpoint", "Prod")["DeploymentConfig"]["AutoRollbackConfiguration"]
    refs = [a["AlarmName"]["Ref"] for a in alarms["Alarms"]]
    errors = next(r for r in refs if "ErrorRate" in r)
    alarm = template.to_json()["Resources"][errors]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == (
        "AWS/SageMaker",
        "Invocation5XXErrors",
        "Average",
    )
    assert alarm["Threshold"] == 0.01 and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    name = _props(template, "AWS::SageMaker::Endpoint", "Prod")["EndpointName"]
    assert {"Name": "EndpointName", "Value": name} in alarm["Dimensions"]


def test_prod_endpoint_rolls_back_on_model_latency_alarm(template):
    alarms = _props(template, "AWS::SageMaker::Endpoint", "Prod")["DeploymentConfig"]["AutoRollbackConfiguration"]
    latency = next(a["AlarmName"]["Ref"] for a in alarms["Alarms"] if "Latency" in a["AlarmName"]["Ref"])
    alarm = template.to_json()["Resources"][latency]["Properties"]
    assert (alarm["MetricName"], alarm["ExtendedStatistic"], alarm["Threshold"]) == ("ModelLatency", "p99", 1_000_000)


def test_linear_and_rolling_deployments(template):
    linear = _props(template, "AWS::SageMaker::Endpoint", "AB")["DeploymentConfig"]
    assert linear["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["LinearStepSize"] == {
        "Type": "CAPACITY_PERCENT",
        "Value": 50,
    }
    assert len(linear["AutoRollbackConfiguration"]["Alarms"]) == 4  # two per production variant
    rolling = _props(template, "AWS::SageMaker::Endpoint", "Shadow")["DeploymentConfig"]
    assert rolling["RollingUpdatePolicy"]["MaximumBatchSize"] == {"Type": "CAPACITY_PERCENT", "Value": 50}
    assert "BlueGreenUpdatePolicy" not in rolling


def test_data_capture_for_model_monitor(template):
    capture = _props(template, "AWS::SageMaker::EndpointConfig", "ProdConfig")["DataCaptureConfig"]
    assert capture["InitialSamplingPercentage"] == 25
    assert capture["CaptureOptions"] == [{"CaptureMode": "Input"}]
    assert capture["DestinationS3Uri"]["Fn::Join"][1][-1] == "/capture/prod"
    assert "KmsKeyId" in capture


def test_model_role_may_write_captured_data_under_the_prefix(template):
    statements = [
        s
        for p in template.find_resources("AWS::IAM::ManagedPolicy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    writes = [s for s in statements if s["Action"] == ["s3:AbortMultipartUpload", "s3:PutObject"]]
    assert any(s["Resource"]["Fn::Join"][1][-1] == "/capture/prod/*" for s in writes)


def test_instance_storage_types_skip_the_volume_key(template):
    gpu = _resource(template, "AWS::SageMaker::EndpointConfig", "GpuConfig")
    assert "KmsKeyId" not in gpu["Properties"]


def test_grant_invoke_is_limited_to_the_endpoint(template):
    statement = next(
        s
        for p in template.find_resources("AWS::IAM::ManagedPolicy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "sagemaker:InvokeEndpoint" in s["Action"]
    )
    assert statement["Resource"]["Ref"].startswith("Prod")
    assert statement["Action"] == ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"]


def test_satisfies_the_monitorable_endpoint_contract(built):
    prod: RealtimeEndpoint = built["prod"]
    assert isinstance(prod, EndpointBase)
    assert prod.data_capture.sampling_percentage == 25
    assert built["ab"].data_capture is None


def test_metrics_name_the_endpoint_and_variant(built):
    ab: RealtimeEndpoint = built["ab"]
    latency = ab.variant("Challenger").metric_model_latency(statistic="p99", period=Duration.minutes(5))
    assert (latency.namespace, latency.metric_name, latency.dimensions, latency.statistic) == (
        "AWS/SageMaker",
        "ModelLatency",
        {"EndpointName": "ab-test", "VariantName": "Challenger"},
        "p99",
    )
    assert latency.period.to_minutes() == 5
    assert ab.metric_invocation_4xx_errors().metric_name == "Invocation4XXErrors"
    assert ab.metric_invocations().statistic == "Sum"
    assert ab.metric_invocations().dimensions["VariantName"] == "Champion"  # the first production variant
    assert ab.variant("Champion").metric_cpu_utilization().namespace == "/aws/sagemaker/Endpoints"
    assert [v.variant_name for v in ab.variants] == ["Champion", "Challenger"]
    assert ab.metric("OverheadLatency", label="overhead").label == "overhead"


def test_metric_props_are_cloudwatch_metric_options(built):
    with pytest.raises(TypeError):
        built["ab"].metric_invocations(statistik="Sum")


def test_unknown_variant_is_refused_with_the_known_ones(built):
    with pytest.raises(
        ConstructValidationError, match=r"variant_name='Nope': must be one of .*\['Champion', 'Challenger'\]"
    ):
        built["ab"].variant("Nope")


def test_scalable_targets_are_on_the_variant_objects(built):
    prod: RealtimeEndpoint = built["prod"]
    assert prod.variant().scalable_target is prod.scalable_targets["AllTraffic"]
    assert prod.autoscaling_enabled and not built["shadow"].autoscaling_enabled
    assert prod.variant().min_capacity == 2


def test_endpoints_are_compliant_under_the_nag_packs(built):
    assert built["findings"] == []


def test_rollback_alarms_notify_when_given_actions():
    from aws_cdk import aws_cloudwatch_actions as actions
    from aws_cdk import aws_sns as sns

    stack = new_stack()
    topic = sns.Topic(stack, "Ops")
    RealtimeEndpoint(
        stack,
        "E",
        variants=[InstanceVariant(model=vpc_model(stack))],
        deployment=DeploymentGuardrails.all_at_once(),
        alarm_actions=[actions.SnsAction(topic)],
    )
    for alarm in Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values():
        [action] = alarm["Properties"]["AlarmActions"]
        assert action["Ref"].startswith("Ops")


def test_user_alarms_join_the_default_ones():
    stack = new_stack()
    mine = cloudwatch.Alarm(
        stack, "Mine", metric=cloudwatch.Metric(namespace="X", metric_name="Y"), threshold=1, evaluation_periods=1
    )
    RealtimeEndpoint(
        stack,
        "E",
        variants=[InstanceVariant(model=vpc_model(stack))],
        deployment=DeploymentGuardrails.all_at_once(alarms=[mine], default_alarms=False),
    )
    endpoint = Template.from_stack(stack).find_resources("AWS::SageMaker::Endpoint")
    [props] = [e["Properties"] for e in endpoint.values()]
    [alarm] = props["DeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"]
    assert alarm["AlarmName"]["Ref"].startswith("Mine")


def test_given_volume_key_is_used():
    stack = new_stack()
    key = EncryptionKey(stack, "Key")
    RealtimeEndpoint(stack, "E", variants=[InstanceVariant(model=vpc_model(stack))], volume_encryption_key=key)
    config = next(iter(Template.from_stack(stack).find_resources("AWS::SageMaker::EndpointConfig").values()))
    assert config["Properties"]["KmsKeyId"]["Fn::GetAtt"][0].startswith("Key")


# --- bad input -----------------------------------------------------------------------------------


class Shared(NamedTuple):
    model: Model
    bucket: SecureBucket


@pytest.fixture(scope="module")
def shared() -> Shared:
    """A cheap model and a bucket (for data capture), in a stack of their own that is never
    synthesized, for the bad-input tests, which build each endpoint in a fresh stack (``Test/Bad``).
    Safe to share: the checks read only the arguments (of the model, its type and containers; of the
    capture options, their fields), and an endpoint built on the model, scaled or not, only reads
    its name: it adds nothing to either (no construct, dependency or statement)."""
    stack = new_stack()
    return Shared(cheap_model(stack), artifacts(stack))


def _endpoint(shared: Shared, **kwargs):
    stack = new_stack()
    model = shared.model
    if callable(kwargs.get("variants")):
        kwargs["variants"] = kwargs["variants"](model, stack)
    else:
        kwargs.setdefault("variants", [InstanceVariant(model=model)])
    if callable(kwargs.get("shadow_variants")):
        kwargs["shadow_variants"] = kwargs["shadow_variants"](model, stack)
    RealtimeEndpoint(stack, "Bad", **kwargs)


def _v(**kwargs):
    return lambda model, stack: [InstanceVariant(model=model, **kwargs)]


def _fake_alarms(count: int):
    return [
        cloudwatch.Alarm.from_alarm_arn(new_stack(), f"A{i}", f"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:a{i}")
        for i in range(count)
    ]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {
                "variants": lambda m, s: [
                    InstanceVariant(model=m),
                    ServerlessVariant(model=serverless_model(s), variant_name="Serverless"),
                ]
            },
            "variants[1]='Serverless': is a ServerlessVariant: real-time endpoints run on instances, and AWS does not "
            "mix serverless and instance variants",
        ),
        (
            {"variants": _v(instance_type="m5.large")},
            "variants[0].instance_type='m5.large': must be one of the ",
        ),
        ({"variants": _v(instance_type="ml.m5")}, "variants[0].instance_type='ml.m5'"),
        ({"variants": _v(initial_weight=0)}, "variants[0].initial_weight=0: must be a number above 0"),
        ({"variants": _v(initial_weight=-1)}, "variants[0].initial_weight=-1"),
        (
            {
                "variants": lambda m, s: [
                    InstanceVariant(model=m, variant_name="A"),
                    InstanceVariant(model=m, variant_name="A"),
                ]
            },
            "variant_name=['A']: names must be unique",
        ),
        (
            {
                "variants": lambda m, s: [InstanceVariant(model=m, variant_name="A")],
                "shadow_variants": lambda m, s: [InstanceVariant(model=m, variant_name="A")],
            },
            "variant_name=['A']: names must be unique",
        ),
        (
            {"variants": lambda m, s: [InstanceVariant(model=m, variant_name=f"V{i}") for i in range(11)]},
            "variants=11: must hold 1 to 10 production variants",
        ),
        ({"variants": []}, "variants=0"),
        (
            {
                "variants": lambda m, s: [
                    InstanceVariant(model=m, variant_name="A"),
                    InstanceVariant(model=m, variant_name="B"),
                ],
                "shadow_variants": lambda m, s: [InstanceVariant(model=m, variant_name="S")],
            },
            "must hold exactly one production variant when there is a shadow variant",
        ),
        ({"variants": _v(initial_instance_count=0)}, "variants[0].initial_instance_count=0"),
        ({"variants": _v(volume_size_gb=600)}, "variants[0].volume_size_gb=600: must be an integer from 1 to 512"),
        (
            {"variants": _v(instance_type="ml.g5.xlarge", volume_size_gb=100)},
            "cannot be set for ml.g5.xlarge: it uses its NVMe instance storage",
        ),
        (
            {"variants": _v(model_data_download_timeout=Duration.seconds(10))},
            "variants[0].model_data_download_timeout (seconds)=10",
        ),
        ({"data_capture": "tokens"}, "must be a constructs_lib.DataCaptureOptions"),
        ({"endpoint_name": "bad_name!"}, "endpoint_name='bad_name!'"),
        (
            {"variants": _v(instance_type="ml.p4d.24xlarge"), "volume_encryption_key": "key"},
            "volume_encryption_key='given': cannot be used with instance types that have NVMe instance storage",
        ),
    ],
)
def test_rejects_bad_input_with_a_clear_message(kwargs, message, shared):
    with pytest.raises(ConstructValidationError) as error:
        _endpoint(shared, **kwargs)
    assert "RealtimeEndpoint 'Test/Bad' has invalid input" in str(error.value)
    assert message in str(error.value)


@pytest.mark.parametrize(
    "variant, scaling, message",
    [
        ({}, {"min_capacity": 5, "max_capacity": 2}, "min_capacity=5: must not be above max_capacity (2)"),
        (
            {},
            {"min_capacity": 0, "max_capacity": 2},
            "variant('AllTraffic').auto_scale_instance_count.min_capacity=0: must be an integer of at least 1",
        ),
        ({"initial_instance_count": 5}, {"max_capacity": 3}, "must include the variant's initial_instance_count (5)"),
        (
            {},
            {"max_capacity": 3, "metric": ScalingMetric.CUSTOM},
            "custom_metric=None: is required with metric=ScalingMetric.CUSTOM",
        ),
        (
            {},
            {"max_capacity": 3, "metric": ScalingMetric.GPU_UTILIZATION},
            "needs a GPU instance type, not ml.m5.large",
        ),
        ({}, {"max_capacity": 3, "target_value": 0}, "auto_scale_instance_count.target_value=0"),
        (
            {},
            {
                "max_capacity": 3,
                "schedules": [
                    ScheduledScaling("Night", appscaling.Schedule.cron(hour="20"), min_capacity=3, max_capacity=1)
                ],
            },
            "schedules[Night].min_capacity=3: must not be above max_capacity (1)",
        ),
        (
            {},
            {"max_capacity": 3, "schedules": [ScheduledScaling("Night", appscaling.Schedule.cron(hour="20"))]},
            "must set min_capacity, max_capacity or both",
        ),
    ],
)
def test_rejects_scaling_aws_would_refuse(variant, scaling, message, shared):
    stack = new_stack()
    endpoint = RealtimeEndpoint(stack, "Bad", variants=[InstanceVariant(model=shared.model, **variant)])
    with pytest.raises(ConstructValidationError) as error:
        endpoint.variant().auto_scale_instance_count(**scaling)
    assert "RealtimeEndpoint 'Test/Bad' has invalid input" in str(error.value)
    assert message in str(error.value)


def test_scaling_is_checked_against_the_deployment_guardrails(shared):
    """A canary of 1 instance needs a fleet of at least 2: scaling down to 1 would break updates."""
    stack = new_stack()
    endpoint = RealtimeEndpoint(
        stack,
        "Bad",
        variants=[InstanceVariant(model=shared.model, initial_instance_count=2)],
        deployment=DeploymentGuardrails.canary(CapacitySize.instances(1)),
    )
    with pytest.raises(ConstructValidationError, match="which no whole instance count is"):
        endpoint.variant().auto_scale_instance_count(min_capacity=1, max_capacity=4)


def test_a_variant_scales_once(shared):
    stack = new_stack()
    endpoint = RealtimeEndpoint(stack, "E", variants=[InstanceVariant(model=shared.model)])
    endpoint.variant().auto_scale_instance_count(max_capacity=4)
    with pytest.raises(ConstructValidationError, match="called twice"):
        endpoint.variant().auto_scale_instance_count(max_capacity=5)


def test_token_capacities_are_accepted():
    from aws_cdk import CfnParameter

    stack = new_stack()
    endpoint = RealtimeEndpoint(stack, "E", variants=[InstanceVariant(model=cheap_model(stack))])
    most = CfnParameter(stack, "Most", type="Number").value_as_number
    endpoint.variant().auto_scale_instance_count(max_capacity=most)
    [target] = Template.from_stack(stack).find_resources("AWS::ApplicationAutoScaling::ScalableTarget").values()
    assert target["Properties"]["MaxCapacity"] == {"Ref": "Most"}


@pytest.mark.parametrize("sampling", [-1, 101, 50.5])
def test_rejects_sampling_outside_0_to_100(sampling, shared):
    with pytest.raises(
        ConstructValidationError,
        match=r"data_capture.sampling_percentage=.*: must be an integer "
        r"from 0 to 100",
    ):
        _endpoint(shared, data_capture=DataCaptureOptions(bucket=shared.bucket, sampling_percentage=sampling))


def test_rejects_capturing_nothing(shared):
    with pytest.raises(ConstructValidationError, match="must capture the request, the response or both"):
        _endpoint(
            shared,
            data_capture=DataCaptureOptions(bucket=shared.bucket, capture_request=False, capture_response=False),
        )


@pytest.mark.parametrize(
    "deployment, variants, message",
    [
        (
            DeploymentGuardrails(traffic_routing=TrafficRouting.LINEAR),
            None,
            "deployment.linear_step_size=None: LINEAR needs a linear_step_size",
        ),
        (DeploymentGuardrails(traffic_routing=TrafficRouting.CANARY), None, "CANARY needs a canary_size"),
        (
            DeploymentGuardrails.canary(CapacitySize.instances(2)),
            None,
            "deployment.canary_size (instances)=2: must be above 0 to 50% of the variant's 2 instance(s), i.e. 1 to 1",
        ),
        (
            DeploymentGuardrails.canary(CapacitySize.percent(60)),
            None,
            "deployment.canary_size (percent)=60: must be an integer from 1 to 50",
        ),
        (
            DeploymentGuardrails.canary(CapacitySize.instances(1)),
            _v(initial_instance_count=1),
            "which no whole instance count is",
        ),
        (
            DeploymentGuardrails.linear(CapacitySize.percent(5)),
            None,
            "deployment.linear_step_size (percent)=5: must be an integer from 10 to 50",
        ),
        (
            DeploymentGuardrails.rolling(CapacitySize.percent(60)),
            None,
            "deployment.maximum_batch_size (percent)=60: must be an integer from 5 to 50",
        ),
        (
            DeploymentGuardrails.rolling(CapacitySize.percent(50)),
            lambda m, s: [InstanceVariant(model=m, variant_name="A"), InstanceVariant(model=m, variant_name="B")],
            "rolling deployments support a single production variant, not 2",
        ),
        (
            DeploymentGuardrails(traffic_routing=TrafficRouting.ALL_AT_ONCE, canary_size=CapacitySize.instances(1)),
            None,
            "deployment.canary_size='CapacitySize.instances(1)': applies to CANARY traffic routing only",
        ),
        (DeploymentGuardrails(traffic_routing=None), None, "deployment.traffic_routing=None: is required"),
        (
            DeploymentGuardrails.all_at_once(default_alarms=False),
            None,
            "deployment.alarms=0: auto-rollback takes 1 to 10 alarms",
        ),
        (DeploymentGuardrails.all_at_once(alarms=_fake_alarms(9)), None, "deployment.alarms=11"),
        (
            DeploymentGuardrails.all_at_once(wait_interval=Duration.hours(2)),
            None,
            "deployment.wait_interval (seconds)=7200: must be an integer from 0 to 3600",
        ),
        (
            DeploymentGuardrails.all_at_once(maximum_execution_timeout=Duration.minutes(5)),
            None,
            "deployment.maximum_execution_timeout (seconds)=300: must be an integer from 600 to 28800",
        ),
        (
            DeploymentGuardrails.all_at_once(
                wait_interval=Duration.minutes(50),
                termination_wait=Duration.minutes(50),
                maximum_execution_timeout=Duration.minutes(60),
            ),
            None,
            "must be longer than the waits it contains (6000 s)",
        ),
        (DeploymentGuardrails.all_at_once(max_error_rate=2), None, "deployment.max_error_rate=2"),
        (
            DeploymentGuardrails.all_at_once(),
            _v(instance_type="ml.inf1.xlarge"),
            "guardrails are not supported on Inf1 instances",
        ),
    ],
)
def test_rejects_guardrails_aws_would_refuse_or_ignore(deployment, variants, message, shared):
    kwargs = {"deployment": deployment}
    if variants is not None:
        kwargs["variants"] = variants
    with pytest.raises(ConstructValidationError) as error:
        _endpoint(shared, **kwargs)
    assert message in str(error.value)


def test_every_problem_is_reported_at_once(shared):
    with pytest.raises(ConstructValidationError) as error:
        _endpoint(
            shared,
            variants=_v(instance_type="c5.xlarge", initial_weight=0),
            deployment=DeploymentGuardrails(traffic_routing=TrafficRouting.LINEAR),
        )
    text = str(error.value)
    assert "instance_type='c5.xlarge'" in text and "initial_weight=0" in text
