"""AsyncEndpoint: S3 paths, encrypted SNS topics, concurrency, scale to zero and back."""

from typing import NamedTuple

import pytest
from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from constructs_lib import (
    AsyncEndpoint,
    AsyncScalingOptions,
    CapacitySize,
    ConstructValidationError,
    DataCaptureOptions,
    DeploymentGuardrails,
    InstanceVariant,
    Model,
    SecureBucket,
    ServerlessVariant,
)
from constructs_lib._core.roles import ManagedPolicyRole
from constructs_lib.inference.endpoint import EndpointBase
from tests.conftest import cfn_lint_errors, compliance_app, nag_findings, new_stack
from tests.constructs_lib.inference_fixtures import artifacts, cheap_model, network, serverless_model, vpc_model


@pytest.fixture(scope="module")
def built():
    app = compliance_app()
    data = new_stack(app, "Data")
    bucket = artifacts(data)
    stack = new_stack(app, "Serve")
    model = vpc_model(stack, bucket=bucket, net=network(stack))
    endpoint = AsyncEndpoint(
        stack,
        "Async",
        variant=InstanceVariant(model=model, initial_instance_count=1),
        bucket=bucket,
        max_concurrent_invocations_per_instance=4,
        data_capture=DataCaptureOptions(bucket=bucket, prefix="capture"),
    )
    fixed = AsyncEndpoint(
        stack,
        "Fixed",
        variant=InstanceVariant(model=model, initial_instance_count=1),
        bucket=bucket,
        notifications=False,
        scaling=None,
        input_prefix="in",
        output_prefix="out",
        failure_prefix="failed",
    )
    guarded = AsyncEndpoint(
        stack,
        "Guarded",
        variant=InstanceVariant(model=model, initial_instance_count=1),
        bucket=bucket,
        input_prefix="g/in",
        output_prefix="g/out",
        failure_prefix="g/failed",
        notifications=False,
        deployment=DeploymentGuardrails.canary(CapacitySize.percent(50), wait_interval=Duration.minutes(15)),
    )
    client = ManagedPolicyRole(stack, "Client", assumed_by=iam.AccountRootPrincipal())
    endpoint.grant_invoke(client)
    endpoint.grant_read_results(client)
    findings = nag_findings(app)
    return {
        "template": Template.from_stack(stack),
        "findings": findings,
        "endpoint": endpoint,
        "fixed": fixed,
        "guarded": guarded,
    }


@pytest.fixture(scope="module")
def template(built) -> Template:
    return built["template"]


def _props(template, kind, prefix):
    found = [v for k, v in template.find_resources(kind).items() if k.startswith(prefix)]
    assert len(found) == 1, (kind, prefix)
    return found[0]["Properties"]


def _tail(value) -> str:
    return value["Fn::Join"][1][-1]


def _tails(statements: list[dict], action) -> set[str]:
    """Last literal part of every resource of the statements with ``action`` (merged policies list several)."""
    return {
        _tail(r)
        for s in statements
        if s["Action"] == action
        for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    }


def test_answers_and_failures_go_to_s3_encrypted(template):
    output = _props(template, "AWS::SageMaker::EndpointConfig", "AsyncConfig")["AsyncInferenceConfig"]["OutputConfig"]
    assert _tail(output["S3OutputPath"]) == "/async-inference/output"
    assert _tail(output["S3FailurePath"]) == "/async-inference/failures"
    assert "KmsKeyId" in output


