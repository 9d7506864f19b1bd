"""LambdaStep, CallbackStep, retry policies and step caching."""

from __future__ import annotations

import pytest
from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs

from constructs_lib import ConstructValidationError
from constructs_lib.foundation.container_image import ContainerImage
from constructs_lib.training.pipeline import (
    CacheConfig,
    CallbackStep,
    ConditionEquals,
    ConditionStep,
    CreateModelStep,
    ExecutionVariables,
    FailStep,
    LambdaStep,
    ModelContainer,
    PipelineDefinition,
    RetryPolicy,
    StepOutput,
    TrainingStep,
)
from tests.conftest import new_stack
from tests.constructs_lib.pipeline.conftest import IMAGE, assert_valid, training_job

FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:notify"
QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:approvals"


@pytest.fixture(scope="module")
def handlers():
    stack = new_stack()
    return (
        lambda_.Function.from_function_arn(stack, "Fn", FUNCTION_ARN),
        sqs.Queue.from_queue_arn(stack, "Queue", QUEUE_ARN),
    )


def _render(steps):
    rendered = PipelineDefinition(steps=steps).render()
    assert_valid(rendered)
    return rendered


def _error(steps) -> str:
    with pytest.raises(ConstructValidationError) as error:
        PipelineDefinition(steps=steps).render()
    return str(error.value)


def test_lambda_step_invokes_a_function_and_exposes_its_outputs(handlers, role):
    function, _ = handlers
    train = TrainingStep("Train", job=training_job(role))
    notify = LambdaStep(
        "Notify",
        function=function,
        inputs={"model": train.model_artifacts, "execution": ExecutionVariables.PIPELINE_EXECUTION_ID},
        outputs=[StepOutput("approved", "Boolean"), StepOutput("ticket")],
        cache=CacheConfig(Duration.hours(12)),
    )
    gate = ConditionStep(
        "Gate",
        conditions=[ConditionEquals(notify.outputs["approved"], True)],
        if_steps=[FailStep("Stop", error_message=notify.outputs["ticket"])],
    )
    step = {s["Name"]: s for s in _render([train, notify, gate])["Steps"]}["Notify"]
    assert step["FunctionArn"] == FUNCTION_ARN
    assert step["Arguments"] == {
        "model": {"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"},
        "execution": {"Get": "Execution.PipelineExecutionId"},
    }
    assert step["OutputParameters"] == [
        {"OutputName": "approved", "OutputType": "Boolean"},
        {"OutputName": "ticket", "OutputType": "String"},
    ]
    assert step["CacheConfig"] == {"Enabled": True, "ExpireAfter": "PT12H"}
    assert notify.outputs["approved"].expr == {"Get": "Steps.Notify.OutputParameters['approved']"}
    with pytest.raises(
        ConstructValidationError, match="outputs\\[name\\]='missing': has no such output; outputs: approved, ticket"
    ):
        notify.outputs["missing"]


def test_callback_step_sends_to_a_queue_and_waits(handlers):
    _, queue = handlers
    step = _render(
        [CallbackStep("ManualCheck", queue=queue, inputs={"reason": "audit"}, outputs=[StepOutput("score", "Float")])]
    )["Steps"][0]
    assert step["Type"] == "Callback"
    assert step["SqsQueueUrl"].startswith("https://sqs.eu-west-1.")  # the URL suffix is the partition's token
    assert step["SqsQueueUrl"].endswith("/123456789012/approvals")
    assert step["OutputParameters"] == [{"OutputName": "score", "OutputType": "Float"}]


def test_bad_outputs_of_lambda_and_callback_steps_fail(handlers):
    function, queue = handlers
    message = _error(
        [
            LambdaStep("Notify", function=function, outputs=[StepOutput("a", "List"), StepOutput("a")]),
            CallbackStep("Check", queue=queue, outputs=[StepOutput("bad name")]),
        ]
    )
    assert "steps['Notify'] (Lambda) outputs=['a', 'a']: names must be unique" in message
    assert (
        "steps['Notify'] (Lambda) outputs['a'].kind='List': must be one of String, Integer, Boolean, Float" in message
    )
    assert "steps['Check'] (Callback) outputs='bad name': names must be 1-64 letters" in message


