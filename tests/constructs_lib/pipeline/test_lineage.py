"""LineageOptions: job tags (code version, image, inputs, datasets, hyperparameter digest) and the
lineage metadata of registered model versions, checked against botocore and the official schema."""

from __future__ import annotations

import pytest

from constructs_lib import ConstructValidationError
from constructs_lib.foundation.container_image import ContainerImage
from constructs_lib.training.pipeline import (
    CreateModelStep,
    IntegerRange,
    LineageOptions,
    ModelContainer,
    ParameterFloat,
    ParameterString,
    PipelineDefinition,
    RegisterModelStep,
    TrainingChannel,
    TrainingStep,
    TransformStep,
    TuningObjective,
    TuningStep,
)
from tests.constructs_lib.pipeline.conftest import IMAGE, SKLEARN, assert_valid, reference_pipeline, training_job

COMMIT = "0123456789abcdef0123456789abcdef01234567"
LINEAGE = LineageOptions(code_version=COMMIT, repository="github.com/acme/ml-platform", tags={"team": "churn"})


def _with_lineage(definition: PipelineDefinition, lineage: LineageOptions = LINEAGE) -> dict:
    definition.lineage = lineage
    rendered = definition.render()
    assert_valid(rendered)
    return rendered


def _steps(rendered: dict) -> dict[str, dict]:
    steps = {}
    for step in rendered["Steps"]:
        steps[step["Name"]] = step
        for branch in ("IfSteps", "ElseSteps"):
            for child in step["Arguments"].get(branch, []) if step["Type"] == "Condition" else []:
                steps[child["Name"]] = child
    return steps


def _tags(step: dict) -> dict:
    return {tag["Key"]: tag["Value"] for tag in step["Arguments"]["Tags"]}


@pytest.fixture(scope="module")
def reference(role, group) -> dict[str, dict]:
    definition, _ = reference_pipeline(role, group)
    return _steps(_with_lineage(definition))


def test_training_job_is_tagged_with_code_version_image_inputs_raw_dataset_and_hyperparameter_digest(reference):
    tags = _tags(reference["Train"])
    assert tags["lineage:code-version"] == COMMIT
    assert tags["lineage:repository"] == "github.com/acme/ml-platform"
    assert tags["lineage:pipeline"] == {"Get": "Execution.PipelineName"}
    assert tags["lineage:pipeline-step"] == "Train"
    assert tags["lineage:image"] == IMAGE
    assert tags["lineage:input:train"] == {
        "Get": "Steps.Preprocess.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"
    }
    # The raw data, followed back through the preprocessing step's outputs.
    assert tags["lineage:dataset:Preprocess.raw"] == {"Get": "Parameters.InputData"}
    assert len(tags["lineage:hyperparameters-sha256"]) == 64
    assert tags["team"] == "churn"


