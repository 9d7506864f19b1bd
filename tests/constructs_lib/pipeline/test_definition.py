"""The definition as a whole: parameters, references between steps, nesting, and the checks that
span steps (unique names, known steps and parameters, no cycles)."""

from __future__ import annotations

import json

import pytest

from constructs_lib import ConstructValidationError
from constructs_lib.foundation.container_image import ContainerImage
from constructs_lib.training.pipeline import (
    VERSION,
    ExecutionVariables,
    FailStep,
    Join,
    ParameterBoolean,
    ParameterFloat,
    ParameterInteger,
    ParameterString,
    PipelineDefinition,
    ProcessingOutput,
    ProcessingStep,
    TrainingChannel,
    TrainingStep,
)
from tests.constructs_lib.pipeline.conftest import SKLEARN, assert_valid, reference_pipeline, training_job


@pytest.fixture(scope="module")
def reference(role, group):
    return reference_pipeline(role, group)


def test_reference_pipeline_matches_the_api_and_the_schema(reference):
    assert_valid(reference[1])


def test_definition_has_version_parameters_and_steps_in_order(reference):
    definition = reference[1]
    assert definition["Version"] == VERSION == "2020-12-01"
    assert [p["Name"] for p in definition["Parameters"]] == ["AccuracyThreshold", "InputData"]
    assert [s["Name"] for s in definition["Steps"]] == ["Preprocess", "Train", "Evaluate", "QualityGate"]


def test_parameters_of_every_type_render_with_their_defaults():
    parameters = [
        ParameterString("S", default_value="x"),
        ParameterInteger("I", default_value=3),
        ParameterFloat("F", default_value=0.5),
        ParameterBoolean("B", default_value=True),
        ParameterString("NoDefault", description="must be given at start"),
    ]
    rendered = PipelineDefinition(parameters=parameters, steps=[FailStep("Stop", error_message="x")]).render()
    assert rendered["Parameters"] == [
        {"Name": "S", "Type": "String", "DefaultValue": "x"},
        {"Name": "I", "Type": "Integer", "DefaultValue": 3},
        {"Name": "F", "Type": "Float", "DefaultValue": 0.5},
        {"Name": "B", "Type": "Boolean", "DefaultValue": True},
        {"Name": "NoDefault", "Type": "String", "Description": "must be given at start"},
    ]
    assert_valid(rendered)


def test_parameter_names_are_exposed_for_schedules_and_rules(reference):
    assert reference[0].parameter_names == frozenset({"AccuracyThreshold", "InputData"})


def test_parameters_are_usable_wherever_a_value_goes(role):
    instance_type = ParameterString("InstanceType", default_value="ml.m5.large")
    count = ParameterInteger("InstanceCount", default_value=1)
    step = TrainingStep("Train", job=training_job(role, instance_type=instance_type, instance_count=count))
    rendered = PipelineDefinition(parameters=[instance_type, count], steps=[step]).render()
    resources = rendered["Steps"][0]["Arguments"]["ResourceConfig"]
    assert resources["InstanceType"] == {"Get": "Parameters.InstanceType"}
    assert resources["InstanceCount"] == {"Get": "Parameters.InstanceCount"}
    assert_valid(rendered)


