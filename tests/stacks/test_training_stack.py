"""The training stack of each environment: registry, job roles, and the two pipelines it emits."""

from __future__ import annotations

import json

import pytest

from constructs_lib.training.pipeline.per_run import run_state, shared_state
from stacks.config import default_environments
from tests.sagemaker_contract import definition_api_problems, definition_from_template, schema_errors

ENVIRONMENTS = list(default_environments())


def _training(synthesized_app, env: str) -> dict:
    return dict(synthesized_app.templates())[f"{env}/Training"]


def _pipelines(template: dict) -> dict[str, dict]:
    """Pipeline name -> deployed definition."""
    found = {}
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::SageMaker::Pipeline":
            body = resource["Properties"]["PipelineDefinition"]["PipelineDefinitionBody"]
            found[resource["Properties"]["PipelineName"]] = definition_from_template(body)
    return found


def _steps(definition: dict) -> dict[str, dict]:
    steps = {}
    for step in definition["Steps"]:
        steps[step["Name"]] = step
        for branch in ("IfSteps", "ElseSteps"):
            for child in step.get("Arguments", {}).get(branch, []) if step["Type"] == "Condition" else []:
                steps[child["Name"]] = child
    return steps


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_pipeline_definition_the_app_emits_matches_the_api_and_the_schema(synthesized_app, env):
    pipelines = _pipelines(_training(synthesized_app, env))
    assert set(pipelines) == {f"ml-platform-{env}-training", f"ml-platform-{env}-batch-transform"}
    for definition in pipelines.values():
        assert definition_api_problems(definition) == []
        assert schema_errors(definition) == []


def test_every_pipeline_the_app_emits_keeps_each_runs_state_apart(synthesized_app):
    """Checkpoints, processing outputs (splits, the evaluation report the gate reads) and batch results
    are under a prefix of each execution's own, so no run reads or resumes from another's: every
    pipeline of every stack of every environment."""
    pipelines = {
        f"{stack_id} {name}": definition
        for stack_id, template in synthesized_app.templates()
        for name, definition in _pipelines(template).items()
    }
    assert len(pipelines) == 2 * len(ENVIRONMENTS)
    for name, definition in pipelines.items():
        assert shared_state(definition) == [], name
        assert list(run_state(definition["Steps"])), name


def test_spot_training_checkpoints_under_the_execution_and_the_job_role_may_use_them(synthesized_app):
    config = default_environments()["dev"].training
    assert config.use_spot_instances
    train = _steps(_pipelines(_training(synthesized_app, "dev"))["ml-platform-dev-training"])["Train"]["Arguments"]
    values = train["CheckpointConfig"]["S3Uri"]["Std:Join"]["Values"]
    assert values[0].endswith("/pipelines/training") and values[1:] == [
        {"Get": "Execution.PipelineExecutionId"},
        "checkpoints",
    ]
    # SageMaker writes models under <output path>/<training job name>/: per execution already.
    assert train["OutputDataConfig"]["S3OutputPath"].endswith("/pipelines/training/models/")


