"""QualityCheck and ClarifyCheck steps: their definitions (botocore's CreateProcessingJob shape and the
schema), the baseline lifecycle options, their properties, the RegisterModel wiring, and bad input."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from aws_cdk import assertions
from aws_cdk import aws_s3 as s3

from constructs_lib import ConstructValidationError, ContainerImage, S3Location
from constructs_lib.training.pipeline import (
    BiasConfig,
    CheckJobConfig,
    ClarifyCheckStep,
    ClarifyDataConfig,
    ClarifyModelConfig,
    DataBiasCheckConfig,
    DataQualityCheckConfig,
    DatasetFormat,
    DriftCheckBaselines,
    ExecutionVariables,
    Facet,
    Join,
    ModelBiasCheckConfig,
    ModelContainer,
    ModelExplainabilityCheckConfig,
    ModelMetrics,
    ModelPredictedLabel,
    ModelQualityCheckConfig,
    ParameterBoolean,
    PipelineDefinition,
    QualityCheckStep,
    RegisterModelStep,
    ShapConfig,
)
from tests.conftest import new_stack
from tests.constructs_lib.pipeline.conftest import IMAGE, assert_valid

ANALYZER = "468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer"
CLARIFY = "131013547314.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-clarify-processing:1.0"
HEADERS = ["churn", "age", "plan", "sex"]


def data_quality_check(role: Any, group: Any, **changes: Any) -> QualityCheckStep:
    options: dict[str, Any] = dict(
        check=DataQualityCheckConfig(
            baseline_dataset="s3://data/train/",
            dataset_format=DatasetFormat.csv(header=False),
            output=Join(on="/", values=["s3://artifacts/baselines", ExecutionVariables.PIPELINE_EXECUTION_ID, "dq"]),
        ),
        job=CheckJobConfig(role=role, image=ContainerImage.from_uri(ANALYZER)),
        model_package_group=group,
    )
    options.update(changes)
    return QualityCheckStep("DataQuality", **options)


def model_quality_check(role: Any, **changes: Any) -> QualityCheckStep:
    check: dict[str, Any] = dict(
        baseline_dataset="s3://artifacts/predictions/",
        dataset_format=DatasetFormat.csv(header=True),
        output="s3://artifacts/baselines/mq",
        problem_type="BinaryClassification",
        ground_truth_attribute="label",
        inference_attribute="prediction",
        probability_threshold_attribute=0.5,
    )
    check.update(changes.pop("check", {}))
    return QualityCheckStep(
        "ModelQuality",
        check=ModelQualityCheckConfig(**check),
        job=CheckJobConfig(role=role, image=ContainerImage.from_uri(ANALYZER)),
        **{"skip_check": True, "register_new_baseline": True, **changes},
    )


@pytest.fixture(scope="module")
def bucket() -> s3.IBucket:
    return s3.Bucket.from_bucket_name(new_stack(), "Artifacts", "artifacts")


def _data(bucket: s3.IBucket, **changes: Any) -> ClarifyDataConfig:
    options: dict[str, Any] = dict(
        dataset="s3://data/train/train.csv",
        output="s3://artifacts/clarify/results",
        analysis_config=S3Location(bucket, "clarify/analysis_config.json"),
        label="churn",
        headers=HEADERS,
    )
    options.update(changes)
    return ClarifyDataConfig(**options)


def _clarify_job(role: Any, isolated: bool = False) -> CheckJobConfig:
    return CheckJobConfig(role=role, image=ContainerImage.from_uri(CLARIFY), enable_network_isolation=isolated)


def _bias(**changes: Any) -> BiasConfig:
    return BiasConfig(**{"label_values_or_threshold": [1], "facets": [Facet("sex", [0])], **changes})


def _render(*steps: Any) -> dict[str, Any]:
    rendered = PipelineDefinition(steps=list(steps)).render()
    assert_valid(rendered)
    return rendered


def _error(*steps: Any) -> str:
    with pytest.raises(ConstructValidationError) as error:
        PipelineDefinition(steps=list(steps)).render()
    return str(error.value)


def _steps(rendered: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["Name"]: step for step in rendered["Steps"]}


# --- definitions ------------------------------------------------------------------------------------


def test_a_data_quality_check_runs_the_analyzer_on_the_dataset_with_its_lifecycle_options(role, group):
    step = _steps(_render(data_quality_check(role, group, register_new_baseline=True)))["DataQuality"]
    assert step["Type"] == "QualityCheck"
    assert {k: v for k, v in step.items() if k not in ("Name", "Type", "Arguments")} == {
        "CheckType": "DATA_QUALITY",
        "ModelPackageGroupName": "churn",
        "SkipCheck": False,
        "FailOnViolation": True,
        "RegisterNewBaseline": True,
    }
    arguments = step["Arguments"]
    assert arguments["AppSpecification"] == {"ImageUri": ANALYZER}
    assert arguments["ProcessingInputs"][0]["InputName"] == "baseline_dataset_input"
    assert arguments["ProcessingInputs"][0]["S3Input"]["LocalPath"] == "/opt/ml/processing/input/baseline_dataset_input"
    output = arguments["ProcessingOutputConfig"]["Outputs"][0]
    assert output["OutputName"] == "quality_check_output"
    assert output["S3Output"]["LocalPath"] == "/opt/ml/processing/output"
    assert arguments["Environment"] == {
        "dataset_format": json.dumps(
            {"csv": {"header": False, "output_columns_position": "START"}}, separators=(",", ":")
        ),
        "dataset_source": "/opt/ml/processing/input/baseline_dataset_input",
        "output_path": "/opt/ml/processing/output",
        "publish_cloudwatch_metrics": "Disabled",
    }


def test_scripts_are_inputs_the_analyzer_finds_through_its_environment(role, group):
    check = DataQualityCheckConfig(
        baseline_dataset="s3://data/train/",
        dataset_format=DatasetFormat.json(lines=True),
        output="s3://artifacts/dq",
        record_preprocessor="s3://artifacts/code/flatten.py",
        post_analytics_processor="s3://artifacts/code/post.py",
    )
    arguments = _steps(_render(data_quality_check(role, group, check=check)))["DataQuality"]["Arguments"]
    inputs = {i["InputName"]: i["S3Input"] for i in arguments["ProcessingInputs"]}
    assert inputs["record_preprocessor_script_input"]["S3Uri"] == "s3://artifacts/code/flatten.py"
    assert arguments["Environment"]["record_preprocessor_script"] == (
        "/opt/ml/processing/input/record_preprocessor_script_input/flatten.py"
    )
    assert arguments["Environment"]["post_analytics_processor_script"] == (
        "/opt/ml/processing/input/post_analytics_processor_script_input/post.py"
    )


def test_a_model_quality_check_tells_the_analyzer_the_problem_and_the_columns(role):
    step = _steps(_render(model_quality_check(role)))["ModelQuality"]
    assert step["CheckType"] == "MODEL_QUALITY"
    environment = step["Arguments"]["Environment"]
    assert environment["analysis_type"] == "MODEL_QUALITY"
    assert environment["problem_type"] == "BinaryClassification"
    assert environment["ground_truth_attribute"] == "label"
    assert environment["inference_attribute"] == "prediction"
    assert environment["probability_threshold_attribute"] == "0.5"  # the API takes strings
    assert "probability_attribute" not in environment


def test_a_data_bias_check_reads_its_analysis_configuration_and_the_dataset(role, group, bucket):
    step = ClarifyCheckStep(
        "DataBias",
        check=DataBiasCheckConfig(_data(bucket), _bias(group_name="plan"), methods=["CI", "DPL"]),
        job=_clarify_job(role, isolated=True),
        model_package_group=group,
    )
    rendered = _steps(_render(step))["DataBias"]
    assert rendered["Type"] == "ClarifyCheck" and rendered["CheckType"] == "DATA_BIAS"
    assert "ModelName" not in rendered
    inputs = {i["InputName"]: i["S3Input"] for i in rendered["Arguments"]["ProcessingInputs"]}
    digest = hashlib.sha256(step.analysis_config_json().encode()).hexdigest()[:16]
    assert inputs["analysis_config"]["S3Uri"] == f"s3://artifacts/clarify/{digest}/analysis_config.json"
    assert step.analysis_config_uri == inputs["analysis_config"]["S3Uri"]
    assert inputs["analysis_config"]["LocalPath"] == "/opt/ml/processing/input/config"
    assert inputs["dataset"]["LocalPath"] == "/opt/ml/processing/input/data"
    assert rendered["Arguments"]["ProcessingOutputConfig"]["Outputs"][0]["OutputName"] == "analysis_result"
    assert step.analysis_config() == {
        "dataset_type": "text/csv",
        "headers": HEADERS,
        "label": "churn",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "sex", "value_or_threshold": [0]}],
        "group_variable": "plan",
        "methods": {
            "pre_training_bias": {"methods": ["CI", "DPL"]},
            "report": {"name": "report", "title": "Analysis Report"},
        },
    }


def test_model_bias_and_explainability_checks_name_the_model_clarify_serves_on_a_shadow_endpoint(role, bucket):
    model = ClarifyModelConfig(model_name="churn-model", instance_type="ml.m5.large")
    bias = ClarifyCheckStep(
        "ModelBias",
        check=ModelBiasCheckConfig(
            _data(bucket), _bias(), model, ModelPredictedLabel(probability=0, probability_threshold=0.6)
        ),
        job=_clarify_job(role),
        skip_check=True,
    )
    explain = ClarifyCheckStep(
        "Explainability",
        check=ModelExplainabilityCheckConfig(_data(bucket), model, ShapConfig(baseline=[[35, 1, 0]], num_samples=50)),
        job=_clarify_job(role),
        skip_check=True,
    )
    steps = _steps(_render(bias, explain))
    assert steps["ModelBias"]["CheckType"] == "MODEL_BIAS" and steps["ModelBias"]["ModelName"] == "churn-model"
    assert steps["Explainability"]["CheckType"] == "MODEL_EXPLAINABILITY"
    config = bias.analysis_config()
    assert config["methods"]["post_training_bias"] == {"methods": "all"}
    assert config["predictor"] == {
        "instance_type": "ml.m5.large",
        "initial_instance_count": 1,
        "content_type": "text/csv",
        "accept_type": "text/csv",
        "endpoint_name_prefix": "sm-clarify",
        "probability": 0,
    }
    assert config["probability_threshold"] == 0.6
    shap = explain.analysis_config()["methods"]["shap"]
    assert shap == {
        "baseline": [[35, 1, 0]],
        "num_samples": 50,
        "agg_method": "mean_abs",
        "use_logit": False,
        "save_local_shap_values": True,
    }


# --- lifecycle semantics -----------------------------------------------------------------------------


def test_a_check_needs_something_to_compare_with_unless_it_skips(role, group):
    message = _error(data_quality_check(role, None))
    assert "steps['DataQuality'] (QualityCheck) skip_check=False" in message
    assert "model_package_group" in message and "skip_check=True for the first run" in message
    # A supplied baseline, a group, or skipping: each is enough.
    _render(data_quality_check(role, None, supplied_baseline_constraints="s3://a/constraints.json"))
    _render(data_quality_check(role, None, skip_check=True, register_new_baseline=True))


def test_lifecycle_options_take_boolean_parameters_and_refuse_other_kinds(role, group):
    skip = ParameterBoolean("SkipDataQualityCheck", default_value=False)
    register = ParameterBoolean("RegisterDataQualityBaseline", default_value=False)
    step = data_quality_check(role, None, skip_check=skip, register_new_baseline=register)
    rendered = PipelineDefinition(parameters=[skip, register], steps=[step]).render()
    assert_valid(rendered)
    assert rendered["Steps"][0]["SkipCheck"] == {"Get": "Parameters.SkipDataQualityCheck"}
    assert rendered["Steps"][0]["RegisterNewBaseline"] == {"Get": "Parameters.RegisterDataQualityBaseline"}
    message = _error(data_quality_check(role, group, fail_on_violation="yes"))
    assert "fail_on_violation='yes': must be a Boolean" in message


def test_supplied_baselines_are_written_and_checked(role, group):
    step = data_quality_check(
        role,
        None,
        supplied_baseline_constraints="s3://a/constraints.json",
        supplied_baseline_statistics="s3://a/statistics.json",
        fail_on_violation=False,
    )
    rendered = _steps(_render(step))["DataQuality"]
    assert rendered["SuppliedBaselineConstraints"] == "s3://a/constraints.json"
    assert rendered["SuppliedBaselineStatistics"] == "s3://a/statistics.json"
    assert rendered["FailOnViolation"] is False
    assert "supplied_baseline_statistics='a/statistics.json': must be an s3:// URI" in _error(
        data_quality_check(role, group, supplied_baseline_statistics="a/statistics.json")
    )


# --- properties and the registered version --------------------------------------------------------------


def test_check_properties_are_the_baseline_files_and_unknown_ones_fail_naming_those_there_are(role, group, bucket):
    step = data_quality_check(role, group)
    assert step.properties.CalculatedBaselineStatistics.expr == {
        "Get": "Steps.DataQuality.CalculatedBaselineStatistics"
    }
    assert step.properties.BaselineUsedForDriftCheckConstraints.kind == "String"
    clarify = ClarifyCheckStep(
        "DataBias", check=DataBiasCheckConfig(_data(bucket), _bias()), job=_clarify_job(role), skip_check=True
    )
    with pytest.raises(AttributeError, match="properties: CalculatedBaselineConstraints, BaselineUsedForDriftCheck"):
        _ = clarify.properties.CalculatedBaselineStatistics


def test_register_model_records_calculated_baselines_as_metrics_and_drift_check_ones_as_baselines(role, group, bucket):
    dq = data_quality_check(role, group, register_new_baseline=True)
    mq = model_quality_check(role)
    bias = ClarifyCheckStep(
        "DataBias", check=DataBiasCheckConfig(_data(bucket), _bias()), job=_clarify_job(role), skip_check=True
    )
    register = RegisterModelStep(
        "Register",
        model_package_group=group,
        containers=[ModelContainer(image=ContainerImage.from_uri(IMAGE), model_data_url="s3://artifacts/model.tar.gz")],
        content_types=["text/csv"],
        response_types=["text/csv"],
        model_metrics=ModelMetrics.from_checks(data_quality=dq, model_quality=mq, data_bias=bias),
        drift_check_baselines=DriftCheckBaselines.from_checks(data_quality=dq, model_quality=mq, data_bias=bias),
    )
    arguments = _steps(_render(dq, mq, bias, register))["Register"]["Arguments"]

    def source(step: str, prop: str) -> dict[str, Any]:
        return {"ContentType": "application/json", "S3Uri": {"Get": f"Steps.{step}.{prop}"}}

    assert arguments["ModelMetrics"] == {
        "ModelQuality": {
            "Statistics": source("ModelQuality", "CalculatedBaselineStatistics"),
            "Constraints": source("ModelQuality", "CalculatedBaselineConstraints"),
        },
        "ModelDataQuality": {
            "Statistics": source("DataQuality", "CalculatedBaselineStatistics"),
            "Constraints": source("DataQuality", "CalculatedBaselineConstraints"),
        },
        "Bias": {"PreTrainingReport": source("DataBias", "CalculatedBaselineConstraints")},
    }
    assert arguments["DriftCheckBaselines"] == {
        "Bias": {
            "ConfigFile": {"ContentType": "application/json", "S3Uri": bias.analysis_config_uri},
            "PreTrainingConstraints": source("DataBias", "BaselineUsedForDriftCheckConstraints"),
        },
        "ModelQuality": {
            "Statistics": source("ModelQuality", "BaselineUsedForDriftCheckStatistics"),
            "Constraints": source("ModelQuality", "BaselineUsedForDriftCheckConstraints"),
        },
        "ModelDataQuality": {
            "Statistics": source("DataQuality", "BaselineUsedForDriftCheckStatistics"),
            "Constraints": source("DataQuality", "BaselineUsedForDriftCheckConstraints"),
        },
    }


def test_the_dag_knows_a_registration_needs_its_checks(role, group):
    dq = data_quality_check(role, group)
    register = RegisterModelStep(
        "Register",
        model_package_group=group,
        containers=[ModelContainer(image=ContainerImage.from_uri(IMAGE), model_data_url="s3://artifacts/model.tar.gz")],
        content_types=["text/csv"],
        response_types=["text/csv"],
        drift_check_baselines=DriftCheckBaselines.from_checks(data_quality=dq),
    )
    # The check is not in the pipeline: the reference is refused.
    message = _error(register)
    assert "references step 'DataQuality', which is not in this pipeline" in message
    # A check that waits for the registration that reads it is a cycle.
    dq.add_depends_on(register)
    assert "DataQuality -> Register -> DataQuality" in _error(dq, register) or "Register -> DataQuality" in _error(
        dq, register
    )


def test_a_check_step_needs_the_processing_job_and_the_group_s_versions(role, group):
    need = data_quality_check(role, group).requirements()
    assert need.job_kinds == {"processing"}
    assert need.pass_roles == [role]
    assert need.read_from == [group]
    assert need.lists_model_packages  # to find the latest approved version
    assert not data_quality_check(role, None, skip_check=True).requirements().lists_model_packages


# --- bad input ------------------------------------------------------------------------------------------


def test_bad_quality_check_input_fails_naming_each_problem(role, group):
    step = model_quality_check(
        role,
        check={
            "problem_type": "Ranking",
            "probability_threshold_attribute": 1.5,
            "dataset_format": DatasetFormat.csv(output_columns_position="MIDDLE"),
            "post_analytics_processor": "s3://artifacts/code/",
        },
    )
    message = _error(step)
    assert (
        "check.problem_type='Ranking': must be one of BinaryClassification, MulticlassClassification, Regression"
        in (message)
    )
    assert "check.probability_threshold_attribute=1.5: must be from 0 to 1" in message
    assert "output_columns_position must be one of START, END" in message
    assert "check.post_analytics_processor='s3://artifacts/code/': must be the S3 URI (or S3Location) of a script" in (
        message
    )


def test_a_probability_threshold_applies_to_binary_classification_only(role):
    message = _error(model_quality_check(role, check={"problem_type": "Regression"}))
    assert "check.probability_threshold_attribute=0.5: applies to BinaryClassification only" in message


def test_bad_clarify_input_fails_naming_each_problem(role, bucket):
    data = _data(bucket, label="target", analysis_config=S3Location(bucket, "clarify/"), dataset_type="text/plain")
    bias = ClarifyCheckStep(
        "DataBias",
        check=DataBiasCheckConfig(
            data, _bias(facets=[Facet("gender")], label_values_or_threshold=[]), methods=["DPPL"]
        ),
        job=_clarify_job(role),
        skip_check=True,
    )
    message = _error(bias)
    assert "check.data.analysis_config=" in message and "must be the S3Location of a JSON object" in message
    assert "check.data.dataset_type='text/plain': must be one of text/csv" in message
    assert "check.data.label='target': must be one of headers: churn, age, plan, sex" in message
    assert "check.bias.facets[0].name_or_index='gender': must be one of headers" in message
    assert "check.bias.label_values_or_threshold=[]: must list the favourable label values" in message
    assert "check.methods=['DPPL']: must be 'all' or a list of CI, DPL" in message


def test_a_model_check_needs_network_access_to_start_its_shadow_endpoint_and_a_sound_shap_config(role, bucket):
    explain = ClarifyCheckStep(
        "Explainability",
        check=ModelExplainabilityCheckConfig(
            _data(bucket, dataset_type="application/jsonlines"),
            ClarifyModelConfig(
                model_name="m", instance_type="ml.m5.huge", endpoint_name_prefix="clarify-of-the-churn-model"
            ),
            ShapConfig(baseline=[[1, 2]], agg_method="max", num_samples=0),
        ),
        job=_clarify_job(role, isolated=True),
        skip_check=True,
    )
    message = _error(explain)
    assert "job.enable_network_isolation=True: must be False for a model bias or explainability check" in (message)
    assert "check.model.instance_type='ml.m5.huge'" in message
    assert "check.model.endpoint_name_prefix='clarify-of-the-churn-model': must be 1-23 letters, digits or hyphens" in (
        message
    )
    assert "check.shap.agg_method='max': must be one of mean_abs, median, mean_sq" in message
    assert "check.shap.num_samples=0: must be at least 1" in message
    assert "check.shap.baseline=[[1, 2]]: must be rows of one value per feature (3: the headers without the label)" in (
        message
    )
    assert "check.data.features=None: is required for JSON datasets" in message


def test_the_check_job_is_checked_like_a_processing_job(role, group):
    job = CheckJobConfig(
        role=role, image=ContainerImage.from_uri(ANALYZER), instance_type="ml.m5.huge", instance_count=0
    )
    message = _error(data_quality_check(role, group, job=job))
    assert "steps['DataQuality'] (QualityCheck) instance_type='ml.m5.huge'" in message
    assert "steps['DataQuality'] (QualityCheck) instance_count=0: must be from 1 to 100" in message


def test_a_check_output_shared_by_executions_is_reported_like_a_processing_output(role, group):
    from constructs_lib.training.pipeline import shared_state

    shared = data_quality_check(
        role,
        group,
        check=DataQualityCheckConfig("s3://data/train/", DatasetFormat.csv(), output="s3://artifacts/baselines/dq"),
    )
    rendered = PipelineDefinition(steps=[shared]).render()
    [state] = shared_state(rendered)
    assert (state.step, state.step_type, state.argument) == (
        "DataQuality",
        "QualityCheck",
        "outputs['quality_check_output'].destination",
    )
    assert shared_state(PipelineDefinition(steps=[data_quality_check(role, group)]).render()) == []


def test_an_ml_pipeline_with_a_check_step_may_find_the_latest_approved_version_and_stays_nag_clean():
    from aws_cdk import aws_ecr as ecr

    from constructs_lib import JobRole, MlPipeline, ModelPackageGroup
    from tests.conftest import compliance_app, nag_findings

    app = compliance_app()
    stack = new_stack(app)
    data = s3.Bucket.from_bucket_name(stack, "DataBucket", "data")
    artifacts = s3.Bucket.from_bucket_name(stack, "ArtifactBucket", "artifacts")
    analyzer = ecr.Repository.from_repository_attributes(
        stack,
        "Analyzer",
        repository_arn="arn:aws:ecr:eu-west-1:468650794304:repository/sagemaker-model-monitor-analyzer",
        repository_name="sagemaker-model-monitor-analyzer",
    )
    role = JobRole(
        stack,
        "JobRole",
        job_kinds=["processing"],
        inputs=[S3Location(data, "train/")],
        outputs=[S3Location(artifacts, "baselines/")],
        ecr_repositories=[analyzer],
    )
    registry = ModelPackageGroup(stack, "Registry", model_package_group_name="churn")
    pipeline = MlPipeline(
        stack,
        "Pipeline",
        pipeline_name="checks",
        definition=PipelineDefinition(steps=[data_quality_check(role, registry)]),
    )
    assert nag_findings(app) == []
    statements = assertions.Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy")
    text = json.dumps(statements)
    assert '"Sid": "FindLatestApprovedBaselines"' in text and '"sagemaker:ListModelPackages"' in text
    assert '"sagemaker:DescribeModelPackage"' in text
    assert pipeline.role is not None


@pytest.mark.parametrize("region", ["eu-west-1", None])
def test_a_check_job_runs_sagemakers_image_in_its_stacks_region_and_its_role_pulls_it(region):
    import aws_cdk as cdk

    import constructs_lib as lib
    from tests.conftest import new_app

    # A concrete region, and an environment-agnostic stack (the image's account by CfnMapping).
    stack = new_stack() if region else cdk.Stack(new_app(), "Agnostic")
    bucket = s3.Bucket.from_bucket_name(stack, "Artifacts", "artifacts")
    work = S3Location(bucket, "checks/")
    role = lib.JobRole(stack, "JobRole", job_kinds=["processing"], inputs=[work], outputs=[work])
    step = data_quality_check(
        role,
        None,
        job=CheckJobConfig(role=role, image=lib.MonitoringImage.model_monitor_analyzer().container_image()),
        skip_check=True,
        check=DataQualityCheckConfig(
            baseline_dataset=work.child("train/"), dataset_format=DatasetFormat.csv(header=False), output=work
        ),
    )
    lib.MlPipeline(stack, "Pipeline", pipeline_name="checks", definition=PipelineDefinition(steps=[step]))
    template = json.dumps(assertions.Template.from_stack(stack).to_json())
    assert "sagemaker-model-monitor-analyzer" in template
    policies = assertions.Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy")
    pulls = [
        s
        for key, p in policies.items()
        if key.startswith("JobRole")
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "ecr:BatchGetImage" in s["Action"]
    ]
    assert any("repository/sagemaker-model-monitor-analyzer" in json.dumps(s["Resource"]) for s in pulls), pulls
