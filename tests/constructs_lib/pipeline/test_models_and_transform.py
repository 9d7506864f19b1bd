"""CreateModelStep (the 'Model' step type), RegisterModelStep and TransformStep."""

from __future__ import annotations

import pytest

from constructs_lib import ConstructValidationError
from constructs_lib.foundation.container_image import ContainerImage
from constructs_lib.training.pipeline import (
    CreateModelStep,
    ModelContainer,
    ModelMetrics,
    ParameterString,
    PipelineDefinition,
    RegisterModelStep,
    TrainingStep,
    TransformStep,
)
from tests.constructs_lib.fakes import FakeNetwork
from tests.constructs_lib.pipeline.conftest import IMAGE, assert_valid, training_job


def _render(*steps, parameters=()):
    rendered = PipelineDefinition(parameters=list(parameters), steps=list(steps)).render()
    assert_valid(rendered)
    return rendered


def _error(*steps, parameters=()) -> str:
    with pytest.raises(ConstructValidationError) as error:
        PipelineDefinition(parameters=list(parameters), steps=list(steps)).render()
    return str(error.value)


def test_training_artifacts_feed_a_model_and_the_model_a_batch_transform(role):
    train = TrainingStep("Train", job=training_job(role))
    model = CreateModelStep(
        "Model",
        role=role,
        containers=[
            ModelContainer(
                image=ContainerImage.from_uri(IMAGE),
                model_data_url=train.model_artifacts,
                environment={"LOG_LEVEL": "info"},
            )
        ],
        network=FakeNetwork(["subnet-1"], ["sg-1"]),
    )
    transform = TransformStep(
        "Score",
        model_name=model.model_name,
        instance_type="ml.m5.xlarge",
        input_s3_uri="s3://data/batch/",
        output_path="s3://artifacts/scores",
        content_type="text/csv",
        split_type="Line",
        accept="text/csv",
        assemble_with="Line",
        batch_strategy="MultiRecord",
        max_payload_mb=6,
        instance_count=2,
        input_filter="$[1:]",
        join_source="Input",
    )
    steps = {s["Name"]: s for s in _render(train, model, transform)["Steps"]}
    assert steps["Model"]["Type"] == "Model"
    container = steps["Model"]["Arguments"]["PrimaryContainer"]
    assert container == {
        "Image": IMAGE,
        "ModelDataUrl": {"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"},
        "Environment": {"LOG_LEVEL": "info"},
    }
    assert steps["Model"]["Arguments"]["EnableNetworkIsolation"] is True
    assert steps["Model"]["Arguments"]["VpcConfig"] == {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]}
    args = steps["Score"]["Arguments"]
    assert args["ModelName"] == {"Get": "Steps.Model.ModelName"}
    assert args["TransformInput"]["SplitType"] == "Line"
    assert args["TransformResources"] == {"InstanceType": "ml.m5.xlarge", "InstanceCount": 2}
    assert args["DataProcessing"] == {"InputFilter": "$[1:]", "JoinSource": "Input"}
    assert transform.output.expr == {"Get": "Steps.Score.TransformOutput.S3OutputPath"}


def test_a_model_from_a_registered_version_given_as_a_parameter(role, group):
    package = ParameterString("ModelPackageArn")
    model = CreateModelStep(
        "Model", role=role, containers=[ModelContainer(model_package=package, model_package_group=group)]
    )
    args = _render(model, parameters=[package])["Steps"][0]["Arguments"]
    assert args["PrimaryContainer"] == {"ModelPackageName": {"Get": "Parameters.ModelPackageArn"}}
    assert model.requirements().read_from == [group]


def test_an_inference_pipeline_of_several_containers(role):
    model = CreateModelStep(
        "Model",
        role=role,
        inference_execution_mode="Serial",
        containers=[
            ModelContainer(image=ContainerImage.from_uri(IMAGE), model_data_url="s3://a/pre.tar.gz", hostname="pre"),
            ModelContainer(
                image=ContainerImage.from_uri(IMAGE), model_data_url="s3://a/model.tar.gz", hostname="model"
            ),
        ],
    )
    args = _render(model)["Steps"][0]["Arguments"]
    assert [c["ContainerHostname"] for c in args["Containers"]] == ["pre", "model"]
    assert args["InferenceExecutionConfig"] == {"Mode": "Serial"}


