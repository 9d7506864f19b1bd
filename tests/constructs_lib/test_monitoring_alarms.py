from typing import NamedTuple

import pytest
from aws_cdk import Duration
from aws_cdk.assertions import Match, Template
from constructs import Construct

from constructs_lib import (
    ComputeReservation,
    ConstructValidationError,
    DataCaptureOptions,
    DataQualityMonitorOptions,
    InferenceComponent,
    InferenceComponentEndpoint,
    ModelMonitor,
    ModelQualityMonitorOptions,
    ModelQualityThreshold,
    MonitoringAlarms,
    PrivateNetwork,
    SecureBucket,
)
from tests.conftest import cfn_lint_errors, compliance_app, nag_findings, new_stack
from tests.constructs_lib.fakes import FakeEndpoint
from tests.constructs_lib.inference_fixtures import cheap_model

ZONES = ["eu-west-1a", "eu-west-1b"]


def monitored(stack) -> tuple[FakeEndpoint, ModelMonitor]:
    """An endpoint that captures data, and its data and model quality monitors."""
    bucket = SecureBucket(stack, "Data")
    endpoint = FakeEndpoint(stack, "Endpoint", data_capture=DataCaptureOptions(bucket=bucket))
    monitor = ModelMonitor(
        stack,
        "Monitor",
        endpoint=endpoint,
        network=PrivateNetwork(stack, "Net", availability_zones=ZONES),
        data_quality=DataQualityMonitorOptions(),
        model_quality=ModelQualityMonitorOptions(problem_type="Regression", ground_truth_s3_uri="s3://labels-1/gt"),
        schedule_name_prefix="churn",
    )
    return endpoint, monitor


def alarms_of(stack, endpoint, monitor, **kwargs) -> MonitoringAlarms:
    """``MonitoringAlarms`` ``Alarms`` in ``stack`` on ``monitored``'s endpoint and monitor."""
    kwargs.setdefault("feature_drift_thresholds", {"age": 0.2, "income_bracket": 0.3})
    kwargs.setdefault("model_quality_thresholds", [ModelQualityThreshold("rmse", 12.5, lower_is_worse=False)])
    kwargs.setdefault("email_addresses", ["ml-oncall@example.com"])
    return MonitoringAlarms(stack, "Alarms", endpoint=endpoint, monitor=monitor, alarm_name_prefix="churn", **kwargs)


def build(stack, **kwargs) -> MonitoringAlarms:
    """``alarms_of`` a new ``monitored`` endpoint in ``stack`` (test_keys_by_purpose builds with it)."""
    return alarms_of(stack, *monitored(stack), **kwargs)


class Built(NamedTuple):
    alarms: MonitoringAlarms
    endpoint: FakeEndpoint
    monitor: ModelMonitor
    template: Template
    findings: list[str]


@pytest.fixture(scope="module")
def synthesized() -> Built:
    """The alarms of a monitored endpoint, in an app with the compliance packs: synthesized once, for
    the packs' findings (``nag_findings``) and the template the other tests read (``Template.from_stack``
    reads that synthesis's assembly). The tests of rejected alarms read its endpoint and monitor."""
    app = compliance_app()
    stack = new_stack(app)
    endpoint, monitor = monitored(stack)
    alarms = alarms_of(stack, endpoint, monitor)
    findings = nag_findings(app)
    return Built(alarms, endpoint, monitor, Template.from_stack(stack), findings)


@pytest.fixture(scope="module")
def template(synthesized) -> Template:
    return synthesized.template


def rejected_alarms(synthesized: Built, **kwargs) -> MonitoringAlarms:
    """``alarms_of`` in a fresh stack ``Test``, on the ``synthesized`` fixture's endpoint and monitor:
    for alarms that must be rejected. ``MonitoringAlarms`` validates before it builds anything, and
    reads of the monitor only its schedule names, so the shared stack gains nothing."""
    return alarms_of(new_stack(), synthesized.endpoint, synthesized.monitor, **kwargs)


