"""The checks themselves: the botocore walker and the schema catch what they should, and each
correction of the official schema is needed (the pristine schema rejects exactly that construct)."""

from __future__ import annotations

import copy

import pytest
from aws_cdk import Duration

from constructs_lib.foundation.container_image import ContainerImage
from constructs_lib.training.pipeline import (
    AutoMLMetric,
    AutoMLProblemType,
    AutoMLStep,
    CategoricalRange,
    ConditionEquals,
    ConditionIn,
    ConditionNot,
    ConditionStep,
    CreateModelStep,
    DriftCheckBaselines,
    EmrStep,
    EmrStepConfig,
    EndpointConfigStep,
    EndpointStep,
    EndpointVariant,
    FailStep,
    InstanceGroup,
    Join,
    ModelContainer,
    ParameterString,
    PipelineDefinition,
    PipelineExperimentConfig,
    ProcessingOutput,
    ProcessingStep,
    ProfilerConfig,
    ProfilerRule,
    ProfilerRuleName,
    PropertyFile,
    RegisterModelStep,
    RetryPolicy,
    TrainingChannel,
    TrainingStep,
    TuningObjective,
    TuningStep,
    WarmStart,
)
from tests.conftest import ROOT
from tests.constructs_lib.pipeline.conftest import IMAGE, SKLEARN, training_job
from tests.sagemaker_contract import (
    DEFAULT_SCHEMA_PATH,
    SCHEMA_CORRECTIONS,
    SCHEMA_NAME,
    SchemaMissing,
    definition_api_problems,
    is_expression,
    schema_errors,
    schema_source,
)


def test_the_schema_is_not_in_the_repository():
    assert not list(ROOT.rglob(SCHEMA_NAME)), "the official schema's licence is unstated: read it, do not copy it"


def test_the_schema_is_read_from_pipeline_schema_when_set(tmp_path, monkeypatch):
    schema = tmp_path / "schema.json"
    schema.write_text("{}")
    monkeypatch.setenv("PIPELINE_SCHEMA", str(schema))
    assert schema_source() == (schema, f"{schema} (from PIPELINE_SCHEMA)")


def test_a_pipeline_schema_that_names_no_file_is_an_error_not_a_skip(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPELINE_SCHEMA", str(tmp_path / "missing.json"))
    with pytest.raises(SchemaMissing, match="PIPELINE_SCHEMA=.*missing.json is not a file"):
        schema_source()
    with pytest.raises(SchemaMissing):
        schema_errors({"Version": "2020-12-01", "Steps": []})


def test_without_a_schema_the_schema_checks_skip_with_the_reason(tmp_path, monkeypatch):
    """A clone with no ../shared beside it (a user's): skipped, saying why and how to run them."""
    import tests.sagemaker_contract as contract

    monkeypatch.delenv("PIPELINE_SCHEMA", raising=False)
    monkeypatch.setattr(contract, "DEFAULT_SCHEMA_PATH", tmp_path / "shared" / "schemas" / SCHEMA_NAME)
    path, reason = schema_source()
    assert path is None and "PIPELINE_SCHEMA is not set" in reason and "skipped" in reason
    with pytest.raises(pytest.skip.Exception, match="set PIPELINE_SCHEMA to the schema file"):
        schema_errors({"Version": "2020-12-01", "Steps": []})


def test_in_the_workspace_the_schema_is_read_from_the_shared_directory(monkeypatch):
    monkeypatch.delenv("PIPELINE_SCHEMA", raising=False)
    if not DEFAULT_SCHEMA_PATH.is_file():
        pytest.skip("no ../shared beside this clone")
    assert schema_source()[0] == DEFAULT_SCHEMA_PATH and DEFAULT_SCHEMA_PATH.parent.parent.name == "shared"


def test_the_run_says_which_schema_it_validates_against_and_a_wrong_one_stops_it(tmp_path, monkeypatch):
    """The run's summary names the schema (or the skip and why); a PIPELINE_SCHEMA naming no file ends
    the run before any test (pytest_configure), so CI cannot pass with the schema checks skipped."""
    from tests.conftest import pytest_configure, pytest_terminal_summary

    class Reporter:
        lines: list[str] = []

        def write_line(self, line: str) -> None:
            self.lines.append(line)

    path, _ = schema_source()
    pytest_terminal_summary(Reporter())
    assert Reporter.lines[0].startswith(f"pipeline definition schema: {path or 'none'}")
    monkeypatch.setenv("PIPELINE_SCHEMA", str(tmp_path / "missing.json"))
    with pytest.raises(pytest.UsageError, match="missing.json is not a file"):
        pytest_configure(None)


def test_expressions_are_recognised():
    assert is_expression({"Get": "Parameters.X"})
    assert is_expression({"Std:Join": {"On": "/", "Values": ["a", {"Get": "Steps.A.B"}]}})
    assert is_expression({"Std:JsonGet": {"PropertyFile": {"Get": "Steps.E.PropertyFiles.R"}, "Path": "a.b"}})
    assert not is_expression({"Get": "Nothing.X"})
    assert not is_expression({"S3Uri": "s3://a"})


def _training_definition(role) -> dict:
    return PipelineDefinition(steps=[TrainingStep("Train", job=training_job(role))]).render()


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (
            lambda a: a.update(TrainingJobNam="x"),
            "Arguments.TrainingJobNam: unknown member of CreateTrainingJobRequest",
        ),
        (
            lambda a: a["AlgorithmSpecification"].update(TrainingInputMode="Stream"),
            "Arguments.AlgorithmSpecification.TrainingInputMode: 'Stream' is not one of TrainingInputMode's values",
        ),
        (
            lambda a: a["ResourceConfig"].update(InstanceCount="1"),
            "Arguments.ResourceConfig.InstanceCount: expected an integer",
        ),
        (
            lambda a: a["ResourceConfig"].update(InstanceType="ml.m5.mega"),
            "Arguments.ResourceConfig.InstanceType: 'ml.m5.mega' is not one of TrainingInstanceType's values",
        ),
        (
            lambda a: a["OutputDataConfig"].pop("S3OutputPath"),
            "Arguments.OutputDataConfig.S3OutputPath: required by OutputDataConfig",
        ),
        (lambda a: a.update(EnableNetworkIsolation="true"), "Arguments.EnableNetworkIsolation: expected a boolean"),
        (
            lambda a: a["StoppingCondition"].update(MaxRuntimeInSeconds=0),
            "Arguments.StoppingCondition.MaxRuntimeInSeconds: 0 is below the minimum 1",
        ),
    ],
)
def test_canary_the_botocore_walker_reports_bad_arguments(role, mutate, expected):
    definition = _training_definition(role)
    mutate(definition["Steps"][0]["Arguments"])
    problems = definition_api_problems(definition)
    assert any(expected in problem for problem in problems), problems


