"""MlPipeline and JobRole for Clarify model checks: the job role that runs a model bias or
explainability check may start, call and delete the shadow endpoint of the check's model (under its
endpoint name prefix, in this account and region) and nothing else; a data bias check gets none of
it; nag-clean with the compliance packs."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from constructs_lib import ContainerImage, EncryptionKey, JobRole, MlPipeline, S3Location, SecureBucket
from constructs_lib.training.pipeline import (
    BiasConfig,
    CheckJobConfig,
    ClarifyCheckStep,
    ClarifyDataConfig,
    ClarifyModelConfig,
    CreateModelStep,
    DataBiasCheckConfig,
    Facet,
    ModelBiasCheckConfig,
    ModelContainer,
    ModelExplainabilityCheckConfig,
    PipelineDefinition,
)
from tests.conftest import compliance_app, nag_findings, new_stack
from tests.constructs_lib.grants import SAGEMAKER, actions_of, role_statements
from tests.iam_eval import Request, allowed

CLARIFY = "131013547314.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-clarify-processing:1.0"
IMAGE = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"
SHADOW_ACTIONS = (
    "CreateEndpoint",
    "DescribeEndpoint",
    "InvokeEndpoint",
    "DeleteEndpoint",
)


def _data(work: S3Location, name: str) -> ClarifyDataConfig:
    return ClarifyDataConfig(
        dataset=work.child("train/train.csv"),
        output=work.child(f"clarify/{name}/"),
        analysis_config=work.child(f"clarify/{name}/analysis_config.json"),
        label="churn",
        headers=["churn", "age", "sex"],
    )


def _job(role: Any) -> CheckJobConfig:
    return CheckJobConfig(role=role, image=ContainerImage.from_uri(CLARIFY), enable_network_isolation=False)


@pytest.fixture(scope="module")
def synthesized():
    app = compliance_app()
    stack = new_stack(app, "Checks")
    key = EncryptionKey(stack, "Key")
    bucket = SecureBucket(stack, "Artifacts", encryption_key=key)
    work = S3Location(bucket, "work/")
    shadow = ClarifyModelConfig(model_name="Churn-Model", endpoint_name_prefix="Churn-Dev")
    bias = BiasConfig(label_values_or_threshold=[1], facets=[Facet("sex", [0])])
    checking = JobRole(stack, "Checking", job_kinds=["processing"], inputs=[work], outputs=[work])
    generated = JobRole(stack, "Generated", job_kinds=["processing"], inputs=[work], outputs=[work])
    data_only = JobRole(stack, "DataOnly", job_kinds=["processing"], inputs=[work], outputs=[work])
    model_role = JobRole(stack, "ModelRole", job_kinds=["processing"], inputs=[work])
    create = CreateModelStep(
        "CreateModel",
        role=model_role,
        containers=[ModelContainer(image=ContainerImage.from_uri(IMAGE), model_data_url=work.child("model.tar.gz"))],
    )
    steps = [
        ClarifyCheckStep(
            "ModelBias",
            check=ModelBiasCheckConfig(_data(work, "bias"), bias, shadow),
            job=_job(checking),
            skip_check=True,
        ),
        ClarifyCheckStep(
            "Explainability",
            check=ModelExplainabilityCheckConfig(_data(work, "shap"), shadow),
            job=_job(checking),
            skip_check=True,
        ),
        create,
        ClarifyCheckStep(
            "NewModelBias",
            check=ModelBiasCheckConfig(_data(work, "new"), bias, ClarifyModelConfig(model_name=create.model_name)),
            job=_job(generated),
            skip_check=True,
        ),
        ClarifyCheckStep(
            "DataBias",
            check=DataBiasCheckConfig(_data(work, "data"), bias),
            job=CheckJobConfig(role=data_only, image=ContainerImage.from_uri(CLARIFY)),
            skip_check=True,
        ),
    ]
    MlPipeline(stack, "Pipeline", definition=PipelineDefinition(steps=steps))
    return Template.from_stack(stack), nag_findings(app)


def test_clarify_model_checks_are_nag_clean(synthesized):
    assert synthesized[1] == []


def test_the_check_role_runs_the_shadow_endpoint_under_the_prefix_only(synthesized):
    statements = role_statements(synthesized[0], "Checking")
    mine = f"{SAGEMAKER}:endpoint/churn-dev-churn-model-1700000000"
    for action in SHADOW_ACTIONS:
        assert allowed(statements, Request(f"sagemaker:{action}", mine)), action
        assert not allowed(statements, Request(f"sagemaker:{action}", f"{SAGEMAKER}:endpoint/churn-prod")), action
        other_account = "arn:<AWS::Partition>:sagemaker:eu-west-1:999999999999:endpoint/churn-dev-x"
        assert not allowed(statements, Request(f"sagemaker:{action}", other_account)), action
    assert not allowed(statements, Request("sagemaker:UpdateEndpoint", mine))


def test_the_check_role_creates_configurations_of_the_one_model_under_the_prefix(synthesized):
    statements = role_statements(synthesized[0], "Checking")
    config = f"{SAGEMAKER}:endpoint-config/churn-dev-churn-model-1700000000"
    model = {"sagemaker:ModelArn": f"{SAGEMAKER}:model/churn-model"}
    assert allowed(statements, Request("sagemaker:CreateEndpointConfig", config, model))
    assert allowed(statements, Request("sagemaker:CreateEndpoint", config))
    other_model = {"sagemaker:ModelArn": f"{SAGEMAKER}:model/payroll-model"}
    assert not allowed(statements, Request("sagemaker:CreateEndpointConfig", config, other_model))
    prod = f"{SAGEMAKER}:endpoint-config/prod"
    assert not allowed(statements, Request("sagemaker:CreateEndpointConfig", prod, model))
    for action in ("DescribeEndpointConfig", "DeleteEndpointConfig"):
        assert allowed(statements, Request(f"sagemaker:{action}", config))
        assert not allowed(statements, Request(f"sagemaker:{action}", f"{SAGEMAKER}:endpoint-config/prod-1"))


def test_a_model_the_pipeline_creates_is_any_model_of_this_account_and_region_under_clarifys_default_prefix(
    synthesized,
):
    statements = role_statements(synthesized[0], "Generated")
    config = f"{SAGEMAKER}:endpoint-config/sm-clarify-pipelines-abc-1700000000"
    created = {"sagemaker:ModelArn": f"{SAGEMAKER}:model/pipelines-abc123-createmodel-x"}
    assert allowed(statements, Request("sagemaker:CreateEndpointConfig", config, created))
    elsewhere = {"sagemaker:ModelArn": "arn:<AWS::Partition>:sagemaker:us-east-1:<AWS::AccountId>:model/m"}
    assert not allowed(statements, Request("sagemaker:CreateEndpointConfig", config, elsewhere))
    assert allowed(statements, Request("sagemaker:InvokeEndpoint", f"{SAGEMAKER}:endpoint/sm-clarify-m-1"))
    assert not allowed(statements, Request("sagemaker:InvokeEndpoint", f"{SAGEMAKER}:endpoint/churn-dev-m-1"))


def test_a_data_bias_check_starts_no_endpoint(synthesized):
    statements = role_statements(synthesized[0], "DataOnly")
    assert not {a for a in actions_of(statements) if "Endpoint" in a}


def test_granting_the_same_shadow_endpoints_again_adds_nothing():
    stack = new_stack()
    role = JobRole(stack, "Role", job_kinds=["processing"])
    role.grant_clarify_shadow_endpoints(endpoint_name_prefix="sm-clarify", model_name="m")
    before = Template.from_stack(stack).to_json()
    role.grant_clarify_shadow_endpoints(endpoint_name_prefix="sm-clarify", model_name="m")
    assert Template.from_stack(stack).to_json() == before