def test_drift_alarms_watch_the_data_quality_metrics(template):
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "churn-feature-drift-age",
            "Namespace": "aws/sagemaker/Endpoints/data-metrics",
            "MetricName": "feature_baseline_drift_age",
            "Dimensions": Match.array_with(
                [
                    {"Name": "Endpoint", "Value": "churn-endpoint"},
                    {"Name": "MonitoringSchedule", "Value": "churn-data-quality"},
                ]
            ),
            "Threshold": 0.2,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
        },
    )


def test_model_quality_alarm_fires_on_the_bad_side_of_the_threshold(template):
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "churn-model-quality-rmse",
            "Namespace": "aws/sagemaker/Endpoints/model-metrics",
            "MetricName": "rmse",
            "Threshold": 12.5,
            "ComparisonOperator": "GreaterThanThreshold",
        },
    )


def test_endpoint_health_alarms_on_5xx_rate_and_latency(template):
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "churn-5xx-rate-AllTraffic",
            "Threshold": 1,
            "EvaluationPeriods": 2,
            "Metrics": Match.array_with(
                [
                    Match.object_like({"Expression": "IF(invocations > 0, 100 * errors / invocations, 0)"}),
                    Match.object_like(
                        {
                            "Id": "errors",
                            "MetricStat": Match.object_like(
                                {
                                    "Metric": Match.object_like(
                                        {"MetricName": "Invocation5XXErrors", "Namespace": "AWS/SageMaker"}
                                    )
                                }
                            ),
                        }
                    ),
                ]
            ),
        },
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "churn-model-latency-AllTraffic",
            "MetricName": "ModelLatency",
            "ExtendedStatistic": "p90",
            "Threshold": 1_000_000,
            "EvaluationPeriods": 3,
        },
    )


def test_every_alarm_notifies_the_encrypted_topic(template):
    topic_id = next(iter(template.find_resources("AWS::SNS::Topic")))
    for alarm in template.find_resources("AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]
    template.resource_count_is("AWS::CloudWatch::Alarm", 5)
    topic = template.find_resources("AWS::SNS::Topic")[topic_id]["Properties"]
    assert "Fn::GetAtt" in topic["KmsMasterKeyId"]
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                )
            }
        },
    )
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ml-oncall@example.com"}
    )


def test_failed_or_violating_monitoring_runs_are_sent_to_the_topic(template):
    rule = next(iter(template.find_resources("AWS::Events::Rule").values()))["Properties"]
    pattern = rule["EventPattern"]
    assert pattern["detail-type"] == ["SageMaker Processing Job State Change"]
    assert len(pattern["detail"]["MonitoringScheduleArn"]) == 2
    assert {"ProcessingJobStatus": ["Failed", "Stopped"]} in pattern["detail"]["$or"]
    assert {"ExitMessage": [{"prefix": "CompletedWithViolations"}]} in pattern["detail"]["$or"]
    assert rule["Targets"][0]["Arn"] == {"Ref": next(iter(template.find_resources("AWS::SNS::Topic")))}


def test_monitoring_run_events_that_cannot_be_published_are_retried_then_kept(template):
    target = next(iter(template.find_resources("AWS::Events::Rule").values()))["Properties"]["Targets"][0]
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600}
    dlq = target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
    assert dlq.startswith("AlarmsDeadLetterQueue")
    queue = template.find_resources("AWS::SQS::Queue")[dlq]
    assert "KmsMasterKeyId" in queue["Properties"] and queue["DeletionPolicy"] == "Retain"
    template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "Queues": [{"Ref": dlq}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage"})]
                )
            },
        },
    )


def test_rejects_a_retry_policy_eventbridge_would_refuse(synthesized):
    with pytest.raises(
        ConstructValidationError,
        match=r"max_event_age \(seconds\)=172800: must be an integer from "
        r"60 to 86400",
    ):
        rejected_alarms(synthesized, max_event_age=Duration.days(2))


def test_drift_and_health_alarms_are_exposed_apart(synthesized):
    alarms = synthesized.alarms
    assert len(alarms.drift_alarms) == 3 and len(alarms.health_alarms) == 2


