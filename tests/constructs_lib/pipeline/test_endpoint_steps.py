"""EndpointConfigStep and EndpointStep: a pipeline that deploys its own model. Their JSON against
CreateEndpointConfig/CreateEndpoint and the schema, the DAG they make, their validation, and a pipeline
role that may create configurations under the prefix and the one endpoint only."""

from __future__ import annotations

import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from constructs_lib import (
    ConstructValidationError,
    ContainerImage,
    EncryptionKey,
    JobRole,
    MlPipeline,
    S3Location,
    SecureBucket,
)
from constructs_lib.training.container_images import XGBOOST_REPOSITORY, xgboost_image_uri
from constructs_lib.training.pipeline import (
    CreateModelStep,
    EndpointConfigStep,
    EndpointStep,
    EndpointVariant,
    ModelContainer,
    PipelineDefinition,
    RetryPolicy,
)
from tests.conftest import compliance_app, nag_findings, new_stack
from tests.constructs_lib.pipeline.conftest import IMAGE, ROLE_ARN, assert_valid
from tests.iam_eval import Request, allowed


def _deploy(role, *, key=None, **config_options):
    model = CreateModelStep(
        "CreateModel",
        role=role,
        containers=[ModelContainer(image=ContainerImage.from_uri(IMAGE), model_data_url="s3://m/model.tar.gz")],
    )
    config = EndpointConfigStep(
        "EndpointConfig",
        name_prefix="Churn-Dev",
        variants=[EndpointVariant(model_name=model.model_name, instance_type="ml.m5.large")],
        encryption_key=key,
        **config_options,
    )
    endpoint = EndpointStep("Deploy", endpoint_name="churn-dev", endpoint_config=config)
    return model, config, endpoint


def test_the_steps_are_sagemakers_endpoint_config_and_endpoint_types():
    role = iam.Role.from_role_arn(new_stack(), "R", ROLE_ARN)
    model, config, endpoint = _deploy(role, retry_policies=[RetryPolicy(["Step.THROTTLING"])])
    definition = PipelineDefinition(steps=[model, config, endpoint]).render()
    steps = {step["Name"]: step for step in definition["Steps"]}
    assert steps["EndpointConfig"]["Type"] == "EndpointConfig"
    assert steps["EndpointConfig"]["Arguments"] == {
        "EndpointConfigName": {
            "Std:Join": {"On": "-", "Values": ["Churn-Dev", {"Get": "Execution.PipelineExecutionId"}]}
        },
        "ProductionVariants": [
            {
                "VariantName": "AllTraffic",
                "ModelName": {"Get": "Steps.CreateModel.ModelName"},
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 1.0,
            }
        ],
    }
    assert steps["Deploy"] == {
        "Name": "Deploy",
        "Type": "Endpoint",
        "Arguments": {
            "EndpointName": "churn-dev",
            "EndpointConfigName": {"Get": "Steps.EndpointConfig.EndpointConfigName"},
        },
    }
    assert_valid(definition)


def test_a_serverless_variant_has_no_instances():
    config = EndpointConfigStep(
        "C", name_prefix="p", variants=[EndpointVariant(model_name="m", serverless_memory_mb=2048)]
    )
    definition = PipelineDefinition(steps=[config]).render()
    (variant,) = definition["Steps"][0]["Arguments"]["ProductionVariants"]
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 2048, "MaxConcurrency": 5}
    assert "InstanceType" not in variant and "InitialInstanceCount" not in variant
    assert_valid(definition)


def test_the_endpoint_step_waits_for_its_configuration_and_properties_are_typed():
    role = iam.Role.from_role_arn(new_stack(), "R", ROLE_ARN)
    model, config, endpoint = _deploy(role)
    assert endpoint.endpoint_arn.expr == {"Get": "Steps.Deploy.EndpointArn"}
    with pytest.raises(AttributeError, match="no property 'EndpointURL'"):
        endpoint.properties.EndpointURL  # noqa: B018
    # Only the endpoint is listed: its configuration is referenced but not in the pipeline.
    with pytest.raises(
        ConstructValidationError, match="references step 'EndpointConfig', which is not in this pipeline"
    ):
        PipelineDefinition(steps=[model, endpoint]).render()