def test_reference_pipeline_preprocesses_trains_evaluates_and_gates_registration(synthesized_app):
    definition = _pipelines(_training(synthesized_app, "staging"))["ml-platform-staging-training"]
    assert [s["Name"] for s in definition["Steps"]] == [
        "Preprocess",
        "DataQualityBaseline",
        "Train",
        "Evaluate",
        "ModelQualityBaseline",
        "QualityGate",
    ]
    steps = _steps(definition)
    gate = steps["QualityGate"]["Arguments"]
    assert gate["Conditions"][0]["Type"] == "GreaterThanOrEqualTo"
    assert gate["Conditions"][0]["LeftValue"]["Std:JsonGet"]["Path"] == "metrics.accuracy.value"
    assert gate["Conditions"][0]["RightValue"] == {"Get": "Parameters.AccuracyThreshold"}
    assert [s["Type"] for s in gate["IfSteps"]] == ["RegisterModel"]
    assert [s["Type"] for s in gate["ElseSteps"]] == ["Fail"]
    register = steps["RegisterModel"]["Arguments"]
    assert register["ModelApprovalStatus"] == "PendingManualApproval"
    assert register["ModelPackageGroupName"] == "ml-platform-staging-churn"
    assert steps["Evaluate"]["PropertyFiles"][0]["FilePath"] == "evaluation.json"
    parameters = {p["Name"]: p for p in definition["Parameters"]}
    assert parameters["AccuracyThreshold"]["DefaultValue"] == 0.8


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_job_sizes_and_spot_come_from_the_environment(synthesized_app, env):
    config = default_environments()[env].training
    train = _steps(_pipelines(_training(synthesized_app, env))[f"ml-platform-{env}-training"])["Train"]["Arguments"]
    assert train["ResourceConfig"]["InstanceType"] == config.training_instance_type
    assert train["ResourceConfig"]["InstanceCount"] == config.training_instance_count
    assert train["EnableManagedSpotTraining"] is config.use_spot_instances
    assert train["StoppingCondition"]["MaxRuntimeInSeconds"] == config.max_runtime_minutes * 60
    if config.use_spot_instances:
        assert train["StoppingCondition"]["MaxWaitTimeInSeconds"] == config.max_wait_minutes * 60
        assert "CheckpointConfig" in train
    else:
        assert "MaxWaitTimeInSeconds" not in train["StoppingCondition"]
    distribution = train["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3DataDistributionType"]
    assert distribution == ("ShardedByS3Key" if config.training_instance_count > 1 else "FullyReplicated")


def test_dev_trains_on_spot_and_prod_on_demand_with_two_instances():
    envs = default_environments()
    assert envs["dev"].training.use_spot_instances is True
    assert envs["prod"].training.use_spot_instances is False and envs["prod"].training.training_instance_count == 2


def test_jobs_run_isolated_in_the_private_network_with_the_platform_key(synthesized_app):
    """Every job is network-isolated but Evaluate, which reaches the MLflow endpoint to log its run."""
    steps = _steps(_pipelines(_training(synthesized_app, "prod"))["ml-platform-prod-training"])
    train = steps["Train"]["Arguments"]
    assert train["EnableNetworkIsolation"] is True and train["EnableInterContainerTrafficEncryption"] is True
    assert steps["Evaluate"]["Arguments"]["NetworkConfig"]["EnableNetworkIsolation"] is False
    assert len(train["VpcConfig"]["Subnets"]) == 3 and len(train["VpcConfig"]["SecurityGroupIds"]) == 1
    assert "ml-platform-prod-network" in json.dumps(train["VpcConfig"])
    assert "ml-platform-prod-data" in train["ResourceConfig"]["VolumeKmsKeyId"]
    assert "ml-platform-prod-data" in train["OutputDataConfig"]["KmsKeyId"]
    preprocess = steps["Preprocess"]["Arguments"]
    assert preprocess["NetworkConfig"]["EnableNetworkIsolation"] is True
    assert preprocess["NetworkConfig"]["VpcConfig"] == train["VpcConfig"]


def test_images_are_the_public_sagemaker_images_of_the_region(synthesized_app):
    steps = _steps(_pipelines(_training(synthesized_app, "dev"))["ml-platform-dev-training"])
    assert steps["Preprocess"]["Arguments"]["AppSpecification"]["ImageUri"] == (
        "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
    )
    assert steps["Train"]["Arguments"]["AlgorithmSpecification"]["TrainingImage"] == (
        "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"
    )


def test_batch_transform_pipeline_scores_with_a_registered_version(synthesized_app):
    definition = _pipelines(_training(synthesized_app, "dev"))["ml-platform-dev-batch-transform"]
    steps = _steps(definition)
    assert steps["CreateModel"]["Type"] == "Model"
    assert steps["CreateModel"]["Arguments"]["PrimaryContainer"] == {
        "ModelPackageName": {"Get": "Parameters.ModelPackageArn"}
    }
    transform = steps["BatchTransform"]["Arguments"]
    assert transform["ModelName"] == {"Get": "Steps.CreateModel.ModelName"}
    assert transform["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"] == {"Get": "Parameters.InputDataUri"}
    assert {p["Name"] for p in definition["Parameters"]} == {"ModelPackageArn", "InputDataUri"}