def test_health_alarms_only_without_a_monitor():
    stack = new_stack()
    endpoint = FakeEndpoint(stack, "E")
    MonitoringAlarms(
        stack, "Alarms", endpoint=endpoint, variant_names=["Blue", "Green"], max_model_latency=Duration.millis(250)
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::CloudWatch::Alarm", 4)
    template.resource_count_is("AWS::Events::Rule", 0)
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "ModelLatency",
            "Threshold": 250_000,
            "Dimensions": Match.array_with([{"Name": "VariantName", "Value": "Green"}]),
        },
    )


def test_is_compliant_under_the_nag_packs(synthesized):
    assert synthesized.findings == []


def test_template_passes_cfn_lint(template):
    assert cfn_lint_errors(template) == []


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"feature_drift_thresholds": {"age": 1.5}},
            "feature_drift_thresholds['age']=1.5: must be a number from 0 to 1",
        ),
        ({"feature_drift_thresholds": {"bad name": 0.1}}, "feature_drift_thresholds['bad name'] (feature name)"),
        ({"variant_names": []}, "variant_names=[]: name at least one variant"),
        ({"max_5xx_error_rate_percent": 150}, "max_5xx_error_rate_percent=150"),
        ({"email_addresses": ["not-an-email"]}, "email_addresses='not-an-email'"),
        (
            {"model_quality_thresholds": [ModelQualityThreshold("f1", 0.8), ModelQualityThreshold("f1", 0.7)]},
            "model_quality_thresholds (metric names)=['f1']",
        ),
    ],
)
def test_rejects_invalid_input(synthesized, kwargs, message):
    with pytest.raises(ConstructValidationError) as error:
        rejected_alarms(synthesized, **kwargs)
    assert "MonitoringAlarms 'Test/Alarms'" in str(error.value) and message in str(error.value)


def test_drift_thresholds_need_a_data_quality_monitor():
    stack = new_stack()
    with pytest.raises(ConstructValidationError, match="feature_drift_thresholds=\\['age'\\]: need a monitor"):
        MonitoringAlarms(stack, "Alarms", endpoint=FakeEndpoint(stack, "E"), feature_drift_thresholds={"age": 0.1})


# --- endpoints with inference components: SageMaker publishes their invocation metrics per component ---

SMALL = ComputeReservation(memory_mb=1024, cpu_cores=1)


def _component_endpoint(stack, construct_id: str = "Endpoint", components: tuple[str, ...] = ("Churn", "Fraud")):
    endpoint = InferenceComponentEndpoint(
        stack, construct_id, instance_type="ml.m5.xlarge", min_instance_count=0, max_instance_count=2
    )
    model = cheap_model(stack, f"{construct_id}Model")
    hosted = [endpoint.add_component(name, model=model, reservation=SMALL) for name in components]
    for component in hosted:
        component.auto_scale_copy_count(min_copies=0, max_copies=2)  # idle: zero copies, no metrics
    return endpoint, hosted


@pytest.fixture(scope="module")
def component_endpoint():
    """``_component_endpoint`` (``Test/Endpoint``, components ``Churn`` and ``Fraud``), built once in a
    stack never synthesized, for alarms that must be rejected, each in a fresh stack ``Test``: the
    checks read the endpoint's components, their ids and the names of the endpoints that host them,
    and fail before anything is built."""
    endpoint, _ = _component_endpoint(new_stack())
    return endpoint


@pytest.fixture(scope="module")
def endpoint_without_components():
    """``_component_endpoint`` with no component yet (``Test/Endpoint``), shared like
    ``component_endpoint``: by tests of alarms that must be rejected."""
    endpoint, _ = _component_endpoint(new_stack(), components=())
    return endpoint


class ComponentAlarms(NamedTuple):
    alarms: MonitoringAlarms
    hosted: list[InferenceComponent]
    subset: MonitoringAlarms
    template: Template
    findings: list[str]