def test_the_walker_accepts_expressions_where_values_go_and_generated_names_absent(role):
    definition = _training_definition(role)
    args = definition["Steps"][0]["Arguments"]
    args["ResourceConfig"]["InstanceCount"] = {"Get": "Parameters.Count"}
    args["OutputDataConfig"]["S3OutputPath"] = {"Std:Join": {"On": "/", "Values": ["s3://a", {"Get": "Execution.X"}]}}
    assert "TrainingJobName" not in args
    assert definition_api_problems(definition) == []


def test_canary_the_schema_reports_a_bad_definition(role):
    definition = _training_definition(role)
    bad = copy.deepcopy(definition)
    bad["Steps"][0]["Type"] = "Train"
    assert schema_errors(bad)
    bad = copy.deepcopy(definition)
    bad["Steps"][0]["Arguments"]["TrainingImage"] = "x"
    assert any("TrainingImage" in error for error in schema_errors(bad))
    bad = copy.deepcopy(definition)
    bad["Version"] = "2021-01-01"
    assert any("Version" in error for error in schema_errors(bad))


def test_a_plain_definition_needs_no_correction(role):
    definition = _training_definition(role)
    assert schema_errors(definition, corrected=False) == []


# Each correction, with the smallest definition that needs it.
def _needs_expressions(role, group):
    out = Join(on="/", values=["s3://a", ParameterString("Run")])
    step = ProcessingStep(
        "P",
        role=role,
        image=ContainerImage.from_uri(SKLEARN),
        instance_type="ml.m5.large",
        outputs=[ProcessingOutput("o", out)],
    )
    return PipelineDefinition(parameters=[ParameterString("Run")], steps=[step])


def _needs_property_files(role, group):
    report = PropertyFile("R", output_name="o", path="r.json")
    step = ProcessingStep(
        "P",
        role=role,
        image=ContainerImage.from_uri(SKLEARN),
        instance_type="ml.m5.large",
        outputs=[ProcessingOutput("o", "s3://a/o")],
        property_files=[report],
    )
    return PipelineDefinition(steps=[step])


def _needs_retry_policy(role, group):
    return PipelineDefinition(
        steps=[TrainingStep("T", job=training_job(role), retry_policies=[RetryPolicy(["Step.THROTTLING"])])]
    )


def _needs_model_data_url(role, group):
    train = TrainingStep("T", job=training_job(role))
    model = CreateModelStep(
        "M",
        role=role,
        containers=[ModelContainer(image=ContainerImage.from_uri(IMAGE), model_data_url=train.model_artifacts)],
    )
    return PipelineDefinition(steps=[train, model])


def _needs_conditions(role, group):
    mode = ParameterString("Mode", default_value="a")
    gate = ConditionStep(
        "C",
        conditions=[ConditionIn(mode, ["a", "b"]), ConditionNot(ConditionEquals(mode, "c"))],
        if_steps=[FailStep("F", error_message="x")],
    )
    return PipelineDefinition(parameters=[mode], steps=[gate])


