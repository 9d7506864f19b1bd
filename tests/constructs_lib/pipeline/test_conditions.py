"""ConditionStep and FailStep: the quality gate reads a metric from a property file with JsonGet;
operands must be of compatible types; property files must exist where they are read."""

from __future__ import annotations

import pytest

from constructs_lib import ConstructValidationError
from constructs_lib.foundation.container_image import ContainerImage
from constructs_lib.training.pipeline import (
    ConditionEquals,
    ConditionGreaterThan,
    ConditionGreaterThanOrEqualTo,
    ConditionIn,
    ConditionLessThan,
    ConditionLessThanOrEqualTo,
    ConditionNot,
    ConditionNotEquals,
    ConditionOr,
    ConditionStep,
    FailStep,
    JsonGet,
    ParameterBoolean,
    ParameterFloat,
    ParameterInteger,
    ParameterString,
    PipelineDefinition,
    ProcessingOutput,
    ProcessingStep,
    PropertyFile,
    TrainingStep,
)
from tests.constructs_lib.pipeline.conftest import SKLEARN, assert_valid, training_job

REPORT = PropertyFile("EvaluationReport", output_name="evaluation", path="evaluation.json")


@pytest.fixture()
def evaluate(role):
    return ProcessingStep(
        "Evaluate",
        role=role,
        image=ContainerImage.from_uri(SKLEARN),
        instance_type="ml.m5.large",
        outputs=[ProcessingOutput("evaluation", "s3://a/eval")],
        property_files=[REPORT],
    )


def _gate(*conditions):
    return ConditionStep(
        "Gate",
        conditions=list(conditions),
        if_steps=[FailStep("Yes", error_message="yes")],
        else_steps=[FailStep("No", error_message="no")],
    )


def _render(steps, parameters=()):
    rendered = PipelineDefinition(parameters=list(parameters), steps=steps).render()
    assert_valid(rendered)
    return rendered


def _error(steps, parameters=()) -> str:
    with pytest.raises(ConstructValidationError) as error:
        PipelineDefinition(parameters=list(parameters), steps=steps).render()
    return str(error.value)


def test_quality_gate_reads_the_evaluation_report_with_json_get(evaluate):
    threshold = ParameterFloat("Threshold", default_value=0.8)
    gate = _gate(ConditionGreaterThanOrEqualTo(evaluate.json_get(REPORT, "metrics.accuracy.value"), threshold))
    rendered = _render([evaluate, gate], [threshold])
    assert rendered["Steps"][1]["Arguments"]["Conditions"] == [
        {
            "Type": "GreaterThanOrEqualTo",
            "LeftValue": {
                "Std:JsonGet": {
                    "PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.EvaluationReport"},
                    "Path": "metrics.accuracy.value",
                }
            },
            "RightValue": {"Get": "Parameters.Threshold"},
        }
    ]


def test_every_comparison_membership_negation_and_disjunction(evaluate, role):
    accuracy = evaluate.json_get(REPORT, "metrics.accuracy.value", kind="Float")
    mode = ParameterString("Mode", default_value="full")
    count = ParameterInteger("Count", default_value=2)
    flag = ParameterBoolean("Force", default_value=False)
    train = TrainingStep("Train", job=training_job(role))
    conditions = [
        ConditionGreaterThan(accuracy, 0.5),
        ConditionLessThan(count, 10),
        ConditionLessThanOrEqualTo(accuracy, 1),
        ConditionEquals(mode, "full"),
        ConditionNotEquals(flag, True),
        ConditionIn(mode, ["full", "fast"]),
        ConditionNot(ConditionEquals(count, 0)),
        ConditionOr([ConditionGreaterThan(train.final_metric("validation:auc"), 0.9), ConditionEquals(flag, True)]),
    ]
    rendered = _render([evaluate, train, _gate(*conditions)], [mode, count, flag])
    types = [c["Type"] for c in rendered["Steps"][2]["Arguments"]["Conditions"]]
    assert types == ["GreaterThan", "LessThan", "LessThanOrEqualTo", "Equals", "NotEquals", "In", "Not", "Or"]
    in_condition = rendered["Steps"][2]["Arguments"]["Conditions"][5]
    assert in_condition == {"Type": "In", "QueryValue": {"Get": "Parameters.Mode"}, "Values": ["full", "fast"]}


def test_the_condition_waits_for_the_steps_it_reads(evaluate):
    gate = _gate(ConditionGreaterThan(evaluate.json_get(REPORT, "a"), 0.5))
    evaluate.add_depends_on(gate)
    assert "'Evaluate -> Gate -> Evaluate'" in _error([evaluate, gate])


@pytest.mark.parametrize(
    "condition, message",
    [
        (
            lambda: ConditionGreaterThanOrEqualTo(ParameterString("Mode"), 0.8),
            "conditions[0] (GreaterThanOrEqualTo)=ParameterString('Mode') vs 0.8: GreaterThanOrEqualTo compares "
            "numbers; operands are String and Float",
        ),
        (
            lambda: ConditionEquals(ParameterBoolean("Force"), "yes"),
            "conditions[0] (Equals)=ParameterBoolean('Force') vs 'yes': Equals needs operands of one type; got "
            "Boolean and String",
        ),
        (
            lambda: ConditionIn(ParameterInteger("Count"), [1, "two"]),
            "conditions[0] (In).in_values[1]='two': must be of the value's type (Integer); got String",
        ),
        (
            lambda: ConditionLessThan("a", "b"),
            "conditions[0] (LessThan)='a' vs 'b': LessThan compares numbers; operands are String and String",
        ),
        (lambda: ConditionOr([ConditionEquals(1, 1)]), "conditions[0] (Or).conditions=1: must list at least two"),
        (
            lambda: ConditionGreaterThan({"Get": "Steps.X"}, 1),
            "conditions[0] (GreaterThan).left={'Get': 'Steps.X'}: must be a number, string, boolean, parameter",
        ),
    ],
)
def test_condition_operands_of_incompatible_types_fail(condition, message):
    built = condition()
    parameters = []
    for operand in getattr(built, "operands", lambda: [])():
        if hasattr(operand, "to_definition") and operand.name not in [p.name for p in parameters]:
            parameters.append(operand)
    assert "steps['Gate'] (Condition) " + message in _error([_gate(built)], parameters)


def test_json_get_needs_the_property_file_on_that_processing_step(evaluate, role):
    unknown = JsonGet(step=evaluate, property_file="Metrics", json_path="a")
    message = _error([evaluate, _gate(ConditionGreaterThan(unknown, 0.5))])
    assert (
        "JsonGet reads property file 'Metrics', which step 'Evaluate' does not declare (property_files: "
        "EvaluationReport)"
    ) in message
    train = TrainingStep("Train", job=training_job(role))
    message = _error([train, _gate(ConditionGreaterThan(JsonGet(step=train, property_file=REPORT, json_path="a"), 1))])
    assert "JsonGet reads property files of processing steps only" in message


def test_a_condition_needs_conditions_and_a_branch():
    message = _error([ConditionStep("Gate", conditions=[])])
    assert "steps['Gate'] (Condition) conditions=[]: must list at least one condition" in message
    assert "if_steps/else_steps=[]: a condition needs at least one branch step" in message


def test_fail_step_error_message_must_be_a_string():
    assert "steps['Stop'] (Fail) error_message=3: must be a String" in _error([FailStep("Stop", error_message=3)])