def test_registry_is_retained_except_where_the_environment_opts_in_to_destroy(synthesized_app):
    for env, expected in (("dev", "Delete"), ("staging", "Retain"), ("prod", "Retain")):
        (group,) = [
            r
            for r in _training(synthesized_app, env)["Resources"].values()
            if r["Type"] == "AWS::SageMaker::ModelPackageGroup"
        ]
        assert group["DeletionPolicy"] == expected


def test_stage_exposes_what_other_areas_consume(synthesized_app):
    from constructs_lib import IMlPipeline, IModelPackageGroup

    training = synthesized_app.stages["prod"].training
    assert isinstance(training.model_package_group, IModelPackageGroup)
    assert isinstance(training.training_pipeline, IMlPipeline)
    assert training.training_pipeline.parameter_names == frozenset(
        {"InputDataUri", "AccuracyThreshold", "Trigger", "SkipBaselineChecks", "RegisterNewBaselines"}
    )
    assert isinstance(training.batch_transform_pipeline, IMlPipeline)


def test_pipeline_scripts_compile_and_write_what_the_gate_reads():
    import py_compile

    from tests.conftest import ROOT

    for name in ("preprocess.py", "evaluate.py"):
        py_compile.compile(str(ROOT / "stacks" / "pipeline_code" / name), doraise=True)
    evaluate = (ROOT / "stacks" / "pipeline_code" / "evaluate.py").read_text()
    assert '{"metrics": {"accuracy": {"value": accuracy}}' in evaluate  # the gate's JsonGet path


def test_reference_pipeline_calculates_data_and_model_quality_baselines_from_the_run(synthesized_app):
    steps = _steps(_pipelines(_training(synthesized_app, "prod"))["ml-platform-prod-training"])
    data_quality, model_quality = steps["DataQualityBaseline"], steps["ModelQualityBaseline"]
    assert (data_quality["Type"], data_quality["CheckType"]) == ("QualityCheck", "DATA_QUALITY")
    assert (model_quality["Type"], model_quality["CheckType"]) == ("QualityCheck", "MODEL_QUALITY")
    # The features the endpoint receives (the train split without its label), and the test split's
    # predictions with their labels.
    dataset = data_quality["Arguments"]["ProcessingInputs"][0]["S3Input"]["S3Uri"]
    assert dataset == {"Get": "Steps.Preprocess.ProcessingOutputConfig.Outputs['baseline'].S3Output.S3Uri"}
    dataset = model_quality["Arguments"]["ProcessingInputs"][0]["S3Input"]["S3Uri"]
    assert dataset == {"Get": "Steps.Evaluate.ProcessingOutputConfig.Outputs['predictions'].S3Output.S3Uri"}
    environment = model_quality["Arguments"]["Environment"]
    assert (environment["problem_type"], environment["ground_truth_attribute"]) == ("BinaryClassification", "label")
    assert "sagemaker-model-monitor-analyzer" in json.dumps(data_quality["Arguments"]["AppSpecification"])
    for check in (data_quality, model_quality):
        assert check["SkipCheck"] == {"Get": "Parameters.SkipBaselineChecks"}
        assert check["RegisterNewBaseline"] == {"Get": "Parameters.RegisterNewBaselines"}
        assert check["FailOnViolation"] is True
        assert check["ModelPackageGroupName"] == "ml-platform-prod-churn"
        assert check["Arguments"]["NetworkConfig"]["EnableNetworkIsolation"] is True
    parameters = {
        p["Name"]: p for p in _pipelines(_training(synthesized_app, "prod"))["ml-platform-prod-training"]["Parameters"]
    }
    # A new registry has no approved version to check against: the first run calculates and registers.
    assert parameters["SkipBaselineChecks"]["DefaultValue"] is True
    assert parameters["RegisterNewBaselines"]["DefaultValue"] is True


def test_pipeline_scripts_write_the_datasets_the_baselines_are_calculated_from():
    from tests.conftest import ROOT

    code = ROOT / "stacks" / "pipeline_code"
    assert 'baseline / "baseline.csv", header=False' in (code / "preprocess.py").read_text()
    assert '{"label": labels.astype(int).values, "probability": probabilities' in (code / "evaluate.py").read_text()