def _needs_register_model(role, group):
    register = RegisterModelStep(
        "R",
        model_package_group=group,
        containers=[ModelContainer(image=ContainerImage.from_uri(IMAGE), model_data_url="s3://a/m.tar.gz")],
        content_types=["text/csv"],
        response_types=["text/csv"],
    )
    return PipelineDefinition(steps=[register])


def _needs_tuning(role, group):
    tune = TuningStep(
        "T",
        job=training_job(role),
        objective=TuningObjective("validation:auc"),
        ranges=[CategoricalRange("max_depth", [3, 6])],
        strategy="Grid",
        max_jobs=None,
        warm_start=WarmStart(["parent"]),
        max_runtime=Duration.hours(1),
    )
    return PipelineDefinition(steps=[tune])


def _needs_large_models(role, group):
    job = training_job(
        role,
        instance_type=None,
        instance_groups=[InstanceGroup("train", "ml.p4d.24xlarge", 2), InstanceGroup("data", "ml.c5.4xlarge", 1)],
        channels=[TrainingChannel("train", "s3://data/train/", instance_groups=["data"])],
        keep_alive_period=Duration.minutes(10),
        profiler=ProfilerConfig(
            region="eu-west-1", s3_output_path="s3://a/p", rules=[ProfilerRule(ProfilerRuleName.PROFILER_REPORT)]
        ),
        remote_debug=True,
        enable_network_isolation=False,
    )
    return PipelineDefinition(steps=[TrainingStep("T", job=job)])


def _needs_experiment_config(role, group):
    step = ProcessingStep("P", role=role, image=ContainerImage.from_uri(SKLEARN), instance_type="ml.m5.large")
    return PipelineDefinition(steps=[step], experiment_config=PipelineExperimentConfig())


def _needs_emr(role, group):
    return PipelineDefinition(
        steps=[EmrStep("E", cluster_id="j-2AXXXXXXGAPLF", step_config=EmrStepConfig(jar="command-runner.jar"))]
    )


def _needs_endpoint_config(role, group):
    config = EndpointConfigStep(
        "C",
        name_prefix="churn-dev",
        variants=[EndpointVariant(model_name="churn-model", instance_type="ml.m5.large")],
        retry_policies=[RetryPolicy(["Step.THROTTLING"])],
    )
    return PipelineDefinition(steps=[config, EndpointStep("E", endpoint_name="churn-dev", endpoint_config=config)])


def _needs_automl(role, group):
    automl = AutoMLStep(
        "A",
        role=role,
        training_data="s3://d/train/",
        target_attribute="y",
        output_path="s3://d/out/",
        problem_type=AutoMLProblemType.REGRESSION,
        objective=AutoMLMetric.RMSE,
    )
    return PipelineDefinition(steps=[automl])


def _needs_training_environment(role, group):
    return PipelineDefinition(steps=[TrainingStep("T", job=training_job(role, environment={"MODE": "fast"}))])


def _needs_check_steps(role, group):
    from tests.constructs_lib.pipeline.test_checks import data_quality_check

    return PipelineDefinition(steps=[data_quality_check(role, group)])


def _needs_drift_check_baselines(role, group):
    register = RegisterModelStep(
        "R",
        model_package_group=group,
        containers=[ModelContainer(image=ContainerImage.from_uri(IMAGE), model_data_url="s3://a/m.tar.gz")],
        content_types=["text/csv"],
        response_types=["text/csv"],
        drift_check_baselines=DriftCheckBaselines(data_quality_constraints="s3://a/constraints.json"),
    )
    return PipelineDefinition(steps=[register])


NEEDS = {
    "expressions": _needs_expressions,
    "property_files": _needs_property_files,
    "retry_policy": _needs_retry_policy,
    "model_data_url": _needs_model_data_url,
    "conditions": _needs_conditions,
    "register_model": _needs_register_model,
    "tuning": _needs_tuning,
    "large_models": _needs_large_models,
    "experiment_config": _needs_experiment_config,
    "emr": _needs_emr,
    "endpoint_config": _needs_endpoint_config,
    "automl": _needs_automl,
    "training_environment": _needs_training_environment,
    "check_steps": _needs_check_steps,
    "drift_check_baselines": _needs_drift_check_baselines,
}


def test_every_correction_is_exercised():
    assert set(NEEDS) == set(SCHEMA_CORRECTIONS)


@pytest.mark.parametrize("correction", sorted(SCHEMA_CORRECTIONS))
def test_each_schema_correction_is_needed_and_sufficient(role, group, correction):
    definition = NEEDS[correction](role, group).render()
    assert definition_api_problems(definition) == []
    assert schema_errors(definition, corrected=False), f"the pristine schema accepts it: {correction} is not needed"
    assert schema_errors(definition) == []