def test_success_and_error_topics_are_kms_encrypted(template):
    notification = _props(template, "AWS::SageMaker::EndpointConfig", "AsyncConfig")["AsyncInferenceConfig"][
        "OutputConfig"
    ]["NotificationConfig"]
    assert notification["SuccessTopic"]["Ref"].startswith("AsyncSuccessTopic")
    assert notification["ErrorTopic"]["Ref"].startswith("AsyncErrorTopic")
    assert "IncludeInferenceResponseIn" not in notification
    for topic in template.find_resources("AWS::SNS::Topic").values():
        assert topic["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0].startswith("AsyncNotificationKey")


def test_notification_key_lets_sagemaker_use_it(template):
    key = _props(template, "AWS::KMS::Key", "AsyncNotificationKey")
    principals = [s["Principal"] for s in key["KeyPolicy"]["Statement"]]
    assert {"Service": "sagemaker.amazonaws.com"} in principals


def test_model_role_publishes_to_the_topics_and_writes_its_prefixes(template):
    statements = [
        s
        for p in template.find_resources("AWS::IAM::ManagedPolicy").values()
        if "ModelRole" in str(p["Properties"]["Roles"])
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    publish = next(s for s in statements if s["Action"] == "sns:Publish")
    assert len(publish["Resource"]) == 2
    writes = _tails(statements, ["s3:AbortMultipartUpload", "s3:PutObject"])
    assert {"/async-inference/output/*", "/async-inference/failures/*", "/capture/*"} <= writes
    assert "/async-inference/input/*" in _tails(statements, "s3:GetObject")


def test_max_concurrent_invocations_per_instance(template):
    config = _props(template, "AWS::SageMaker::EndpointConfig", "AsyncConfig")["AsyncInferenceConfig"]
    assert config["ClientConfig"] == {"MaxConcurrentInvocationsPerInstance": 4}


def test_scales_to_zero(template):
    target = _props(template, "AWS::ApplicationAutoScaling::ScalableTarget", "AsyncAllTrafficScaling")
    assert (target["MinCapacity"], target["MaxCapacity"]) == (0, 2)
    assert target["ScalableDimension"] == "sagemaker:variant:DesiredInstanceCount"
    name = _props(template, "AWS::SageMaker::Endpoint", "Async")["EndpointName"]
    assert target["ResourceId"] == f"endpoint/{name}/variant/AllTraffic"


def test_tracks_backlog_per_instance(template):
    policy = _props(template, "AWS::ApplicationAutoScaling::ScalingPolicy", "AsyncAllTrafficScalingTrack")
    metric = policy["TargetTrackingScalingPolicyConfiguration"]["CustomizedMetricSpecification"]
    assert metric["MetricName"] == "ApproximateBacklogSizePerInstance"
    assert metric["Dimensions"] == [
        {"Name": "EndpointName", "Value": _props(template, "AWS::SageMaker::Endpoint", "Async")["EndpointName"]}
    ]
    assert policy["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 5


def test_scales_out_from_zero_on_backlog_without_capacity(template):
    policy = _props(template, "AWS::ApplicationAutoScaling::ScalingPolicy", "AsyncAllTrafficScalingScaleOutFromZero")
    assert policy["PolicyType"] == "StepScaling"
    assert policy["StepScalingPolicyConfiguration"]["AdjustmentType"] == "ChangeInCapacity"
    assert policy["StepScalingPolicyConfiguration"]["StepAdjustments"] == [
        {"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}
    ]
    alarm = _props(template, "AWS::CloudWatch::Alarm", "AsyncAllTrafficScalingScaleOutFromZero")
    assert (alarm["MetricName"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
        "HasBacklogWithoutCapacity",
        1,
        "GreaterThanOrEqualToThreshold",
    )


def test_updates_keep_the_autoscaled_count(template):
    assert _props(template, "AWS::SageMaker::Endpoint", "Async")["RetainAllVariantProperties"] is True


def test_fixed_capacity_without_notifications(template):
    config = _props(template, "AWS::SageMaker::EndpointConfig", "FixedConfig")["AsyncInferenceConfig"]
    assert "NotificationConfig" not in config["OutputConfig"] and "ClientConfig" not in config
    assert _tail(config["OutputConfig"]["S3OutputPath"]) == "/out"
    assert "RetainAllVariantProperties" not in _props(template, "AWS::SageMaker::Endpoint", "Fixed")


def test_clients_may_upload_requests_invoke_and_read_answers(template):
    statements = [
        s
        for p in template.find_resources("AWS::IAM::ManagedPolicy").values()
        if "Client" in str(p["Properties"]["Roles"])
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert any(s["Action"] == "sagemaker:InvokeEndpointAsync" for s in statements)
    assert not any(s["Action"] == "sagemaker:InvokeEndpoint" for s in statements)
    assert _tails(statements, "s3:GetObject") == {"/async-inference/output/*", "/async-inference/failures/*"}
    assert _tails(statements, ["s3:AbortMultipartUpload", "s3:PutObject"]) == {"/async-inference/input/*"}


def test_satisfies_the_monitorable_endpoint_contract(built):
    endpoint: AsyncEndpoint = built["endpoint"]
    assert isinstance(endpoint, EndpointBase)
    assert endpoint.data_capture.prefix == "capture"
    assert endpoint.metric_approximate_backlog_size().dimensions == {"EndpointName": endpoint.physical_endpoint_name}
    assert endpoint.variant().metric_cpu_utilization().dimensions["VariantName"] == "AllTraffic"


# --- deployment guardrails ----------------------------------------------------------------------


def test_deploys_by_canary_with_auto_rollback(template):
    config = _props(template, "AWS::SageMaker::Endpoint", "Guarded")["DeploymentConfig"]
    assert config["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"] == {
        "Type": "CANARY",
        "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 50},
        "WaitIntervalInSeconds": 900,
    }
    alarms = [a["AlarmName"]["Ref"] for a in config["AutoRollbackConfiguration"]["Alarms"]]
    assert len(alarms) == 3
    # Each named alarm is a real CloudWatch alarm of the template.
    assert set(alarms) <= set(template.find_resources("AWS::CloudWatch::Alarm"))
    assert "DeploymentConfig" not in _props(template, "AWS::SageMaker::Endpoint", "Async")


def test_rollback_alarms_watch_what_fails_on_a_queue(built, template):
    guarded: AsyncEndpoint = built["guarded"]
    name = guarded.physical_endpoint_name
    errors = _props(template, "AWS::CloudWatch::Alarm", "GuardedAllTrafficErrorRateAlarm")
    assert (errors["MetricName"], errors["Statistic"], errors["Threshold"]) == ("Invocation5XXErrors", "Average", 0.01)
    assert {"Name": "VariantName", "Value": "AllTraffic"} in errors["Dimensions"]

    failures = _props(template, "AWS::CloudWatch::Alarm", "GuardedAllTrafficFailureRateAlarm")
    expression = next(m for m in failures["Metrics"] if "Expression" in m)
    assert expression["Expression"] == "failures / (failures + FILL(processed, 0))"
    used = {m["Id"]: m["MetricStat"]["Metric"] for m in failures["Metrics"] if "MetricStat" in m}
    assert used["failures"]["MetricName"] == "InvocationFailures"
    assert used["processed"]["MetricName"] == "InvocationsProcessed"
    assert {"Name": "EndpointName", "Value": name} in used["failures"]["Dimensions"]
    assert failures["Threshold"] == 0.01 and failures["TreatMissingData"] == "notBreaching"

    backlog = _props(template, "AWS::CloudWatch::Alarm", "GuardedBacklogWithoutCapacityAlarm")
    assert (backlog["MetricName"], backlog["Statistic"], backlog["Period"]) == (
        "HasBacklogWithoutCapacity",
        "Maximum",
        300,
    )
    assert backlog["Dimensions"] == [{"Name": "EndpointName", "Value": name}]
    # 15 minutes in a row: longer than a scale-out from zero.
    assert (backlog["EvaluationPeriods"], backlog["DatapointsToAlarm"], backlog["Threshold"]) == (3, 3, 1)
    assert len(guarded.rollback_alarms) == 3


def test_own_alarms_replace_or_join_the_default_ones():
    stack = new_stack()
    mine = cloudwatch.Alarm(
        stack,
        "Mine",
        metric=cloudwatch.Metric(namespace="AWS/SageMaker", metric_name="ApproximateAgeOfOldestRequest"),
        threshold=3600,
        evaluation_periods=1,
    )
    endpoint = AsyncEndpoint(
        stack,
        "Own",
        variant=InstanceVariant(model=cheap_model(stack), initial_instance_count=2),
        bucket=artifacts(stack),
        scaling=None,
        deployment=DeploymentGuardrails.linear(CapacitySize.instances(1), alarms=[mine], default_alarms=False),
    )
    assert endpoint.rollback_alarms == [mine]
    config = _props(Template.from_stack(stack), "AWS::SageMaker::Endpoint", "Own")["DeploymentConfig"]
    [only] = config["AutoRollbackConfiguration"]["Alarms"]
    assert only["AlarmName"]["Ref"].startswith("Mine")
    assert config["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["LinearStepSize"] == {
        "Type": "INSTANCE_COUNT",
        "Value": 1,
    }


class Shared(NamedTuple):
    model: Model
    serverless_model: Model
    bucket: SecureBucket


@pytest.fixture(scope="module")
def shared() -> Shared:
    """A cheap model, a serverless one and a bucket, in a stack of their own that is never synthesized,
    for the endpoints that must be rejected (each built in a fresh stack, ``Test/Bad``). Safe to
    share: ``AsyncEndpoint`` checks its input first, reading of the variant only its fields and its
    model's type, and of nothing the bucket, and raises before it grants or builds anything, so a
    rejected endpoint leaves all three as they were."""
    stack = new_stack(construct_id="Shared")
    bucket = artifacts(stack)
    return Shared(cheap_model(stack), serverless_model(stack, bucket=bucket), bucket)


#: Where the alarms of the bad-input parameters are imported (a stack never synthesized).
_IMPORTED = new_stack(construct_id="Imported")


@pytest.mark.parametrize(
    "deployment, kwargs, message",
    [
        (
            # Scales to zero: no whole instance is 50% of a fleet that may hold none.
            DeploymentGuardrails.canary(CapacitySize.instances(1)),
            {},
            "deployment.canary_size (instances)=1: must be above 0 to 50% of the variant's 0 instance(s), which no "
            "whole instance count is: use more instances or a percentage",
        ),
        (
            DeploymentGuardrails.canary(CapacitySize.instances(1)),
            {"scaling": None},
            "the variant's 1 instance(s), which no whole instance count is",
        ),
        (
            DeploymentGuardrails.canary(CapacitySize.percent(60)),
            {},
            "deployment.canary_size (percent)=60: must be an integer from 1 to 50",
        ),
        (
            DeploymentGuardrails.rolling(CapacitySize.instances(1)),
            {},
            "deployment.maximum_batch_size (instances)=1: must be 5% to 50% of the variant's 0 instance(s)",
        ),
        (
            DeploymentGuardrails.all_at_once(wait_interval=Duration.hours(2)),
            {},
            "deployment.wait_interval (seconds)=7200: must be an integer from 0 to 3600",
        ),
        (
            DeploymentGuardrails.all_at_once(default_alarms=False),
            {},
            "deployment.alarms=0: auto-rollback takes 1 to 10 alarms (3 default alarms unless default_alarms=False",
        ),
        (
            DeploymentGuardrails.all_at_once(
                alarms=[cloudwatch.Alarm.from_alarm_name(_IMPORTED, f"A{i}", f"a{i}") for i in range(8)]
            ),
            {},
            "deployment.alarms=11",
        ),
        (
            DeploymentGuardrails.all_at_once(),
            {"instance_type": "ml.inf1.xlarge"},
            "guardrails are not supported on Inf1 instances",
        ),
    ],
)
def test_rejects_guardrails_aws_would_refuse_or_ignore(deployment, kwargs, message, shared):
    scaling = {"scaling": kwargs.pop("scaling")} if "scaling" in kwargs else {}
    with pytest.raises(ConstructValidationError) as error:
        AsyncEndpoint(
            new_stack(),
            "Bad",
            variant=InstanceVariant(model=shared.model, initial_instance_count=1, **kwargs),
            bucket=shared.bucket,
            deployment=deployment,
            **scaling,
        )
    assert "AsyncEndpoint 'Test/Bad' has invalid input" in str(error.value)
    assert message in str(error.value)


def test_the_guarded_template_passes_cfn_lint(template):
    assert cfn_lint_errors(template) == []


def test_is_compliant_under_the_nag_packs(built):
    assert built["findings"] == []


# --- bad input -----------------------------------------------------------------------------------


def test_instance_scaling_is_refused_on_the_variant(built):
    """On the ``built`` endpoint that scales on its backlog (the default): the variant refuses before
    it changes anything, so the endpoint the other tests read stays as it was."""
    endpoint: AsyncEndpoint = built["endpoint"]
    with pytest.raises(ConstructValidationError, match="asynchronous endpoints scale on their backlog"):
        endpoint.variant().auto_scale_instance_count(max_capacity=3)
    assert endpoint.variant().scalable_target is None


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"variant": "serverless"},
            "variant='AllTraffic': is a ServerlessVariant: asynchronous endpoints run on instances",
        ),
        ({"output_prefix": "/out/"}, "output_prefix='/out/': must be a non-empty S3 key prefix"),
        ({"output_prefix": "same", "failure_prefix": "same"}, "must be three different prefixes"),
        ({"max_concurrent_invocations_per_instance": 0}, "max_concurrent_invocations_per_instance=0"),
        ({"max_concurrent_invocations_per_instance": 1001}, "max_concurrent_invocations_per_instance=1001"),
        (
            {"scaling": AsyncScalingOptions(min_capacity=3, max_capacity=2)},
            "scaling.min_capacity=3: must not be above max_capacity (2)",
        ),
        ({"scaling": AsyncScalingOptions(min_capacity=-1)}, "scaling.min_capacity=-1"),
        ({"scaling": AsyncScalingOptions(target_backlog_per_instance=0)}, "scaling.target_backlog_per_instance=0"),
        ({"variant": "ml.c5"}, "variant.instance_type='ml.c5'"),
    ],
)
def test_rejects_bad_input_with_a_clear_message(kwargs, message, shared):
    variant = kwargs.pop("variant", None)
    if variant == "serverless":
        variant = ServerlessVariant(model=shared.serverless_model)
    elif variant == "ml.c5":
        variant = InstanceVariant(model=shared.model, instance_type="ml.c5", initial_instance_count=1)
    else:
        variant = InstanceVariant(model=shared.model, initial_instance_count=1)
    with pytest.raises(ConstructValidationError) as error:
        AsyncEndpoint(new_stack(), "Bad", variant=variant, bucket=shared.bucket, **kwargs)
    assert "AsyncEndpoint 'Test/Bad' has invalid input" in str(error.value)
    assert message in str(error.value)