def test_reference_pipeline_registers_the_baselines_and_the_apps_git_commit(synthesized_app):
    from tests.conftest import TEST_SOURCE_VERSION

    steps = _steps(_pipelines(_training(synthesized_app, "prod"))["ml-platform-prod-training"])
    register = steps["RegisterModel"]["Arguments"]

    def source(step: str, prop: str) -> dict:
        return {"ContentType": "application/json", "S3Uri": {"Get": f"Steps.{step}.{prop}"}}

    assert register["ModelMetrics"] == {
        "ModelQuality": {
            "Statistics": source("ModelQualityBaseline", "CalculatedBaselineStatistics"),
            "Constraints": source("ModelQualityBaseline", "CalculatedBaselineConstraints"),
        },
        "ModelDataQuality": {
            "Statistics": source("DataQualityBaseline", "CalculatedBaselineStatistics"),
            "Constraints": source("DataQualityBaseline", "CalculatedBaselineConstraints"),
        },
    }
    assert register["DriftCheckBaselines"] == {
        "ModelQuality": {
            "Statistics": source("ModelQualityBaseline", "BaselineUsedForDriftCheckStatistics"),
            "Constraints": source("ModelQualityBaseline", "BaselineUsedForDriftCheckConstraints"),
        },
        "ModelDataQuality": {
            "Statistics": source("DataQualityBaseline", "BaselineUsedForDriftCheckStatistics"),
            "Constraints": source("DataQualityBaseline", "BaselineUsedForDriftCheckConstraints"),
        },
    }
    metadata = register["CustomerMetadataProperties"]
    assert metadata["lineage:code-version"] == TEST_SOURCE_VERSION
    assert metadata["lineage:pipeline-execution-arn"] == {"Get": "Execution.PipelineExecutionArn"}
    assert metadata["lineage:training-job"] == {"Get": "Steps.Train.TrainingJobName"}
    assert "sagemaker-xgboost" in metadata["lineage:training-image"]
    assert metadata["lineage:dataset:Preprocess.raw"] == {"Get": "Parameters.InputDataUri"}
    train_tags = {t["Key"]: t["Value"] for t in steps["Train"]["Arguments"]["Tags"]}
    assert metadata["lineage:hyperparameters-sha256"] == train_tags["lineage:hyperparameters-sha256"]


@pytest.mark.parametrize("pipeline", ["training", "batch-transform"])
def test_every_job_of_both_pipelines_is_tagged_with_the_code_version_and_its_image(synthesized_app, pipeline):
    from tests.conftest import TEST_SOURCE_VERSION

    steps = _steps(_pipelines(_training(synthesized_app, "dev"))[f"ml-platform-dev-{pipeline}"])
    jobs = {
        name: step
        for name, step in steps.items()
        if step["Type"] in ("Processing", "QualityCheck", "Training", "Transform", "Model")
    }
    assert jobs
    for name, step in jobs.items():
        tags = {t["Key"]: t["Value"] for t in step["Arguments"]["Tags"]}
        assert tags["lineage:code-version"] == TEST_SOURCE_VERSION, name
        assert tags["lineage:pipeline-step"] == name
        assert tags["lineage:pipeline"] == {"Get": "Execution.PipelineName"}
        if step["Type"] in ("Processing", "QualityCheck", "Training"):
            assert "lineage:image" in tags, name
    if pipeline == "batch-transform":
        model_tags = {t["Key"]: t["Value"] for t in jobs["CreateModel"]["Arguments"]["Tags"]}
        assert model_tags["lineage:model-package"] == {"Get": "Parameters.ModelPackageArn"}
        transform_tags = {t["Key"]: t["Value"] for t in jobs["BatchTransform"]["Arguments"]["Tags"]}
        assert transform_tags["lineage:model"] == {"Get": "Steps.CreateModel.ModelName"}
        assert transform_tags["lineage:dataset:BatchTransform.input"] == {"Get": "Parameters.InputDataUri"}


