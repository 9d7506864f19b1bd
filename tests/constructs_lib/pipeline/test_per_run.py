"""Per-run state: checkpoints shared by executions are refused at synth, other outputs shared by
executions are warned about, and the rule itself (on rendered JSON) knows what varies per execution."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Annotations, Match

from constructs_lib import MlPipeline
from constructs_lib.foundation.container_image import ContainerImage
from constructs_lib.training.pipeline import (
    ConditionEquals,
    ConditionStep,
    ExecutionVariables,
    Join,
    ParameterString,
    PipelineDefinition,
    ProcessingOutput,
    ProcessingStep,
    TrainingStep,
    TransformStep,
)
from constructs_lib.training.pipeline.per_run import run_state, shared_state, varies_per_execution
from tests.conftest import new_stack
from tests.constructs_lib.pipeline.conftest import SKLEARN, per_run, reference_pipeline, training_job

RUN = {"Get": "Execution.PipelineExecutionId"}


@pytest.mark.parametrize(
    "value, varies",
    [
        (RUN, True),
        ({"Get": "Execution.PipelineExecutionArn"}, True),
        ({"Std:Join": {"On": "/", "Values": ["s3://a", RUN, "x"]}}, True),
        ({"Std:Join": {"On": "/", "Values": ["s3://a", {"Std:Join": {"On": "", "Values": [RUN]}}]}}, True),
        ({"Get": "Steps.Train.TrainingJobName"}, True),  # a job of this execution: unique to it
        ({"Get": "Steps.Tune.BestTrainingJob.TrainingJobName"}, True),
        ("s3://a/checkpoints", False),
        ("s3://${Token[TOKEN.1]}/checkpoints", False),
        ({"Get": "Parameters.Checkpoints"}, False),  # the default when the starter does not set it
        ({"Std:Join": {"On": "/", "Values": ["s3://a", {"Get": "Parameters.Run"}]}}, False),
        ({"Get": "Execution.StartDateTime"}, False),  # two executions can start in the same second
        ({"Get": "Execution.PipelineName"}, False),
        ({"Get": "Steps.Prep.ProcessingOutputConfig.Outputs['x'].S3Output.S3Uri"}, False),  # echoes its destination
        ({"Std:JsonGet": {"PropertyFile": {"Get": "Steps.E.PropertyFiles.R"}, "Path": "uri"}}, False),
        (None, False),
    ],
)
def test_what_varies_with_the_execution(value, varies):
    assert varies_per_execution(value) is varies


def test_the_rule_finds_checkpoints_outputs_and_transform_paths_in_condition_branches_too(role):
    from aws_cdk import Duration

    train = TrainingStep(
        "Train",
        job=training_job(
            role,
            use_spot_instances=True,
            max_wait=Duration.hours(2),
            checkpoint_s3_uri=per_run("s3://a", "checkpoints"),
        ),
    )
    score = TransformStep(
        "Score", model_name="m", instance_type="ml.m5.large", input_s3_uri="s3://d/in", output_path="s3://d/out"
    )
    go = ParameterString("Go", default_value="yes")
    gate = ConditionStep("Gate", conditions=[ConditionEquals(go, "yes")], if_steps=[score], depends_on=[train])
    rendered = PipelineDefinition(parameters=[go], steps=[train, gate]).render()
    found = [(s.step, s.argument, s.required) for s in run_state(rendered["Steps"])]
    assert found == [("Train", "job.checkpoint_s3_uri", True), ("Score", "output_path", False)]
    assert [s.step for s in shared_state(rendered)] == ["Score"]
    rendered["Steps"][0]["Arguments"]["CheckpointConfig"]["S3Uri"] = "s3://a/checkpoints"  # canary
    assert [(s.step, s.required) for s in shared_state(rendered)] == [("Train", True), ("Score", False)]


def test_the_reference_pipeline_keeps_every_runs_state_apart(role, group):
    _, rendered = reference_pipeline(role, group)
    states = list(run_state(rendered["Steps"]))
    assert {s.argument for s in states} >= {"job.checkpoint_s3_uri", "outputs['evaluation'].destination"}
    assert shared_state(rendered) == []


def _warnings(role, *, output, transform_output) -> list:
    stack = new_stack()
    prep = ProcessingStep(
        "Prep",
        role=role,
        image=ContainerImage.from_uri(SKLEARN),
        instance_type="ml.m5.large",
        outputs=[ProcessingOutput("train", output)],
    )
    score = TransformStep(
        "Score",
        model_name="m",
        instance_type="ml.m5.large",
        input_s3_uri=prep.outputs["train"],
        output_path=transform_output,
    )
    MlPipeline(stack, "Pipeline", pipeline_name="p", definition=PipelineDefinition(steps=[prep, score]))
    return Annotations.from_stack(stack).find_warning(
        "/Test/Pipeline", Match.string_like_regexp("pipelineSharedOutput")
    )


def test_outputs_shared_by_executions_are_warned_about_naming_the_step_and_why(role):
    warnings = [w.entry.data for w in _warnings(role, output="s3://d/prepared/train", transform_output="s3://d/out")]
    assert len(warnings) == 2
    assert warnings[0].startswith(
        "steps['Prep'] (Processing) outputs['train'].destination='s3://d/prepared/train' "
        "is the same prefix in every execution: SageMaker adds objects to it and never "
        "empties it"
    )
    assert warnings[1].startswith(
        "steps['Score'] (Transform) output_path='s3://d/out' is the same prefix in every "
        "execution: batch transform writes '<input object>.out' there without the job name"
    )


def test_outputs_per_execution_are_not_warned_about(role):
    assert (
        _warnings(
            role,
            output=per_run("s3://d/prepared", "train"),
            transform_output=Join(on="/", values=["s3://d/out", ExecutionVariables.PIPELINE_EXECUTION_ARN]),
        )
        == []
    )
