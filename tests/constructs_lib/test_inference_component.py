"""Inference components: an endpoint hosting several models, each with its own reservation, copies and
autoscaling, down to zero copies and back (alarm -> step policy -> scalable target), rolling updates,
per-component grants and metrics, and the replacement rules."""

from __future__ import annotations

import json

import pytest
from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from constructs_lib import (
    INSTANCE_CAPACITY,
    ComponentRollingUpdate,
    ComputeReservation,
    ConstructValidationError,
    CopyBatch,
    InferenceComponent,
    InferenceComponentEndpoint,
    InstanceVariant,
    Model,
    RealtimeEndpoint,
    ServerlessEndpoint,
    ServerlessVariant,
)
from constructs_lib._core.roles import ManagedPolicyRole
from constructs_lib._core.service_model import enum
from tests.conftest import cfn_lint_errors, compliance_app, nag_findings, new_stack
from tests.constructs_lib.inference_fixtures import (
    artifacts,
    cheap_model,
    container,
    network,
    serverless_model,
    vpc_model,
)

SMALL = ComputeReservation(memory_mb=1024, cpu_cores=1)


def _build(stack, *, memory_mb: int = 1024):
    bucket = artifacts(stack)
    net = network(stack)
    model = vpc_model(stack, bucket=bucket, net=net)
    endpoint = InferenceComponentEndpoint(
        stack, "Endpoint", instance_type="ml.m5.xlarge", min_instance_count=0, max_instance_count=2
    )
    churn = endpoint.add_component(
        "Churn",
        model=model,
        reservation=ComputeReservation(memory_mb=memory_mb, cpu_cores=1),
        rolling_update=ComponentRollingUpdate(maximum_batch=CopyBatch.copies(1)),
    )
    churn.auto_scale_copy_count(min_copies=0, max_copies=4, target_invocations_per_copy=50)
    fraud = endpoint.add_component(
        "Fraud", container=container(bucket, key="models/fraud/model.tar.gz"), network=net, reservation=SMALL
    )
    return endpoint, churn, fraud


@pytest.fixture(scope="module")
def built():
    app = compliance_app()
    stack = new_stack(app, "Serve")
    endpoint, churn, fraud = _build(stack)
    client = ManagedPolicyRole(stack, "Client", assumed_by=iam.AccountRootPrincipal())
    churn.grant_invoke(client)
    findings = nag_findings(app)
    return {
        "template": Template.from_stack(stack),
        "findings": findings,
        "endpoint": endpoint,
        "churn": churn,
        "fraud": fraud,
    }


@pytest.fixture(scope="module")
def template(built) -> Template:
    return built["template"]


def _one(template, kind, prefix):
    found = {k: v for k, v in template.find_resources(kind).items() if k.startswith(prefix)}
    assert len(found) == 1, (kind, prefix, list(found))
    return next(iter(found.items()))


def _props(template, kind, prefix):
    return _one(template, kind, prefix)[1]["Properties"]