def test_register_model_is_pending_manual_approval_by_default(role, group):
    train = TrainingStep("Train", job=training_job(role))
    register = RegisterModelStep(
        "Register",
        model_package_group=group,
        containers=[
            ModelContainer(
                image=ContainerImage.from_uri(IMAGE),
                model_data_url=train.model_artifacts,
                framework="XGBOOST",
                framework_version="1.7",
            )
        ],
        content_types=["text/csv"],
        response_types=["text/csv"],
        realtime_instance_types=["ml.m5.large"],
        transform_instance_types=["ml.m5.xlarge"],
        model_metrics=ModelMetrics(model_quality_statistics="s3://artifacts/evaluation/evaluation.json"),
        customer_metadata={"team": "churn"},
        model_package_description="weekly churn model",
    )
    args = _render(train, register)["Steps"][1]["Arguments"]
    assert args["ModelApprovalStatus"] == "PendingManualApproval"
    assert args["ModelPackageGroupName"] == "churn"
    spec = args["InferenceSpecification"]
    assert spec["Containers"][0]["ModelDataUrl"] == {"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}
    assert spec["SupportedRealtimeInferenceInstanceTypes"] == ["ml.m5.large"]
    assert args["ModelMetrics"] == {
        "ModelQuality": {
            "Statistics": {"ContentType": "application/json", "S3Uri": "s3://artifacts/evaluation/evaluation.json"}
        }
    }
    assert register.model_package_arn.expr == {"Get": "Steps.Register.ModelPackageArn"}


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            {"approval_status": "Pending"},
            "approval_status='Pending': must be one of Approved, Rejected, PendingManualApproval",
        ),
        ({"content_types": []}, "content_types=[]: must list at least one MIME type"),
        (
            {"containers": [ModelContainer(model_data_url="s3://a/m.tar.gz")]},
            "containers[0].image=None: is required",
        ),
        ({"realtime_instance_types": ["ml.m5.huge"]}, "realtime_instance_types='ml.m5.huge'"),
        ({"model_package_group": "churn"}, "model_package_group='churn': must be a model package group"),
        (
            {"model_metrics": ModelMetrics(model_quality_statistics="evaluation.json")},
            "model_metrics.model_quality_statistics='evaluation.json': must be an s3:// URI",
        ),
    ],
)
def test_bad_register_input_fails(role, group, changes, message):
    options = dict(
        model_package_group=group,
        containers=[ModelContainer(image=ContainerImage.from_uri(IMAGE), model_data_url="s3://a/m")],
        content_types=["text/csv"],
        response_types=["text/csv"],
    )
    options.update(changes)
    assert "steps['Register'] (RegisterModel) " + message in _error(RegisterModelStep("Register", **options))


@pytest.mark.parametrize(
    "containers, message",
    [
        ([], "containers=0: must list 1 to 15 containers"),
        (
            [ModelContainer(model_package="arn:aws:sagemaker:eu-west-1:1:model-package/churn/1")],
            "containers[0].model_package_group=None: is required with model_package",
        ),
        (
            [ModelContainer(image=ContainerImage.from_uri(IMAGE), model_package="arn:x", model_package_group=object())],
            "containers[0]='model_package': give model_package alone",
        ),
        (
            [ModelContainer(image=ContainerImage.from_uri(IMAGE), framework="XGBOOST")],
            "containers[0]=['XGBOOST', None]: framework and framework_version only apply",
        ),
    ],
)
def test_bad_model_input_fails(role, containers, message):
    assert "steps['Model'] (Model) " + message in _error(CreateModelStep("Model", role=role, containers=containers))


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"instance_type": "ml.t2.medium"}, "instance_type='ml.t2.medium': must be one of the 116 instance types"),
        ({"split_type": "Row"}, "split_type='Row': must be one of None, Line, RecordIO, TFRecord"),
        ({"max_payload_mb": 200}, "max_payload_mb=200: must be from 0 to 100"),
        ({"input_filter": "[1:]"}, "input_filter='[1:]': must be a JSONPath"),
        ({"output_path": "scores/"}, "output_path='scores/': must be an s3:// URI"),
        ({"model_name": None}, "model_name=None: is required"),
        ({"environment": {f"V{i}": "x" for i in range(17)}}, "environment=17: at most 16 variables"),
    ],
)
def test_bad_transform_input_fails(changes, message):
    options = dict(
        model_name="churn-model", instance_type="ml.m5.xlarge", input_s3_uri="s3://d/in", output_path="s3://d/out"
    )
    options.update(changes)
    assert "steps['Score'] (Transform) " + message in _error(TransformStep("Score", **options))