@pytest.mark.parametrize(
    "config_options, endpoint_name, message",
    [
        ({"name_prefix": "churn_dev"}, "e", "name_prefix.*1-50 letters"),
        ({"name_prefix": "x" * 51}, "e", "name_prefix.*1-50 letters"),
        ({"variants": []}, "e", "variants.*1 to 10"),
        ({"variants": [EndpointVariant(model_name="m")]}, "e", "give instance_type .* or serverless_memory_mb"),
        (
            {"variants": [EndpointVariant(model_name="m", instance_type="ml.m5.mega")]},
            "e",
            "instance_type.*ml.m5.mega",
        ),
        (
            {"variants": [EndpointVariant(model_name="m", serverless_memory_mb=1000)]},
            "e",
            "serverless_memory_mb.*1024 to 6144",
        ),
        (
            {"variants": [EndpointVariant(model_name="m", instance_type="ml.m5.large")] * 2},
            "e",
            "variants \\(names\\).*must be unique",
        ),
        ({}, "churn dev", "endpoint_name.*1-63 letters"),
        ({"cache": None, "retry_policies": []}, "e" * 64, "endpoint_name"),
    ],
)
def test_bad_endpoint_input_fails(config_options, endpoint_name, message):
    options = {"name_prefix": "p", "variants": [EndpointVariant(model_name="m", instance_type="ml.m5.large")]}
    options.update(config_options)
    config = EndpointConfigStep("C", **options)
    with pytest.raises(ConstructValidationError, match=message):
        PipelineDefinition(
            steps=[config, EndpointStep("E", endpoint_name=endpoint_name, endpoint_config=config)]
        ).render()


def test_the_endpoint_step_takes_no_retry_policies():
    config = EndpointConfigStep(
        "C", name_prefix="p", variants=[EndpointVariant(model_name="m", instance_type="ml.m5.large")]
    )
    endpoint = EndpointStep(
        "E", endpoint_name="e", endpoint_config=config, retry_policies=[RetryPolicy(["Step.THROTTLING"])]
    )
    with pytest.raises(ConstructValidationError, match="retry_policies.*not supported by Endpoint steps"):
        PipelineDefinition(steps=[config, endpoint]).render()


@pytest.fixture(scope="module")
def deploying_pipeline():
    app = compliance_app()
    stack = new_stack(app)
    key = EncryptionKey(stack, "Key")
    models = S3Location(SecureBucket(stack, "Models", encryption_key=key), "models/")
    role = JobRole(
        stack, "ModelRole", job_kinds=["transform"], inputs=[models], aws_image_repositories=[XGBOOST_REPOSITORY]
    )
    model = CreateModelStep(
        "CreateModel",
        role=role,
        containers=[
            ModelContainer(
                image=ContainerImage.from_uri(xgboost_image_uri("eu-west-1")),
                model_data_url=models.child("model.tar.gz"),
            )
        ],
    )
    _, config, endpoint = _deploy(role, key=key)
    config.variants[0] = EndpointVariant(model_name=model.model_name, instance_type="ml.m5.large")
    MlPipeline(stack, "P", pipeline_name="deploy", definition=PipelineDefinition(steps=[model, config, endpoint]))
    findings = nag_findings(app)
    for policy in Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy").values():
        if any(r["Ref"].startswith("PRole") for r in policy["Properties"]["Roles"]):
            return policy["Properties"]["PolicyDocument"]["Statement"], findings
    raise AssertionError("no pipeline role policy")


def test_a_deploying_pipeline_is_nag_clean(deploying_pipeline):
    assert deploying_pipeline[1] == []


BASE = "arn:<AWS::Partition>:sagemaker:eu-west-1:<AWS::AccountId>"


def test_the_role_creates_configurations_under_the_prefix_only(deploying_pipeline):
    statements, _ = deploying_pipeline
    mine = f"{BASE}:endpoint-config/churn-dev-abcdef123456"
    assert allowed(statements, Request("sagemaker:CreateEndpointConfig", mine))
    assert not allowed(statements, Request("sagemaker:CreateEndpointConfig", f"{BASE}:endpoint-config/other-1"))
    assert not allowed(statements, Request("sagemaker:DeleteEndpointConfig", mine))


def test_the_role_creates_and_updates_the_one_endpoint_only(deploying_pipeline):
    statements, _ = deploying_pipeline
    mine = f"{BASE}:endpoint/churn-dev"
    for action in ("CreateEndpoint", "UpdateEndpoint", "DescribeEndpoint"):
        assert allowed(statements, Request(f"sagemaker:{action}", mine))
        assert not allowed(statements, Request(f"sagemaker:{action}", f"{BASE}:endpoint/churn-prod"))
    assert allowed(statements, Request("sagemaker:UpdateEndpoint", f"{BASE}:endpoint-config/churn-dev-abcdef123456"))
    assert not allowed(statements, Request("sagemaker:DeleteEndpoint", mine))


def test_the_role_grants_the_volume_key_to_the_endpoints_instances_only(deploying_pipeline):
    statements, _ = deploying_pipeline
    key = "<KeyE447D366.Arn>"
    assert allowed(statements, Request("kms:CreateGrant", key, {"kms:GrantIsForAWSResource": "true"}))
    assert not allowed(statements, Request("kms:CreateGrant", key, {"kms:GrantIsForAWSResource": "false"}))
    assert allowed(statements, Request("kms:DescribeKey", key))