def test_endpoint_config_has_an_execution_role_and_variants_without_a_model(template):
    config = _props(template, "AWS::SageMaker::EndpointConfig", "EndpointConfig")
    assert "ExecutionRoleArn" in config and "KmsKeyId" in config
    (variant,) = config["ProductionVariants"]
    assert "ModelName" not in variant
    assert variant["InstanceType"] == "ml.m5.xlarge" and variant["InitialInstanceCount"] == 1
    assert variant["ManagedInstanceScaling"] == {"Status": "ENABLED", "MinInstanceCount": 0, "MaxInstanceCount": 2}
    assert variant["RoutingConfig"] == {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"}


def test_each_component_has_its_reservation_model_and_copies(template, built):
    churn = _props(template, "AWS::SageMaker::InferenceComponent", "EndpointChurn")
    assert churn["InferenceComponentName"] == built["churn"].physical_name
    assert churn["EndpointName"] == {
        "Fn::GetAtt": [_one(template, "AWS::SageMaker::Endpoint", "Endpoint")[0], "EndpointName"]
    }
    assert churn["VariantName"] == "AllTraffic"
    assert churn["Specification"]["ComputeResourceRequirements"] == {
        "MinMemoryRequiredInMb": 1024,
        "NumberOfCpuCoresRequired": 1,
    }
    assert churn["Specification"]["ModelName"]["Fn::GetAtt"][1] == "ModelName"
    assert churn["RuntimeConfig"] == {"CopyCount": 1}


def test_a_container_component_gets_its_own_isolated_model_in_the_network(template):
    model = _props(template, "AWS::SageMaker::Model", "EndpointFraudModel")
    assert model["EnableNetworkIsolation"] is True and "VpcConfig" in model
    fraud = _props(template, "AWS::SageMaker::InferenceComponent", "EndpointFraud")
    assert fraud["Specification"]["ModelName"] == {
        "Fn::GetAtt": [_one(template, "AWS::SageMaker::Model", "EndpointFraudModel")[0], "ModelName"]
    }


def test_copies_scale_on_invocations_per_copy_down_to_zero(template, built):
    target = _props(template, "AWS::ApplicationAutoScaling::ScalableTarget", "EndpointChurnScaling")
    assert (target["MinCapacity"], target["MaxCapacity"]) == (0, 4)
    assert target["ScalableDimension"] == "sagemaker:inference-component:DesiredCopyCount"
    assert target["ResourceId"] == f"inference-component/{built['churn'].physical_name}"
    assert target["ServiceNamespace"] == "sagemaker"
    policy = _props(template, "AWS::ApplicationAutoScaling::ScalingPolicy", "EndpointChurnScalingTrack")
    config = policy["TargetTrackingScalingPolicyConfiguration"]
    assert config["PredefinedMetricSpecification"]["PredefinedMetricType"] == (
        "SageMakerInferenceComponentInvocationsPerCopy"
    )
    assert config["TargetValue"] == 50


def test_scale_out_from_zero_is_wired_end_to_end(template, built):
    """The alarm on the component's NoCapacityInvocationFailures triggers the step policy, which adds
    one copy to the component's scalable target (its resource id names the component)."""
    alarm = _props(template, "AWS::CloudWatch::Alarm", "EndpointChurnNoCapacityAlarm")
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == (
        "AWS/SageMaker",
        "NoCapacityInvocationFailures",
        "Sum",
    )
    assert alarm["Dimensions"] == [{"Name": "InferenceComponentName", "Value": built["churn"].physical_name}]
    assert (alarm["Threshold"], alarm["ComparisonOperator"], alarm["EvaluationPeriods"], alarm["Period"]) == (
        1,
        "GreaterThanOrEqualToThreshold",
        1,
        60,
    )
    policy_id, policy = _one(template, "AWS::ApplicationAutoScaling::ScalingPolicy", "EndpointChurnScaleOutFromZero")
    assert alarm["AlarmActions"] == [{"Ref": policy_id}]
    step = policy["Properties"]["StepScalingPolicyConfiguration"]
    assert step["AdjustmentType"] == "ChangeInCapacity"
    assert step["StepAdjustments"] == [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]
    target_id, target = _one(template, "AWS::ApplicationAutoScaling::ScalableTarget", "EndpointChurnScaling")
    assert policy["Properties"]["ScalingTargetId"] == {"Ref": target_id}
    assert target["Properties"]["ResourceId"] == f"inference-component/{built['churn'].physical_name}"
    assert alarm["Dimensions"][0]["Value"] in target["Properties"]["ResourceId"]


def test_a_component_with_copies_has_no_scale_from_zero(template):
    assert not [k for k in template.find_resources("AWS::CloudWatch::Alarm") if k.startswith("EndpointFraudNoCapacity")]


def test_rolling_updates_roll_back_on_the_components_alarms(template, built):
    config = _props(template, "AWS::SageMaker::InferenceComponent", "EndpointChurn")["DeploymentConfig"]
    assert config["RollingUpdatePolicy"] == {
        "MaximumBatchSize": {"Type": "COPY_COUNT", "Value": 1},
        "WaitIntervalInSeconds": 300,
    }
    names = [a["AlarmName"]["Ref"] for a in config["AutoRollbackConfiguration"]["Alarms"]]
    assert len(names) == 2
    errors = template.to_json()["Resources"][names[0]]["Properties"]
    assert errors["MetricName"] == "Invocation5XXErrors"
    assert errors["Dimensions"] == [{"Name": "InferenceComponentName", "Value": built["churn"].physical_name}]


def test_grant_invoke_names_the_endpoint_and_the_component_only(template, built):
    statements = [
        s
        for p in template.find_resources("AWS::IAM::ManagedPolicy").values()
        if "Client" in json.dumps(p["Properties"]["Roles"])
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    (statement,) = statements
    assert statement["Action"] == ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"]
    endpoint_id = _one(template, "AWS::SageMaker::Endpoint", "Endpoint")[0]
    churn_id = _one(template, "AWS::SageMaker::InferenceComponent", "EndpointChurn")[0]
    assert sorted(map(json.dumps, statement["Resource"])) == sorted(
        map(json.dumps, [{"Ref": endpoint_id}, {"Fn::GetAtt": [churn_id, "InferenceComponentArn"]}])
    )


def test_metrics_are_per_component(built):
    churn = built["churn"]
    metric = churn.metric_invocations()
    assert metric.namespace == "AWS/SageMaker" and metric.dimensions == {"InferenceComponentName": churn.physical_name}
    assert churn.metric_cpu_utilization().namespace == "/aws/sagemaker/InferenceComponents"


def test_the_execution_role_writes_only_this_endpoints_logs(template, built):
    role_id = _one(template, "AWS::IAM::Role", "EndpointRole")[0]
    policy = next(
        p
        for p in template.find_resources("AWS::IAM::ManagedPolicy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
    )
    logs = next(s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Sid"] == "EndpointLogs")
    assert built["endpoint"].physical_endpoint_name in json.dumps(logs["Resource"])


def test_passes_cfn_lint(template):
    assert cfn_lint_errors(template) == []


def test_is_compliant_under_the_nag_packs(built):
    assert built["findings"] == []


@pytest.fixture(scope="module")
def dev_serve() -> tuple[InferenceComponent, dict, dict]:
    """``_build`` in a stack ``DevServe``, and in another ``DevServe`` with twice the reservation: the
    first's Churn component, and both templates' resources, synthesized once. Its tests only read
    them (the component's name is fixed when it is built)."""
    before, after = new_stack(construct_id="DevServe"), new_stack(construct_id="DevServe")
    _, churn, _ = _build(before, memory_mb=1024)
    _build(after, memory_mb=2048)
    return churn, Template.from_stack(before).to_json()["Resources"], Template.from_stack(after).to_json()["Resources"]


def test_component_names_are_unique_per_environment(dev_serve):
    first, _, _ = dev_serve
    second = _build(new_stack(construct_id="ProdServe"))[1]
    assert first.node.path == "DevServe/Endpoint/Churn" and second.node.path == "ProdServe/Endpoint/Churn"
    names = [first.physical_name, second.physical_name]
    assert names[0] != names[1] and all(len(n) <= 63 for n in names)


def test_a_new_model_or_reservation_updates_the_component_and_nothing_else(dev_serve):
    """No property of AWS::SageMaker::InferenceComponent is create-only, and the endpoint and its
    configuration do not depend on the components: a routine change replaces nothing."""
    _, before, after = dev_serve
    assert before.keys() == after.keys()
    changed = {k for k in before if before[k] != after[k]}
    assert {before[k]["Type"] for k in changed} == {"AWS::SageMaker::InferenceComponent"}
    schema = _schema("AWS::SageMaker::InferenceComponent")
    assert not schema.get("createOnlyProperties")


def _schema(type_name: str) -> dict:
    from pathlib import Path

    import cfnlint

    base = Path(cfnlint.__file__).parent / "data" / "schemas"
    digest = json.loads((base / "providers" / "us-east-1.json").read_text())[type_name]
    return json.loads((base / "resources" / f"{digest}.json").read_text())


def test_the_capacity_table_holds_only_types_sagemaker_hosts():
    assert set(INSTANCE_CAPACITY) <= set(enum("ProductionVariantInstanceType"))
    assert INSTANCE_CAPACITY["ml.g5.12xlarge"].accelerators == 4
    assert INSTANCE_CAPACITY["ml.m5.xlarge"].memory_mb == 16 * 1024


def test_idle_cost_counts_the_instances_of_fixed_copies_only(built):
    """Churn scales to zero copies; Fraud keeps its one copy, so one instance stays."""
    (item,) = built["endpoint"].always_on_capacity()
    assert item.quantity == 1


def test_an_endpoint_whose_components_scale_to_zero_costs_no_instances_idle():
    stack = new_stack()
    endpoint = InferenceComponentEndpoint(
        stack, "E", instance_type="ml.m5.large", min_instance_count=0, max_instance_count=2
    )
    component = endpoint.add_component("A", model=cheap_model(stack), reservation=SMALL)
    component.auto_scale_copy_count(min_copies=0, max_copies=2)
    (item,) = endpoint.always_on_capacity()
    assert item.quantity == 0 and "scales to zero" in item.description


def test_fixed_copies_keep_instances_in_the_idle_cost():
    stack = new_stack()
    endpoint = InferenceComponentEndpoint(stack, "E", instance_type="ml.m5.large", max_instance_count=4)
    endpoint.add_component("A", model=cheap_model(stack), reservation=ComputeReservation(memory_mb=6000), copy_count=3)
    (item,) = endpoint.always_on_capacity()
    assert item.quantity == 3  # 3 x 6000 MiB on 8 GiB instances: at least 3 instances


# --- bad input -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_model() -> Model:
    """A cheap model, in a stack of its own that is never synthesized, for the components that must
    be rejected (each on an endpoint in a fresh stack ``Test``). Safe to share: a component checks
    its input first (of the model, only whether one is given) and the scaling checks read only the
    component; a component built on the model, as in ``test_bad_copy_scaling_fails``, only reads
    its name: nothing is added to it."""
    return cheap_model(new_stack(construct_id="Shared"))


@pytest.mark.parametrize(
    "reservation, message",
    [
        (ComputeReservation(memory_mb=32768), "reservation.memory_mb=32768: a copy must fit on one ml.m5.xlarge"),
        (ComputeReservation(memory_mb=1024, cpu_cores=8), "reservation.cpu_cores=8: a copy must fit on one"),
        (ComputeReservation(memory_mb=1024, accelerators=1), "reservation.accelerators=1: a copy must fit on one"),
        (ComputeReservation(memory_mb=64), "reservation.memory_mb=64: must be an integer of at least 128"),
        (ComputeReservation(memory_mb=1024, cpu_cores=0.1), "reservation.cpu_cores=0.1"),
        (ComputeReservation(memory_mb=2048, max_memory_mb=1024), "reservation.max_memory_mb=2048: must be at least"),
    ],
)
def test_a_reservation_larger_than_the_instance_fails(reservation, message, shared_model):
    endpoint = InferenceComponentEndpoint(new_stack(), "E", instance_type="ml.m5.xlarge", max_instance_count=1)
    with pytest.raises(ConstructValidationError) as error:
        endpoint.add_component("Bad", model=shared_model, reservation=reservation)
    assert "InferenceComponent 'Test/E/Bad' has invalid input" in str(error.value)
    assert message in str(error.value)


def test_initial_copies_beyond_the_fleet_fail(shared_model):
    endpoint = InferenceComponentEndpoint(new_stack(), "E", instance_type="ml.m5.large", max_instance_count=1)
    with pytest.raises(ConstructValidationError, match=r"need at least 2 ml.m5.large instances"):
        endpoint.add_component("A", model=shared_model, reservation=ComputeReservation(memory_mb=6000), copy_count=2)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"min_copies": 3, "max_copies": 2}, "auto_scale_copy_count.min_copies=3: must not be above max_copies (2)"),
        ({"min_copies": -1, "max_copies": 2}, "auto_scale_copy_count.min_copies=-1: must be an integer of at least 0"),
        ({"min_copies": 2, "max_copies": 4}, "must include the component's copy_count (1)"),
        ({"max_copies": 2, "target_invocations_per_copy": 0}, "target_invocations_per_copy=0"),
    ],
)
def test_bad_copy_scaling_fails(kwargs, message, shared_model):
    endpoint = InferenceComponentEndpoint(new_stack(), "E", instance_type="ml.m5.xlarge", max_instance_count=1)
    component = endpoint.add_component("C", model=shared_model, reservation=SMALL)
    with pytest.raises(ConstructValidationError) as error:
        component.auto_scale_copy_count(**kwargs)
    assert message in str(error.value)


