"""LabelingWorkflow(label_feature_group=...): after the job and the copy, the state machine invokes the
label ingester (in the VPC) on the job's output manifest, retrying it whole; the ingester may read the
output manifests and put records into the one feature group only; a feature group that does not have
the label record's identifier, event time or types fails at synth; nag-clean."""

from __future__ import annotations

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

from constructs_lib import (
    LABEL_FEATURES,
    ConstructValidationError,
    FeatureDefinition,
    FeatureGroup,
)
from constructs_lib.foundation.private_network import DEFAULT_INTERFACE_ENDPOINTS
from tests.conftest import compliance_app, nag_findings, new_stack
from tests.constructs_lib.grants import role_statements
from tests.constructs_lib.test_labeling_workflow import definition, foundations, ref, text_workflow
from tests.iam_eval import Request, allowed

ENDPOINTS = (*DEFAULT_INTERFACE_ENDPOINTS, "states", "sagemaker.featurestore-runtime")
SAGEMAKER = "arn:<AWS::Partition>:sagemaker:eu-west-1:<AWS::AccountId>"


def _group(stack: Stack, construct_id: str = "Labels", **changes) -> FeatureGroup:
    options = dict(
        features=list(LABEL_FEATURES),
        record_identifier="object_id",
        event_time="labeled_at",
        feature_group_name="churn-message-labels",
    )
    options.update(changes)
    return FeatureGroup(stack, construct_id, **options)


@pytest.fixture(scope="module")
def built():
    app = compliance_app()
    stack = new_stack(app)
    network, data, topic, workforce = foundations(stack, endpoints=ENDPOINTS)
    group = _group(stack)
    workflow = text_workflow(stack, network, data, topic, workforce, label_feature_group=group)
    return workflow, Template.from_stack(stack), nag_findings(app)


def test_labels_into_a_feature_group_are_nag_clean(built):
    assert built[2] == []


def test_the_state_machine_ingests_the_published_job_s_output_manifest(built):
    workflow, template, _ = built
    states = definition(template, workflow)["States"]
    assert states["PublishOutputManifest"]["Next"] == "IngestLabels"
    ingest = states["IngestLabels"]
    assert ingest["Next"] == "Labeled"
    payload = ingest["Parameters"]["Payload"]
    assert payload["Bucket"] == f"<{ref(workflow.output.bucket)}>"
    assert (
        payload["Key.$"]
        == "States.Format('labeling/messages/jobs/{}/manifests/output/output.manifest', $.LabelingJobName)"
    )
    assert payload["LabelingJobName.$"] == "$.LabelingJobName"
    assert ingest["ResultPath"] == "$.ingested"
    assert any("States.TaskFailed" in r["ErrorEquals"] for r in ingest["Retry"])
    assert ingest["Catch"][0]["Next"] == "SendToDeadLetterQueue"


def test_the_ingester_runs_in_the_vpc_with_the_group_and_label_attribute(built):
    workflow, template, _ = built
    function = template.find_resources("AWS::Lambda::Function")[ref(workflow.label_ingester.function)]
    props = function["Properties"]
    assert props["VpcConfig"]["SubnetIds"]
    env = props["Environment"]["Variables"]
    assert env["LABEL_ATTRIBUTE"] == "label"
    assert '"object_id":"String"' in env["FEATURES"] and '"confidence":"Fractional"' in env["FEATURES"]


def test_the_ingester_reads_output_manifests_and_puts_records_into_the_one_group(built):
    workflow, template, _ = built
    statements = role_statements(template, ref(workflow.label_ingester.role))
    bucket = f"<{ref(workflow.output.bucket)}.Arn>"
    manifest = f"{bucket}/labeling/messages/jobs/churn-messages-1/manifests/output/output.manifest"
    assert allowed(statements, Request("s3:GetObject", manifest))
    assert not allowed(statements, Request("s3:GetObject", f"{bucket}/labeling/messages/incoming/1.txt"))
    assert not allowed(statements, Request("s3:PutObject", manifest))
    group = f"{SAGEMAKER}:feature-group/churn-message-labels"
    assert allowed(statements, Request("sagemaker:PutRecord", group))
    assert not allowed(statements, Request("sagemaker:DeleteRecord", group))
    assert not allowed(statements, Request("sagemaker:PutRecord", f"{SAGEMAKER}:feature-group/other"))


def test_a_feature_group_unlike_the_label_record_fails_at_synth():
    stack = new_stack()
    network, data, topic, workforce = foundations(stack, endpoints=ENDPOINTS)
    features = [
        FeatureDefinition.string("id"),
        FeatureDefinition.string("labeled_at"),
        FeatureDefinition.string("confidence"),
    ]
    group = _group(stack, features=features, record_identifier="id")
    with pytest.raises(ConstructValidationError) as error:
        text_workflow(stack, network, data, topic, workforce, label_feature_group=group)
    message = str(error.value)
    assert "label_feature_group (record_identifier)='id': must be 'object_id'" in message
    assert "label_feature_group (feature 'confidence')='String': must be Fractional" in message


def test_the_network_must_reach_the_feature_store_runtime():
    stack = new_stack()
    network, data, topic, workforce = foundations(stack)
    with pytest.raises(ConstructValidationError, match="sagemaker.featurestore-runtime"):
        text_workflow(stack, network, data, topic, workforce, label_feature_group=_group(stack))