def test_step_references_are_python_attributes_that_render_as_get(reference):
    steps = {s["Name"]: s for s in reference[1]["Steps"]}
    channels = steps["Train"]["Arguments"]["InputDataConfig"]
    assert channels[0]["DataSource"]["S3DataSource"]["S3Uri"] == {
        "Get": "Steps.Preprocess.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"
    }
    model_input = steps["Evaluate"]["Arguments"]["ProcessingInputs"][0]
    assert model_input["S3Input"]["S3Uri"] == {"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}


def test_properties_follow_the_describe_response_shapes(role):
    train = TrainingStep("Train", job=training_job(role))
    assert train.properties.FinalMetricDataList["validation:auc"].Value.expr == {
        "Get": "Steps.Train.FinalMetricDataList['validation:auc'].Value"
    }
    assert train.final_metric("validation:auc").kind == "Float"
    assert train.properties.TrainingJobName.kind == "String"
    with pytest.raises(AttributeError, match="has no property 'ModelArtifact'.*ModelArtifacts"):
        train.properties.ModelArtifact  # noqa: B018 - a typo fails where it is written


def test_processing_outputs_are_looked_up_by_name(role):
    step = ProcessingStep(
        "Prep",
        role=role,
        image=ContainerImage.from_uri(SKLEARN),
        instance_type="ml.m5.large",
        outputs=[ProcessingOutput("train", "s3://b/train")],
    )
    with pytest.raises(
        ConstructValidationError,
        match="(?s)Processing step 'Prep' .*outputs\\[name\\]='tran': has no such output; outputs: train",
    ):
        step.outputs["tran"]


def test_expressions_cannot_be_formatted_into_python_strings():
    with pytest.raises(TypeError, match="use Join"):
        f"s3://bucket/{ExecutionVariables.PIPELINE_EXECUTION_ID}"


def test_join_builds_per_execution_paths(role):
    output = Join(on="/", values=["s3://artifacts/runs", ExecutionVariables.PIPELINE_EXECUTION_ID, "train"])
    step = ProcessingStep(
        "Prep",
        role=role,
        image=ContainerImage.from_uri(SKLEARN),
        instance_type="ml.m5.large",
        outputs=[ProcessingOutput("train", output)],
    )
    rendered = PipelineDefinition(steps=[step]).render()
    uri = rendered["Steps"][0]["Arguments"]["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"]
    assert uri == {
        "Std:Join": {"On": "/", "Values": ["s3://artifacts/runs", {"Get": "Execution.PipelineExecutionId"}, "train"]}
    }
    assert_valid(rendered)


def test_condition_branches_are_nested_in_the_condition_step(reference):
    gate = reference[1]["Steps"][3]
    assert gate["Type"] == "Condition"
    assert [s["Name"] for s in gate["Arguments"]["IfSteps"]] == ["Register"]
    assert [s["Name"] for s in gate["Arguments"]["ElseSteps"]] == ["AccuracyTooLow"]


def test_definition_is_json(reference):
    text = reference[0].to_json()
    assert json.loads(text) == reference[1]


# --- checks across steps ---------------------------------------------------------------------------


def _error(definition: PipelineDefinition) -> str:
    with pytest.raises(ConstructValidationError) as error:
        definition.render()
    return str(error.value)


def test_rejects_duplicate_step_names(role):
    message = _error(
        PipelineDefinition(steps=[FailStep("Same", error_message="a"), FailStep("Same", error_message="b")])
    )
    assert "steps (names)=['Same']: step names must be unique" in message


def test_rejects_a_branch_step_also_listed_at_the_top(reference, role):
    definition, _ = reference
    gate = definition.steps[3]
    message = _error(PipelineDefinition(parameters=definition.parameters, steps=[*definition.steps, gate.if_steps[0]]))
    assert "steps (names)=['Register']" in message and "list a branch step only in its ConditionStep" in message


def test_rejects_references_to_steps_not_in_the_pipeline(role):
    prep = ProcessingStep(
        "Prep",
        role=role,
        image=ContainerImage.from_uri(SKLEARN),
        instance_type="ml.m5.large",
        outputs=[ProcessingOutput("train", "s3://b/train")],
    )
    train = TrainingStep("Train", job=training_job(role, channels=[TrainingChannel("train", prep.outputs["train"])]))
    message = _error(PipelineDefinition(steps=[train]))
    assert (
        "steps['Train'] (Training) Arguments.InputDataConfig[0].DataSource.S3DataSource.S3Uri='Prep': "
        "references step 'Prep', which is not in this pipeline (steps: Train)"
    ) in message


def test_rejects_undeclared_parameters(role):
    threshold = ParameterFloat("Threshold", default_value=0.5)
    message = _error(PipelineDefinition(steps=[FailStep("Stop", error_message=Join(values=["t=", threshold]))]))
    assert "uses parameter 'Threshold', which is not declared in parameters (none declared)" in message


def test_rejects_a_parameter_used_with_another_type_than_declared():
    declared = ParameterString("Mode", default_value="x")
    used = ParameterInteger("Mode")
    message = _error(
        PipelineDefinition(parameters=[declared], steps=[FailStep("Stop", error_message=Join(values=[used]))])
    )
    assert "uses ParameterInteger 'Mode' but the pipeline declares it as ParameterString" in message


def test_rejects_parameters_of_the_wrong_type_and_bad_names():
    parameters = [
        ParameterInteger("Count", default_value="3"),
        ParameterFloat("Rate", default_value=True),
        ParameterBoolean("Flag", default_value=1),
        ParameterString("bad name", default_value="x"),
    ]
    message = _error(PipelineDefinition(parameters=parameters, steps=[FailStep("Stop", error_message="x")]))
    assert "parameters['Count'].default_value='3': must be a Integer value (ParameterInteger), like 3" in message
    assert "parameters['Rate'].default_value=True: must be a Float value" in message
    assert "parameters['Flag'].default_value=1: must be a Boolean value" in message
    assert "parameters['bad name'].name='bad name'" in message


def test_rejects_duplicate_parameter_names():
    message = _error(
        PipelineDefinition(
            parameters=[ParameterString("A"), ParameterString("A")], steps=[FailStep("Stop", error_message="x")]
        )
    )
    assert "parameters=['A']: names must be unique" in message


def test_rejects_unknown_depends_on_names():
    message = _error(PipelineDefinition(steps=[FailStep("Stop", error_message="x", depends_on=["Nope"])]))
    assert "steps['Stop'] (Fail) depends_on='Nope': must name a step of this pipeline: Stop" in message


def test_rejects_cycles_through_depends_on_and_data_references(role):
    prep = ProcessingStep(
        "Prep",
        role=role,
        image=ContainerImage.from_uri(SKLEARN),
        instance_type="ml.m5.large",
        outputs=[ProcessingOutput("train", "s3://b/train")],
    )
    train = TrainingStep("Train", job=training_job(role, channels=[TrainingChannel("train", prep.outputs["train"])]))
    prep.add_depends_on(train)
    message = _error(PipelineDefinition(steps=[prep, train]))
    assert "steps (dependencies)='Prep -> Train -> Prep': steps must not depend on themselves" in message


def test_rejects_a_step_reading_its_own_properties(role):
    train = TrainingStep("Train", job=training_job(role))
    train.job = training_job(role, output_path=train.properties.OutputDataConfig.S3OutputPath)
    message = _error(PipelineDefinition(steps=[train]))
    assert "'Train -> Train'" in message


def test_reports_every_problem_at_once(role):
    message = _error(
        PipelineDefinition(
            parameters=[ParameterInteger("N", default_value="x")],
            steps=[FailStep("A", error_message="x"), FailStep("A", error_message="y", depends_on=["B"])],
        )
    )
    assert message.count("\n  - ") >= 3
    assert message.startswith("PipelineDefinition 'pipeline' has invalid input:")


def test_an_empty_pipeline_is_refused():
    assert "a pipeline needs at least one step" in _error(PipelineDefinition(steps=[]))


def test_s3_join_makes_per_execution_paths_and_keeps_the_location_for_grants(role):
    from aws_cdk import aws_s3 as s3

    from constructs_lib import S3Location
    from constructs_lib.training.pipeline import PropertyFile, S3Join
    from tests.conftest import new_stack

    bucket = s3.Bucket.from_bucket_name(new_stack(), "B", "artifacts")
    work = S3Location(bucket, "pipelines/training/")
    report = PropertyFile("R", output_name="evaluation", path="evaluation.json")
    step = ProcessingStep(
        "Evaluate",
        role=role,
        image=ContainerImage.from_uri(SKLEARN),
        instance_type="ml.m5.large",
        outputs=[ProcessingOutput("evaluation", S3Join(work, ExecutionVariables.PIPELINE_EXECUTION_ID, "evaluation"))],
        property_files=[report],
    )
    rendered = PipelineDefinition(steps=[step]).render()
    uri = rendered["Steps"][0]["Arguments"]["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"]
    assert uri == {
        "Std:Join": {
            "On": "/",
            "Values": ["s3://artifacts/pipelines/training", {"Get": "Execution.PipelineExecutionId"}, "evaluation"],
        }
    }
    assert step.requirements().read_locations == [work]
    assert_valid(rendered)