def test_components_on_a_serverless_endpoint_fail(shared_model):
    stack = new_stack()
    serverless = ServerlessEndpoint(stack, "S", variant=ServerlessVariant(model=serverless_model(stack)))
    with pytest.raises(ConstructValidationError, match="serverless endpoints host no components"):
        InferenceComponent(stack, "C", endpoint=serverless, model=shared_model, reservation=SMALL)  # type: ignore[arg-type]


def test_components_with_classic_model_variants_fail(shared_model):
    """The real-time endpoint on ``shared_model`` only reads its name (see ``shared_model``)."""
    stack = new_stack()
    model = shared_model
    realtime = RealtimeEndpoint(stack, "R", variants=[InstanceVariant(model=model)])
    with pytest.raises(ConstructValidationError, match="AWS does not mix components with classic variants"):
        InferenceComponent(stack, "C", endpoint=realtime, model=model, reservation=SMALL)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"instance_type": "ml.inf2.xlarge"}, "instance_type='ml.inf2.xlarge': must be one of the"),
        ({"min_instance_count": 3}, "min_instance_count=3: must not be above max_instance_count (2)"),
        ({"max_instance_count": 0}, "max_instance_count=0"),
        ({"initial_instance_count": 0}, "initial_instance_count=0"),
        ({"endpoint_name": "bad_name"}, "endpoint_name='bad_name'"),
    ],
)
def test_bad_endpoint_bounds_fail(kwargs, message):
    stack = new_stack()
    args = {"instance_type": "ml.m5.xlarge", "max_instance_count": 2, **kwargs}
    with pytest.raises(ConstructValidationError) as error:
        InferenceComponentEndpoint(stack, "E", **args)
    assert message in str(error.value)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"model": None}, "model/container=None: give exactly one"),
        ({"copy_count": -1}, "copy_count=-1"),
        ({"inference_component_name": "bad_name"}, "inference_component_name='bad_name'"),
        ({"rolling_update": ComponentRollingUpdate(maximum_batch=CopyBatch.percent(80))}, "maximum_batch (percent)=80"),
        ({"rolling_update": ComponentRollingUpdate(wait_interval=Duration.hours(2))}, "wait_interval (seconds)=7200"),
        ({"rolling_update": ComponentRollingUpdate(default_alarms=False)}, "auto-rollback takes 1 to 10 alarms"),
        ({"model_data_download_timeout": Duration.seconds(10)}, "model_data_download_timeout (seconds)=10"),
    ],
)
def test_bad_component_input_fails(kwargs, message, shared_model):
    endpoint = InferenceComponentEndpoint(new_stack(), "E", instance_type="ml.m5.xlarge", max_instance_count=1)
    args = {"model": shared_model, "reservation": SMALL, **kwargs}
    with pytest.raises(ConstructValidationError) as error:
        endpoint.add_component("Bad", **args)
    assert message in str(error.value)


