"""The monitors' baselines come from the served package: the record (``Custom::ServedModelPackage`` with
``Baselines``) answers each baseline's URI from the package's ``DriftCheckBaselines`` (botocore's
Stubber for SageMaker), ``ModelMonitor`` takes those deploy-time URIs, and a rollout's CloudFormation
role may replace the job definitions and update the schedules."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import boto3
import pytest
from aws_cdk import assertions
from botocore.stub import Stubber

from constructs_lib import (
    ConstructValidationError,
    DataCaptureOptions,
    DataQualityMonitorOptions,
    DeploymentTarget,
    DriftCheckBaseline,
    EncryptionKey,
    ModelMonitor,
    ModelQualityMonitorOptions,
    MonitoringBaseline,
    PrivateNetwork,
    S3Location,
    SecureBucket,
    ServedModelPackage,
)
from constructs_lib.foundation.private_network import DEFAULT_INTERFACE_ENDPOINTS
from constructs_lib.monitoring.deploy_on_approval_handler import handler as rollout
from constructs_lib.monitoring.deploy_on_approval_handler import served_model
from tests.conftest import new_stack
from tests.constructs_lib.fakes import FakeEndpoint
from tests.constructs_lib.test_served_model_handler import PREFIX, STACK_ID

A = f"{PREFIX}1"
WANTED = {
    "ModelDataQualityConstraints": {"Path": "ModelDataQuality.Constraints", "Fallback": "s3://b/f/constraints.json"},
    "ModelDataQualityStatistics": {"Path": "ModelDataQuality.Statistics", "Fallback": "s3://b/f/statistics.json"},
    "ModelQualityConstraints": {"Path": "ModelQuality.Constraints", "Fallback": "s3://b/f/mq.json"},
}
DRIFT = {
    "ModelDataQuality": {
        "Constraints": {
            "ContentType": "application/json",
            "S3Uri": "s3://b/run1/baselines/data-quality/constraints.json",
        },
        "Statistics": {
            "ContentType": "application/json",
            "S3Uri": "s3://b/run1/baselines/data-quality/statistics.json",
        },
    }
}


def _stubbed(responses: list[dict[str, Any] | str]) -> tuple[Any, Stubber]:
    client = boto3.client("sagemaker", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    for response in responses:
        if isinstance(response, str):
            stubber.add_client_error("describe_model_package", service_error_code=response, http_status_code=400)
        else:
            stubber.add_response("describe_model_package", response, {"ModelPackageName": A})
    stubber.activate()
    return client, stubber


def _package(drift: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "ModelPackageName": "churn",
        "ModelPackageArn": A,
        "CreationTime": "2026-12-01T00:00:00Z",
        "ModelPackageStatus": "Completed",
        "ModelPackageStatusDetails": {"ValidationStatuses": []},
        **({"DriftCheckBaselines": drift} if drift is not None else {}),
    }


def _answer(requested: str, client: Any) -> dict[str, Any]:
    sent: dict[str, Any] = {}

    def urlopen(request: Any, timeout: int) -> Any:
        sent.update(json.loads(request.data))
        response = mock.MagicMock(status=200)
        response.__enter__.return_value = response
        return response

    event = {
        "RequestType": "Create",
        "StackId": STACK_ID.replace("serving", "monitoring"),
        "LogicalResourceId": "MonitoredModelPackage",
        "RequestId": "r",
        "ResponseURL": "https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/x",
        "ResourceProperties": {
            "Requested": requested,
            "Initial": "none",
            "RegistryArnPrefix": PREFIX,
            "Baselines": WANTED,
        },
    }
    with (
        mock.patch.object(served_model.urllib.request, "urlopen", urlopen),
        mock.patch.object(served_model.boto3, "client", return_value=client),
    ):
        served_model.handler(event)
    return sent


def test_the_record_answers_the_served_package_s_baselines_and_the_fallback_for_what_it_lacks():
    client, stubber = _stubbed([_package(DRIFT)])
    sent = _answer(A, client)
    stubber.assert_no_pending_responses()
    assert sent["Status"] == "SUCCESS"
    assert sent["Data"] == {
        "ModelPackageArn": A,
        "ModelDataQualityConstraints": "s3://b/run1/baselines/data-quality/constraints.json",
        "ModelDataQualityStatistics": "s3://b/run1/baselines/data-quality/statistics.json",
        "ModelQualityConstraints": "s3://b/f/mq.json",  # the package has no model quality baseline
    }


def test_without_a_served_package_the_monitors_use_the_fallbacks_and_nothing_is_described():
    client, stubber = _stubbed([])
    sent = _answer("", client)  # created without a requested package: Initial 'none'
    assert sent["Status"] == "SUCCESS"
    assert sent["Data"]["ModelPackageArn"] == "none"
    assert sent["Data"]["ModelDataQualityConstraints"] == "s3://b/f/constraints.json"
    stubber.assert_no_pending_responses()


def test_a_baseline_with_neither_source_fails_the_update_naming_it():
    with pytest.raises(ValueError, match=r"has no DriftCheckBaselines for ModelQuality.Constraints, and the monitors"):
        served_model.baselines(
            A, {"ModelQualityConstraints": {"Path": "ModelQuality.Constraints"}}, describe=lambda arn: _package(DRIFT)
        )


def test_a_throttled_or_refused_describe_fails_the_update_so_the_monitors_keep_their_baselines():
    client, _ = _stubbed(["ThrottlingException"])
    sent = _answer(A, client)
    assert sent["Status"] == "FAILED" and "ThrottlingException" in sent["Reason"]
    assert sent["Data"] == {}


def test_a_rollout_may_change_the_monitors_but_never_replace_or_delete_a_schedule():
    policy = json.loads(rollout.ROLLOUT_STACK_POLICY)
    allowed = policy["Statement"][0]["Condition"]["StringEquals"]["ResourceType"]
    for kind in ("DataQuality", "ModelQuality", "ModelBias", "ModelExplainability"):
        assert f"AWS::SageMaker::{kind}JobDefinition" in allowed
    assert "AWS::SageMaker::MonitoringSchedule" in allowed
    never = policy["Statement"][2]
    assert never["Action"] == ["Update:Replace", "Update:Delete"]
    assert "AWS::SageMaker::MonitoringSchedule" in never["Condition"]["StringEquals"]["ResourceType"]


# --- constructs ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stack_with_endpoint():
    stack = new_stack()
    network = PrivateNetwork(
        stack,
        "Net",
        availability_zones=["eu-west-1a", "eu-west-1b"],
        interface_endpoints=[*DEFAULT_INTERFACE_ENDPOINTS, "cloudformation", "states"],
    )
    key = EncryptionKey(stack, "Key")
    data = SecureBucket(stack, "Data", encryption_key=key)
    endpoint = FakeEndpoint(stack, "Endpoint", data_capture=DataCaptureOptions(bucket=data))
    return stack, endpoint, network, key


class _Group:
    """A literal model package group: name and ARN."""

    model_package_group_name = "churn"
    model_package_group_arn = "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/churn"


@pytest.fixture(scope="module")
def monitored(stack_with_endpoint):
    """A monitoring stack's record and a ModelMonitor that takes the package's baselines, and a
    rollout (``Rollout``) to a serving and a monitoring stack on the same network and key: synthesized
    once, and only read (the bad-input tests' constructs are rejected before they add anything). Each
    test reads the policies of its own constructs, by logical id."""
    from constructs_lib import DeployOnApproval

    stack, endpoint, network, key = stack_with_endpoint
    artifacts = SecureBucket(stack, "Artifacts", encryption_key=key)
    record = ServedModelPackage(
        stack,
        "MonitoredModelPackage",
        requested="",
        model_package_group_name="churn",
        network=network,
        encryption_key=key,
        drift_check_baselines={
            DriftCheckBaseline.DATA_QUALITY_CONSTRAINTS: artifacts.s3_url_for_object("baselines/constraints.json"),
            DriftCheckBaseline.DATA_QUALITY_STATISTICS: artifacts.s3_url_for_object("baselines/statistics.json"),
        },
    )
    monitor = ModelMonitor(
        stack,
        "Monitor",
        endpoint=endpoint,
        network=network,
        data_quality=DataQualityMonitorOptions(
            baseline=MonitoringBaseline(
                constraints_s3_uri=record.baseline_uri(DriftCheckBaseline.DATA_QUALITY_CONSTRAINTS),
                statistics_s3_uri=record.baseline_uri(DriftCheckBaseline.DATA_QUALITY_STATISTICS),
            )
        ),
        baseline_locations=[S3Location(artifacts, "pipelines/training/*/baselines/")],
    )
    DeployOnApproval(
        stack,
        "Rollout",
        model_package_group=_Group(),  # type: ignore[arg-type]  # a literal group: name and ARN
        targets=[
            DeploymentTarget(stack_name="serving", endpoint_name="churn"),
            DeploymentTarget(
                stack_name="monitoring",
                endpoint_name="churn",
                output_name="MonitoredModelPackageArn",
                monitoring_schedule_names=("churn-data-quality",),
            ),
        ],
        network=network,
        encryption_key=key,
    )
    return stack, record, monitor, assertions.Template.from_stack(stack)


def _policies(template: assertions.Template, prefix: str) -> dict[str, dict]:
    """The managed policies whose logical ids start with ``prefix``."""
    return {k: p for k, p in template.find_resources("AWS::IAM::ManagedPolicy").items() if k.startswith(prefix)}


def test_the_job_definition_takes_the_baselines_the_record_answers(monitored):
    _, record, _, template = monitored
    (properties,) = [
        r["Properties"]
        for r in template.find_resources("Custom::ServedModelPackage").values()
        if "Baselines" in r["Properties"]
    ]
    assert properties["Baselines"]["ModelDataQualityConstraints"]["Path"] == "ModelDataQuality.Constraints"
    (job,) = template.find_resources("AWS::SageMaker::DataQualityJobDefinition").values()
    config = job["Properties"]["DataQualityBaselineConfig"]
    assert config["ConstraintsResource"]["S3Uri"]["Fn::GetAtt"][1] == "ModelDataQualityConstraints"
    assert config["StatisticsResource"]["S3Uri"]["Fn::GetAtt"][1] == "ModelDataQualityStatistics"


def test_the_record_may_describe_only_its_group_s_versions_and_the_jobs_read_the_baselines_prefix(monitored):
    stack, record, monitor, template = monitored
    record_policies = json.dumps(_policies(template, "MonitoredModelPackage"))
    assert '"sagemaker:DescribeModelPackage"' in record_policies and "model-package/churn/*" in record_policies
    assert "/pipelines/training/*/baselines/*" in json.dumps(_policies(template, "MonitorRole"))


def test_a_deploy_time_baseline_needs_the_locations_it_can_be_under(stack_with_endpoint, monitored):
    stack, endpoint, network, _ = stack_with_endpoint
    _, record, _, _ = monitored
    with pytest.raises(ConstructValidationError) as error:
        ModelMonitor(
            stack,
            "Unreadable",
            endpoint=endpoint,
            network=network,
            model_quality=ModelQualityMonitorOptions(
                problem_type="BinaryClassification",
                ground_truth_s3_uri="s3://truth/labels/",
                baseline_constraints_s3_uri=record.baseline_uri(DriftCheckBaseline.DATA_QUALITY_CONSTRAINTS),
            ),
            schedule_name_prefix="unreadable",
        )
    assert "model_quality.baseline_constraints_s3_uri='<known at deploy time>': is known only at deploy time" in str(
        error.value
    )


def test_a_record_reads_only_the_baselines_it_lists_and_needs_a_fallback_uri(stack_with_endpoint, monitored):
    stack, _, network, key = stack_with_endpoint
    _, record, _, _ = monitored
    with pytest.raises(ConstructValidationError, match="baseline_uri\\(kind\\)='MODEL_QUALITY_CONSTRAINTS'"):
        record.baseline_uri(DriftCheckBaseline.MODEL_QUALITY_CONSTRAINTS)
    with pytest.raises(ConstructValidationError, match="drift_check_baselines\\[DATA_QUALITY_CONSTRAINTS\\]='nope'"):
        ServedModelPackage(
            stack,
            "Bad",
            requested="",
            model_package_group_name="churn",
            network=network,
            encryption_key=key,
            drift_check_baselines={DriftCheckBaseline.DATA_QUALITY_CONSTRAINTS: "nope"},
        )


def test_the_rollout_role_may_replace_monitoring_job_definitions_and_update_the_named_schedules(monitored):
    """``monitored``'s ``Rollout``."""
    _, _, _, template = monitored
    policies = _policies(template, "Rollout")
    statements = {
        s.get("Sid"): s
        for p in policies.values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") in ("ReplaceMonitoringJobDefinitions", "UpdateMonitoringSchedules")
    }
    assert "sagemaker:CreateDataQualityJobDefinition" in statements["ReplaceMonitoringJobDefinitions"]["Action"]
    assert "sagemaker:DeleteModelQualityJobDefinition" in statements["ReplaceMonitoringJobDefinitions"]["Action"]
    schedules = json.dumps(statements["UpdateMonitoringSchedules"]["Resource"])
    assert "monitoring-schedule/churn-data-quality" in schedules
    assert "sagemaker:UpdateMonitoringSchedule" in statements["UpdateMonitoringSchedules"]["Action"]
