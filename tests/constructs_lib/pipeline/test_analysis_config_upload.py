"""The Clarify analysis configuration is put in S3 by the deploy: one SDK-call custom resource per
file (S3 PutObject, no code of ours) at a key that changes with the content, before the pipeline;
the handler may put exactly those objects; nag-clean with a KMS-encrypted SecureBucket. With
``upload_analysis_config=False`` the step reads the location you fill, and nothing is uploaded."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from constructs_lib import ContainerImage, EncryptionKey, JobRole, MlPipeline, S3Location, SecureBucket
from constructs_lib.training.pipeline import (
    BiasConfig,
    CheckJobConfig,
    ClarifyCheckStep,
    ClarifyDataConfig,
    DataBiasCheckConfig,
    ExecutionVariables,
    Facet,
    Join,
    PipelineDefinition,
)
from tests.conftest import compliance_app, nag_findings, new_stack
from tests.constructs_lib.grants import role_statements
from tests.iam_eval import Request, allowed

CLARIFY = "131013547314.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-clarify-processing:1.0"


def _step(work: S3Location, role: Any, *, facet: str = "sex", upload: bool = True) -> ClarifyCheckStep:
    return ClarifyCheckStep(
        "DataBias",
        check=DataBiasCheckConfig(
            ClarifyDataConfig(
                dataset=work.child("train/train.csv"),
                output=Join(on="/", values=[work.child("clarify/bias").uri, ExecutionVariables.PIPELINE_EXECUTION_ID]),
                analysis_config=work.child("clarify/bias/analysis_config.json"),
                label="churn",
                headers=["churn", "age", "sex", "region"],
                upload_analysis_config=upload,
            ),
            BiasConfig(label_values_or_threshold=[1], facets=[Facet(facet)]),
        ),
        job=CheckJobConfig(role=role, image=ContainerImage.from_uri(CLARIFY)),
        skip_check=True,
    )


def _synth(*, facet: str = "sex", upload: bool = True, nag: bool = False):
    app = compliance_app()
    stack = new_stack(app, "Checks")
    key = EncryptionKey(stack, "Key")
    bucket = SecureBucket(stack, "Artifacts", encryption_key=key)
    work = S3Location(bucket, "work/")
    role = JobRole(stack, "Checking", job_kinds=["processing"], inputs=[work], outputs=[work])
    step = _step(work, role, facet=facet, upload=upload)
    MlPipeline(stack, "Pipeline", definition=PipelineDefinition(steps=[step]))
    return step, Template.from_stack(stack), (nag_findings(app) if nag else None)


@pytest.fixture(scope="module")
def uploaded():
    return _synth(nag=True)


def _config_input(template: Template) -> Any:
    (pipeline,) = template.find_resources("AWS::SageMaker::Pipeline").values()
    body = json.dumps(pipeline["Properties"]["PipelineDefinition"]["PipelineDefinitionBody"])
    return body


def _put_calls(template: Template) -> list[dict[str, Any]]:
    calls = []
    for resource in template.find_resources("Custom::AWS").values():
        create = resource["Properties"]["Create"]
        parts = create["Fn::Join"][1] if isinstance(create, dict) else [create]
        calls.append({"text": "".join(p if isinstance(p, str) else json.dumps(p) for p in parts), **resource})
    return calls


def test_the_deploy_puts_the_checked_configuration_at_a_key_named_after_its_content(uploaded):
    step, template, _ = uploaded
    (call,) = _put_calls(template)
    key = step.analysis_config_location.prefix
    assert key.startswith("work/clarify/bias/") and key.endswith("/analysis_config.json") and key.count("/") == 4
    assert '"action":"putObject"' in call["text"] and f'"Key":"{key}"' in call["text"]
    assert json.dumps(step.analysis_config_json())[1:-1] in call["text"]  # the Body, JSON-escaped
    assert key in _config_input(template)  # the definition names the same key


def test_the_pipeline_is_created_or_updated_after_its_configuration(uploaded):
    _, template, _ = uploaded
    (pipeline,) = template.find_resources("AWS::SageMaker::Pipeline").values()
    uploads = set(template.find_resources("Custom::AWS"))
    assert uploads & set(pipeline.get("DependsOn", []))


def test_a_changed_configuration_is_a_new_key_and_the_same_one_the_same_key(uploaded):
    step, _, _ = uploaded
    again, _, _ = _synth()
    changed, template, _ = _synth(facet="region")
    assert again.analysis_config_location.prefix == step.analysis_config_location.prefix
    assert changed.analysis_config_location.prefix != step.analysis_config_location.prefix
    assert changed.analysis_config_location.prefix in _config_input(template)


def test_the_handler_may_put_exactly_the_configurations_and_use_the_key_through_s3(uploaded):
    step, template, _ = uploaded
    statements = role_statements(template, "ClarifyAnalysisConfigsRole")
    key = step.analysis_config_location.prefix
    bucket = "<Artifacts80C0BB10.Arn>"
    assert allowed(statements, Request("s3:PutObject", f"{bucket}/{key}"))
    assert not allowed(statements, Request("s3:PutObject", f"{bucket}/work/train/train.csv"))
    for action in ("s3:GetObject", "s3:DeleteObject", "s3:ListBucket"):
        assert not allowed(statements, Request(action, f"{bucket}/{key}"))
    key_arn = "<KeyE447D366.Arn>"
    via_s3 = {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}
    assert allowed(statements, Request("kms:GenerateDataKey", key_arn, via_s3))
    via_ec2 = {"kms:ViaService": "ec2.eu-west-1.amazonaws.com"}
    assert not allowed(statements, Request("kms:GenerateDataKey", key_arn, via_ec2))


def test_uploading_is_nag_clean_with_a_kms_encrypted_secure_bucket(uploaded):
    assert uploaded[2] == []


def test_a_configuration_you_upload_is_read_where_you_put_it_and_nothing_is_deployed():
    step, template, _ = _synth(upload=False)
    assert step.analysis_config_location.prefix == "work/clarify/bias/analysis_config.json"
    assert not template.find_resources("Custom::AWS")
    assert "work/clarify/bias/analysis_config.json" in _config_input(template)