def test_retry_policies_and_caching_on_job_steps(role):
    train = TrainingStep(
        "Train",
        job=training_job(role),
        cache=CacheConfig(Duration.days(30)),
        retry_policies=[
            RetryPolicy(
                ["SageMaker.CAPACITY_ERROR", "SageMaker.RESOURCE_LIMIT"],
                interval_seconds=60,
                backoff_rate=2.0,
                expire_after_minutes=120,
            ),
            RetryPolicy(["Step.THROTTLING"], max_attempts=5),
        ],
    )
    step = _render([train])["Steps"][0]
    assert step["RetryPolicies"] == [
        {
            "ExceptionType": ["SageMaker.CAPACITY_ERROR", "SageMaker.RESOURCE_LIMIT"],
            "IntervalSeconds": 60,
            "BackoffRate": 2.0,
            "ExpireAfterMin": 120,
        },
        {"ExceptionType": ["Step.THROTTLING"], "IntervalSeconds": 1, "BackoffRate": 2.0, "MaxAttempts": 5},
    ]
    assert step["CacheConfig"] == {"Enabled": True, "ExpireAfter": "P30D"}


def test_model_steps_retry_on_service_faults(role):
    model = CreateModelStep(
        "Model",
        role=role,
        containers=[ModelContainer(image=ContainerImage.from_uri(IMAGE))],
        retry_policies=[RetryPolicy(["Step.SERVICE_FAULT"])],
    )
    assert _render([model])["Steps"][0]["RetryPolicies"][0]["ExceptionType"] == ["Step.SERVICE_FAULT"]


@pytest.mark.parametrize(
    "step, message",
    [
        (
            lambda role: CreateModelStep(
                "S",
                role=role,
                containers=[ModelContainer(image=ContainerImage.from_uri(IMAGE))],
                retry_policies=[RetryPolicy(["SageMaker.CAPACITY_ERROR"])],
            ),
            "retry_policies[0].exception_types='SageMaker.CAPACITY_ERROR': must be one of Step.SERVICE_FAULT, "
            "Step.THROTTLING",
        ),
        (
            lambda role: TrainingStep("S", job=training_job(role), retry_policies=[RetryPolicy(["Step.OOPS"])]),
            "retry_policies[0].exception_types='Step.OOPS'",
        ),
        (
            lambda role: TrainingStep(
                "S",
                job=training_job(role),
                retry_policies=[RetryPolicy(["Step.THROTTLING"], max_attempts=3, expire_after_minutes=10)],
            ),
            "give max_attempts or expire_after_minutes, not both",
        ),
        (
            lambda role: TrainingStep(
                "S", job=training_job(role), retry_policies=[RetryPolicy(["Step.THROTTLING"], max_attempts=50)]
            ),
            "retry_policies[0].max_attempts=50: must be from 1 to 20",
        ),
        (
            lambda role: TrainingStep("S", job=training_job(role), retry_policies=[RetryPolicy([])]),
            "retry_policies[0].exception_types=[]: must name at least one of",
        ),
        (
            lambda role: FailStep("S", error_message="x", retry_policies=[RetryPolicy(["Step.THROTTLING"])]),
            "retry_policies=",
        ),
        (
            lambda role: CreateModelStep(
                "S",
                role=role,
                containers=[ModelContainer(image=ContainerImage.from_uri(IMAGE))],
                cache=CacheConfig(Duration.days(1)),
            ),
            "cache=CacheConfig(",
        ),
    ],
)
def test_unsupported_or_bad_retry_and_cache_settings_fail(role, step, message):
    assert message in _error([step(role)])