@pytest.fixture(scope="module")
def component_alarms() -> ComponentAlarms:
    """The alarms of ``_component_endpoint``'s components (``Alarms``, prefix ``churn``), besides the
    alarms of a subset of them (``Subset``, ``one``) and of a component of an imported endpoint
    (``Imported``, ``shared``), in an app with the compliance packs: synthesized once, for the packs'
    findings and the template the tests of component endpoints read."""
    app = compliance_app()
    stack = new_stack(app)
    endpoint, hosted = _component_endpoint(stack)
    alarms = MonitoringAlarms(stack, "Alarms", endpoint=endpoint, alarm_name_prefix="churn")
    subset = MonitoringAlarms(stack, "Subset", endpoint=endpoint, components=[hosted[0]], alarm_name_prefix="one")
    imported = InferenceComponentEndpoint.from_endpoint_name(stack, "Shared", "shared-endpoint")
    component = InferenceComponent.from_inference_component_name(
        stack, "Ranker", "ranker-v2", endpoint_name="shared-endpoint"
    )
    MonitoringAlarms(stack, "Imported", endpoint=imported, components=[component], alarm_name_prefix="shared")
    findings = nag_findings(app)
    return ComponentAlarms(alarms, hosted, subset, Template.from_stack(stack), findings)


def _alarm_props(template: Template) -> list[dict]:
    return [a["Properties"] for a in template.find_resources("AWS::CloudWatch::Alarm").values()]


def _dimension_names(alarm: dict) -> set[str]:
    metrics = [alarm, *(m["MetricStat"]["Metric"] for m in alarm.get("Metrics", []) if "MetricStat" in m)]
    return {d["Name"] for m in metrics for d in m.get("Dimensions", [])}


def test_an_endpoint_with_components_is_watched_per_component(component_alarms):
    """Its variant serves no model: the 5XX and latency alarms watch each component's metrics
    (InferenceComponentName), none the variant's, and an idle component (no data) does not breach."""
    alarms, (churn, fraud), template = component_alarms.alarms, component_alarms.hosted, component_alarms.template
    assert alarms.health_alarm_names == (
        "churn-5xx-rate-Churn",
        "churn-model-latency-Churn",
        "churn-5xx-rate-Fraud",
        "churn-model-latency-Fraud",
    )
    for component in (churn, fraud):
        dimensions = [{"Name": "InferenceComponentName", "Value": component.physical_name}]
        template.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {
                "AlarmName": f"churn-5xx-rate-{component.node.id}",
                "Threshold": 1,
                "EvaluationPeriods": 2,
                "TreatMissingData": "notBreaching",
                "Metrics": Match.array_with(
                    [
                        Match.object_like({"Expression": "IF(invocations > 0, 100 * errors / invocations, 0)"}),
                        {
                            "Id": "errors",
                            "ReturnData": False,
                            "MetricStat": {
                                "Metric": {
                                    "Namespace": "AWS/SageMaker",
                                    "MetricName": "Invocation5XXErrors",
                                    "Dimensions": dimensions,
                                },
                                "Period": 300,
                                "Stat": "Sum",
                            },
                        },
                        {
                            "Id": "invocations",
                            "ReturnData": False,
                            "MetricStat": {
                                "Metric": {
                                    "Namespace": "AWS/SageMaker",
                                    "MetricName": "Invocations",
                                    "Dimensions": dimensions,
                                },
                                "Period": 300,
                                "Stat": "Sum",
                            },
                        },
                    ]
                ),
            },
        )
        template.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {
                "AlarmName": f"churn-model-latency-{component.node.id}",
                "Namespace": "AWS/SageMaker",
                "MetricName": "ModelLatency",
                "Dimensions": dimensions,
                "ExtendedStatistic": "p90",
                "Period": 300,
                "Threshold": 1_000_000,
                "TreatMissingData": "notBreaching",
            },
        )
    health = [a for a in _alarm_props(template) if a.get("AlarmName", "").startswith("churn-")]
    assert len(health) == 4
    assert all(_dimension_names(a) == {"InferenceComponentName"} for a in health)


def test_instance_endpoints_are_still_watched_per_variant(template):
    health = [a for a in _alarm_props(template) if "5xx-rate" in a["AlarmName"] or "latency" in a["AlarmName"]]
    assert health and all(_dimension_names(a) == {"EndpointName", "VariantName"} for a in health)