def test_reference_steps_have_descriptions_for_studio(synthesized_app):
    steps = _steps(_pipelines(_training(synthesized_app, "dev"))["ml-platform-dev-training"])
    names = ("Preprocess", "DataQualityBaseline", "Train", "Evaluate", "ModelQualityBaseline", "RegisterModel")
    assert all(steps[name].get("Description") for name in names)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_reference_pipeline_scripts_are_file_assets_of_the_training_stack(synthesized_app, env):
    """``cdk deploy`` uploads ``stacks/pipeline_code/*.py``: each is in the stack's asset manifest and
    the step runs the object the manifest publishes (no upload by hand)."""
    from stacks.training_stack import PIPELINE_CODE
    from tests.constructs_lib.assets import published

    stage = synthesized_app.assembly.get_nested_assembly(f"assembly-{env}")
    uploads = published(stage.directory)
    steps = _steps(_pipelines(_training(synthesized_app, env))[f"ml-platform-{env}-training"])
    for step, script in (("Preprocess", "preprocess.py"), ("Evaluate", "evaluate.py")):
        code = next(i for i in steps[step]["Arguments"]["ProcessingInputs"] if i["InputName"] == "code")
        key = code["S3Input"]["S3Uri"].rsplit("/", 1)[-1]
        assert uploads[key].read_text() == (PIPELINE_CODE / script).read_text()
        entrypoint = steps[step]["Arguments"]["AppSpecification"]["ContainerEntrypoint"]
        assert entrypoint == ["python3", f"/opt/ml/processing/input/code/{key}"]


def test_the_training_run_is_tracked_in_mlflow_and_the_executions_in_experiments(synthesized_app):
    """The Evaluate step gets the tracking server's ARN (its script only imports mlflow); the job role
    may log runs on that server; every execution is a trial of the pipeline's experiment."""
    template = _training(synthesized_app, "dev")
    definition = _pipelines(template)["ml-platform-dev-training"]
    steps = _steps(definition)
    environment = steps["Evaluate"]["Arguments"]["Environment"]
    assert environment["MLFLOW_TRACKING_URI"] == environment["MLFLOW_TRACKING_ARN"]
    assert environment["MLFLOW_TRACKING_ARN"].startswith("<resolved:")
    for isolated in ("Preprocess", "Train"):
        assert "MLFLOW_TRACKING_URI" not in steps[isolated]["Arguments"].get("Environment", {})
    assert definition["PipelineExperimentConfig"] == {
        "ExperimentName": {"Get": "Execution.PipelineName"},
        "TrialName": {"Get": "Execution.PipelineExecutionId"},
    }
    actions = {
        action
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::ManagedPolicy"
        and any("TrainingJobRole" in str(role) for role in resource["Properties"]["Roles"])
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    }
    assert {"sagemaker-mlflow:CreateRun", "sagemaker-mlflow:LogBatch", "sagemaker-mlflow:LogMetric"} <= actions
    assert "sagemaker-mlflow:DeleteExperiment" not in actions


def _log_to_mlflow():
    """evaluate.py's ``log_to_mlflow`` alone (the script imports pandas and xgboost, which only the
    processing image has)."""
    import ast
    import os

    from tests.conftest import ROOT

    tree = ast.parse((ROOT / "stacks" / "pipeline_code" / "evaluate.py").read_text())
    (function,) = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "log_to_mlflow"]
    namespace: dict = {"os": os, "logging": __import__("logging")}
    exec(compile(ast.Module(body=[function], type_ignores=[]), "evaluate.py", "exec"), namespace)
    return namespace["log_to_mlflow"]


def test_evaluate_logs_its_accuracy_to_mlflow_only_when_the_job_is_given_a_server(monkeypatch):
    import sys
    import types
    from contextlib import contextmanager

    logged: list[tuple] = []
    mlflow = types.ModuleType("mlflow")

    @contextmanager
    def start_run(run_name=None):
        logged.append(("run", run_name))
        yield

    mlflow.start_run = start_run
    mlflow.log_metric = lambda key, value: logged.append(("metric", key, value))
    mlflow.log_param = lambda key, value: logged.append(("param", key, value))
    monkeypatch.setitem(sys.modules, "mlflow", mlflow)
    log_to_mlflow = _log_to_mlflow()
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    log_to_mlflow(0.9, samples=10)
    assert logged == []
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/x")
    log_to_mlflow(0.9, samples=10)
    assert logged == [
        ("run", "evaluate"),
        ("metric", "test_accuracy", 0.9),
        ("param", "test_samples", 10),
    ]