def test_import_grants_and_metrics_by_name():
    stack = new_stack()
    imported = InferenceComponent.from_inference_component_name(stack, "Ic", "Churn-IC", endpoint_name="shared")
    role = ManagedPolicyRole(stack, "Client", assumed_by=iam.AccountRootPrincipal())
    imported.grant_invoke(role)
    statement = Template.from_stack(stack).to_json()
    text = json.dumps(statement)
    assert "inference-component/churn-ic" in text and "endpoint/shared" in text
    assert imported.metric("Invocations").dimensions == {"InferenceComponentName": "Churn-IC"}


def test_the_run_time_contract_checks_the_components_model_may_write_the_endpoints_logs():
    """Canary: a model that may write only another endpoint's logs fails the contract check at synth."""
    app = compliance_app()
    stack = new_stack(app, "Serve")
    bucket = artifacts(stack)
    model = vpc_model(stack, bucket=bucket, net=network(stack), endpoint_names=["someone-else"])
    endpoint = InferenceComponentEndpoint(stack, "E", instance_type="ml.m5.large", max_instance_count=1)
    endpoint.add_component("C", model=model, reservation=SMALL)
    findings = nag_findings(app)
    assert findings and all("Serve/E/C" in f or "Serve/Model" in f for f in findings), findings
