"""Fixtures of the pipeline builder tests: a role and a registry group with literal ARNs (no synthesis),
and ``assert_valid`` that holds a definition to botocore's request shapes and the official schema."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration
from aws_cdk import aws_iam as iam

from constructs_lib.foundation.container_image import ContainerImage
from constructs_lib.training.pipeline import (
    ConditionGreaterThanOrEqualTo,
    ConditionStep,
    ExecutionVariables,
    FailStep,
    Join,
    MetricDefinition,
    ModelContainer,
    ParameterFloat,
    ParameterString,
    PipelineDefinition,
    ProcessingInput,
    ProcessingOutput,
    ProcessingStep,
    PropertyFile,
    RegisterModelStep,
    TrainingChannel,
    TrainingJob,
    TrainingStep,
)
from tests.conftest import new_stack
from tests.sagemaker_contract import definition_api_problems, schema_errors

ROLE_ARN = "arn:aws:iam::123456789012:role/sagemaker-jobs"
IMAGE = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"
SKLEARN = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"


class Group:
    """A model package group (the name and ARN of an IModelPackageGroup) with literal values."""

    model_package_group_name = "churn"
    model_package_group_arn = "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/churn"


@pytest.fixture(scope="module")
def role() -> iam.IRole:
    return iam.Role.from_role_arn(new_stack(), "JobRole", ROLE_ARN)


@pytest.fixture(scope="module")
def group() -> Group:
    return Group()


def assert_valid(definition: dict[str, Any]) -> None:
    """Every step matches botocore's request shapes, and the definition the (corrected) schema."""
    assert definition_api_problems(definition) == []
    assert schema_errors(definition) == []


def training_job(role: Any, **changes: Any) -> TrainingJob:
    options: dict[str, Any] = dict(
        role=role,
        image=ContainerImage.from_uri(IMAGE),
        instance_type="ml.m5.xlarge",
        output_path="s3://artifacts/models",
        channels=[TrainingChannel("train", "s3://data/train/", content_type="text/csv")],
        hyperparameters={"num_round": 50, "objective": "binary:logistic"},
        metric_definitions=[MetricDefinition("validation:auc", r".*\[[0-9]+\].*validation-auc:([-+]?[0-9.]+).*")],
    )
    options.update(changes)
    return TrainingJob(**options)


def per_run(base: str, *parts: str) -> Join:
    """``<base>/<execution id>/<parts>``: a prefix of its own in every execution."""
    return Join(on="/", values=[base, ExecutionVariables.PIPELINE_EXECUTION_ID, *parts])


def reference_pipeline(role: Any, group: Any) -> tuple[PipelineDefinition, dict[str, Any]]:
    """preprocess -> train -> evaluate -> gate(JsonGet >= threshold) -> register | fail, with every
    output and the checkpoints under a prefix of their own per execution."""
    threshold = ParameterFloat("AccuracyThreshold", default_value=0.8)
    input_data = ParameterString("InputData", default_value="s3://data/raw/")
    report = PropertyFile("EvaluationReport", output_name="evaluation", path="evaluation.json")
    preprocess = ProcessingStep(
        "Preprocess",
        role=role,
        image=ContainerImage.from_uri(SKLEARN),
        instance_type="ml.m5.xlarge",
        inputs=[ProcessingInput("raw", input_data)],
        outputs=[
            ProcessingOutput(name, per_run("s3://artifacts/prepared", name)) for name in ("train", "validation", "test")
        ],
        code="s3://artifacts/code/preprocess.py",
    )
    train = TrainingStep(
        "Train",
        job=training_job(
            role,
            channels=[
                TrainingChannel("train", preprocess.outputs["train"], content_type="text/csv"),
                TrainingChannel("validation", preprocess.outputs["validation"], content_type="text/csv"),
            ],
            use_spot_instances=True,
            max_runtime=Duration.hours(1),
            max_wait=Duration.hours(2),
            checkpoint_s3_uri=per_run("s3://artifacts", "checkpoints"),
        ),
    )
    evaluate = ProcessingStep(
        "Evaluate",
        role=role,
        image=ContainerImage.from_uri(IMAGE),
        instance_type="ml.m5.xlarge",
        inputs=[ProcessingInput("model", train.model_artifacts), ProcessingInput("test", preprocess.outputs["test"])],
        outputs=[ProcessingOutput("evaluation", per_run("s3://artifacts/evaluation"))],
        code="s3://artifacts/code/evaluate.py",
        property_files=[report],
    )
    register = RegisterModelStep(
        "Register",
        model_package_group=group,
        containers=[ModelContainer(image=ContainerImage.from_uri(IMAGE), model_data_url=train.model_artifacts)],
        content_types=["text/csv"],
        response_types=["text/csv"],
    )
    fail = FailStep("AccuracyTooLow", error_message=Join(on=" ", values=["accuracy below", threshold]))
    gate = ConditionStep(
        "QualityGate",
        conditions=[ConditionGreaterThanOrEqualTo(evaluate.json_get(report, "metrics.accuracy.value"), threshold)],
        if_steps=[register],
        else_steps=[fail],
    )
    definition = PipelineDefinition(parameters=[threshold, input_data], steps=[preprocess, train, evaluate, gate])
    return definition, definition.render()