def test_components_can_be_chosen_or_imported(component_alarms):
    """``components=`` watches a subset, or the components of an endpoint defined elsewhere (the
    ``component_alarms`` fixture's ``Subset`` and ``Imported``)."""
    assert component_alarms.subset.health_alarm_names == ("one-5xx-rate-Churn", "one-model-latency-Churn")
    component_alarms.template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "shared-model-latency-Ranker",
            "Dimensions": [{"Name": "InferenceComponentName", "Value": "ranker-v2"}],
        },
    )


def _other_endpoint_component(stack):
    _, (other,) = _component_endpoint(stack, "Other", ("Elsewhere",))
    return other


@pytest.mark.parametrize(
    "arguments, message",
    [
        (
            lambda stack: {"variant_names": ["AllTraffic"]},
            "variant_names=['AllTraffic']: applies to endpoints without inference components: an endpoint with "
            "components publishes its invocation metrics per component (InferenceComponentName), not per variant",
        ),
        (lambda stack: {"components": []}, "components=[]: name at least one component (or leave it out)"),
        (
            lambda stack: {"components": ["churn"]},
            "components[0]='str': must be an IInferenceComponent (InferenceComponent, or "
            "InferenceComponent.from_inference_component_name)",
        ),
        (
            lambda stack: {"components": [_other_endpoint_component(stack)]},
            "components['Elsewhere']='Test/Other/Elsewhere': is hosted by endpoint 'Test-Other-",
        ),
        (
            lambda stack: {
                "components": [
                    InferenceComponent.from_inference_component_name(stack, "A", "a", endpoint_name="e"),
                    InferenceComponent.from_inference_component_name(stack, "B", "b", endpoint_name="e"),
                ]
            },
            "is hosted by endpoint 'e', not by the watched endpoint 'Test-Endpoint-",
        ),
    ],
)
def test_rejects_components_sagemaker_publishes_no_metrics_for_here(component_endpoint, arguments, message):
    stack = new_stack()
    with pytest.raises(ConstructValidationError) as error:
        MonitoringAlarms(stack, "Alarms", endpoint=component_endpoint, **arguments(stack))
    assert "MonitoringAlarms 'Test/Alarms'" in str(error.value) and message in str(error.value)


def test_rejects_components_with_the_same_construct_id(endpoint_without_components):
    endpoint = endpoint_without_components
    stack = new_stack()
    first = InferenceComponent.from_inference_component_name(
        stack, "Churn", "churn-a", endpoint_name=endpoint.physical_endpoint_name
    )
    scope = Construct(stack, "Other")  # another scope, the same id
    second = InferenceComponent.from_inference_component_name(
        scope, "Churn", "churn-b", endpoint_name=endpoint.physical_endpoint_name
    )
    with pytest.raises(ConstructValidationError, match=r"components \(construct ids\)=\['Churn'\]"):
        MonitoringAlarms(stack, "Alarms", endpoint=endpoint, components=[first, second])


def test_rejects_an_endpoint_with_components_that_has_none_yet(endpoint_without_components):
    with pytest.raises(
        ConstructValidationError,
        match=r"endpoint='Test/Endpoint': hosts inference components but has none yet: add them "
        r"\(endpoint.add_component\) before MonitoringAlarms, or pass components=",
    ):
        MonitoringAlarms(new_stack(), "Alarms", endpoint=endpoint_without_components)


def test_a_component_added_after_the_alarms_fails_synth():
    """It would go unwatched: a bad model on it would pass the rollout's bake."""
    stack = new_stack()
    endpoint, _ = _component_endpoint(stack, components=("Churn",))
    MonitoringAlarms(stack, "Alarms", endpoint=endpoint)
    endpoint.add_component("Late", model=cheap_model(stack, "LateModel"), reservation=SMALL)
    with pytest.raises(Exception, match=r"components=\['Test/Endpoint/Late'\]: were added to the endpoint after"):
        Template.from_stack(stack)


def test_a_component_endpoint_is_compliant_under_the_nag_packs(component_alarms):
    assert component_alarms.findings == []