def test_processing_jobs_record_their_script_and_evaluation_traces_back_to_the_raw_data(reference):
    preprocess, evaluate = _tags(reference["Preprocess"]), _tags(reference["Evaluate"])
    assert preprocess["lineage:image"] == SKLEARN
    assert preprocess["lineage:code"] == "s3://artifacts/code/preprocess.py"
    assert preprocess["lineage:input:raw"] == {"Get": "Parameters.InputData"}
    assert "lineage:input:code" not in preprocess and "lineage:dataset:Preprocess.code" not in preprocess
    assert evaluate["lineage:input:model"] == {"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}
    assert evaluate["lineage:dataset:Preprocess.raw"] == {"Get": "Parameters.InputData"}
    assert "lineage:hyperparameters-sha256" not in evaluate


def test_registered_version_records_code_version_execution_training_job_image_and_dataset(reference):
    register = reference["Register"]["Arguments"]
    assert "Tags" not in register  # CreateModelPackage takes the group's tags
    metadata = register["CustomerMetadataProperties"]
    assert metadata == {
        "lineage:code-version": COMMIT,
        "lineage:repository": "github.com/acme/ml-platform",
        "lineage:pipeline-execution-arn": {"Get": "Execution.PipelineExecutionArn"},
        "lineage:training-job": {"Get": "Steps.Train.TrainingJobName"},
        "lineage:training-image": IMAGE,
        "lineage:hyperparameters-sha256": _tags(reference["Train"])["lineage:hyperparameters-sha256"],
        "lineage:dataset:Preprocess.raw": {"Get": "Parameters.InputData"},
    }


def test_conditions_and_failures_get_no_tags(reference):
    assert "Tags" not in reference["QualityGate"]["Arguments"]
    assert "Tags" not in reference["AccuracyTooLow"].get("Arguments", {})


def test_without_lineage_options_nothing_is_added(role, group):
    definition, rendered = reference_pipeline(role, group)
    steps = _steps(rendered)
    assert all("Tags" not in step.get("Arguments", {}) for step in steps.values())
    assert "CustomerMetadataProperties" not in steps["Register"]["Arguments"]


def test_hyperparameter_digest_is_stable_and_follows_the_values(role):
    eta = ParameterFloat("Eta", default_value=0.2)

    def digest(**hyperparameters) -> str:
        step = TrainingStep("Train", job=training_job(role, hyperparameters=hyperparameters))
        rendered = _with_lineage(PipelineDefinition(parameters=[eta], steps=[step]))
        return _tags(rendered["Steps"][0])["lineage:hyperparameters-sha256"]

    assert digest(eta=0.2, max_depth=5) == digest(max_depth=5, eta=0.2)
    assert digest(eta=0.2, max_depth=5) != digest(eta=0.3, max_depth=5)
    # A parameter counts by its name (its value is only known when the pipeline runs).
    assert digest(eta=eta) == digest(eta=eta) != digest(eta=0.2)


def test_hyperparameters_with_a_cdk_token_get_no_digest(role):
    from aws_cdk import Aws

    step = TrainingStep("Train", job=training_job(role, hyperparameters={"region": Aws.REGION}))
    assert "lineage:hyperparameters-sha256" not in _tags(_with_lineage(PipelineDefinition(steps=[step]))["Steps"][0])


def test_user_metadata_is_kept_next_to_the_lineage_entries(role, group):
    train = TrainingStep("Train", job=training_job(role))
    register = RegisterModelStep(
        "Register",
        model_package_group=group,
        content_types=["text/csv"],
        response_types=["text/csv"],
        customer_metadata={"owner": "churn-team"},
        containers=[ModelContainer(image=ContainerImage.from_uri(IMAGE), model_data_url=train.model_artifacts)],
    )
    metadata = _with_lineage(PipelineDefinition(steps=[train, register]))["Steps"][1]["Arguments"][
        "CustomerMetadataProperties"
    ]
    assert metadata["owner"] == "churn-team"
    assert metadata["lineage:training-job"] == {"Get": "Steps.Train.TrainingJobName"}


def test_tuning_jobs_are_tagged_and_a_tuned_model_records_its_tuning_job(role, group):
    tune = TuningStep(
        "Tune",
        job=training_job(role),
        objective=TuningObjective("validation:auc", "Maximize"),
        ranges=[IntegerRange("max_depth", 3, 10)],
        max_jobs=4,
        max_parallel_jobs=2,
    )
    register = RegisterModelStep(
        "Register",
        model_package_group=group,
        content_types=["text/csv"],
        response_types=["text/csv"],
        containers=[ModelContainer(image=ContainerImage.from_uri(IMAGE), model_data_url=tune.top_model_artifacts())],
    )
    steps = _steps(_with_lineage(PipelineDefinition(steps=[tune, register])))
    assert _tags(steps["Tune"])["lineage:input:train"] == "s3://data/train/"
    assert _tags(steps["Tune"])["lineage:dataset:Tune.train"] == "s3://data/train/"
    metadata = steps["Register"]["Arguments"]["CustomerMetadataProperties"]
    assert metadata["lineage:tuning-job"] == {"Get": "Steps.Tune.HyperParameterTuningJobName"}


def test_model_and_transform_jobs_record_the_model_version_they_serve(role, group):
    package = ParameterString("ModelPackageArn")
    model = CreateModelStep(
        "Model", role=role, containers=[ModelContainer(model_package=package, model_package_group=group)]
    )
    transform = TransformStep(
        "Score",
        model_name=model.model_name,
        instance_type="ml.m5.xlarge",
        input_s3_uri="s3://data/batch/",
        output_path="s3://artifacts/scores",
    )
    steps = _steps(_with_lineage(PipelineDefinition(parameters=[package], steps=[model, transform])))
    assert _tags(steps["Model"])["lineage:model-package"] == {"Get": "Parameters.ModelPackageArn"}
    assert _tags(steps["Score"])["lineage:model"] == {"Get": "Steps.Model.ModelName"}
    assert _tags(steps["Score"])["lineage:dataset:Score.input"] == "s3://data/batch/"


def test_jobs_or_metadata_can_be_left_out(role, group):
    definition, _ = reference_pipeline(role, group)
    steps = _steps(_with_lineage(definition, LineageOptions(code_version=COMMIT, tag_jobs=False)))
    assert "Tags" not in steps["Train"]["Arguments"]
    assert steps["Register"]["Arguments"]["CustomerMetadataProperties"]["lineage:code-version"] == COMMIT
    definition, _ = reference_pipeline(role, group)
    steps = _steps(_with_lineage(definition, LineageOptions(code_version=COMMIT, model_metadata=False)))
    assert "CustomerMetadataProperties" not in steps["Register"]["Arguments"]


# --- bad input -----------------------------------------------------------------------------------


def _error(definition: PipelineDefinition, lineage: LineageOptions | None) -> str:
    definition.lineage = lineage
    with pytest.raises(ConstructValidationError) as error:
        definition.render()
    return str(error.value)


@pytest.mark.parametrize(
    "lineage, message",
    [
        (LineageOptions(code_version=""), "lineage.code_version='': must be a string of 1 to 256 letters"),
        (LineageOptions(code_version="abc!"), "lineage.code_version='abc!': must be a string of 1 to 256"),
        (LineageOptions(code_version="a" * 257), "(botocore CustomerMetadataValue)"),
        (LineageOptions(code_version=COMMIT, repository="https://host/repo?x"), "lineage.repository="),
        (LineageOptions(code_version=COMMIT, tags={"aws:team": "x"}), "must not start with 'aws:'"),
        (LineageOptions(code_version=COMMIT, tags={"lineage:image": "x"}), "or 'lineage:' (written by lineage)"),
        (LineageOptions(code_version=COMMIT, tags={"team": "a#b"}), "lineage.tags['team']='a#b'"),
        (LineageOptions(code_version=COMMIT, tags={f"t{i}": "x" for i in range(51)}), "at most 50 tags"),
        (
            LineageOptions(code_version=COMMIT, tags={f"t{i}": "x" for i in range(45)}),
            "steps['Train'] (Training) lineage (tags)=",
        ),
    ],
)
def test_bad_lineage_options_fail_with_a_clear_message(role, group, lineage, message):
    definition, _ = reference_pipeline(role, group)
    assert message in _error(definition, lineage)


def test_an_input_uri_that_cannot_be_a_tag_value_names_the_step_and_tag(role):
    step = TrainingStep("Train", job=training_job(role, channels=[TrainingChannel("train", "s3://data/train~2024/")]))
    message = _error(PipelineDefinition(steps=[step]), LineageOptions(code_version=COMMIT))
    assert "steps['Train'] (Training) lineage tag 'lineage:input:train'='s3://data/train~2024/'" in message
    assert "(botocore TagValue)" in message


def test_user_metadata_that_collides_with_lineage_fails(role, group):
    train = TrainingStep("Train", job=training_job(role))
    register = RegisterModelStep(
        "Register",
        model_package_group=group,
        content_types=["text/csv"],
        response_types=["text/csv"],
        customer_metadata={"lineage:code-version": "x"},
        containers=[ModelContainer(image=ContainerImage.from_uri(IMAGE), model_data_url=train.model_artifacts)],
    )
    message = _error(PipelineDefinition(steps=[train, register]), LineageOptions(code_version=COMMIT))
    assert "customer_metadata=['lineage:code-version']: keys starting with 'lineage:'" in message


@pytest.mark.parametrize(
    "metadata, message",
    [
        ({"k" * 129: "v"}, "(key)='" + "k" * 129 + "': must be a string of 1 to 128"),
        ({"owner": ""}, "customer_metadata['owner']='': must be a string of 1 to 256"),
        ({"owner": "a,b"}, "customer_metadata['owner']='a,b'"),
    ],
)
def test_customer_metadata_follows_botocore_limits(role, group, metadata, message):
    register = RegisterModelStep(
        "Register",
        model_package_group=group,
        content_types=["text/csv"],
        response_types=["text/csv"],
        customer_metadata=metadata,
        containers=[ModelContainer(image=ContainerImage.from_uri(IMAGE), model_data_url="s3://a/model.tar.gz")],
    )
    assert message in _error(PipelineDefinition(steps=[register]), None)
