"""TuningStep: strategies, ranges, objective, limits, early stopping, warm start, best-model references."""

from __future__ import annotations

import pytest
from aws_cdk import Duration

from constructs_lib import ConstructValidationError
from constructs_lib.foundation.container_image import ContainerImage
from constructs_lib.training.pipeline import (
    CategoricalRange,
    ContinuousRange,
    CreateModelStep,
    IntegerRange,
    ModelContainer,
    PipelineDefinition,
    TuningObjective,
    TuningStep,
    WarmStart,
)
from tests.constructs_lib.pipeline.conftest import IMAGE, assert_valid, per_run, training_job

RANGES = [
    IntegerRange("max_depth", 3, 10),
    ContinuousRange("eta", 0.01, 0.3, scaling="Logarithmic"),
    CategoricalRange("booster", ["gbtree", "dart"]),
]
AUC = TuningObjective("validation:auc", "Maximize")


def _tuning(role, **changes):
    options = dict(job=training_job(role), objective=AUC, ranges=RANGES, max_jobs=20, max_parallel_jobs=4)
    options.update(changes)
    return TuningStep("Tune", **options)


def _render(*steps):
    rendered = PipelineDefinition(steps=list(steps)).render()
    assert_valid(rendered)
    return rendered["Steps"][0]["Arguments"]


def _error(step) -> str:
    with pytest.raises(ConstructValidationError) as error:
        PipelineDefinition(steps=[step]).render()
    return str(error.value)


def test_bayesian_tuning_with_ranges_objective_limits_and_early_stopping(role):
    args = _render(_tuning(role, early_stopping="Auto", max_runtime=Duration.hours(6), target_objective_value=0.95))
    config = args["HyperParameterTuningJobConfig"]
    assert config["Strategy"] == "Bayesian"
    assert config["HyperParameterTuningJobObjective"] == {"Type": "Maximize", "MetricName": "validation:auc"}
    assert config["ResourceLimits"] == {
        "MaxNumberOfTrainingJobs": 20,
        "MaxParallelTrainingJobs": 4,
        "MaxRuntimeInSeconds": 21600,
    }
    assert config["TrainingJobEarlyStoppingType"] == "Auto"
    assert config["TuningJobCompletionCriteria"] == {"TargetObjectiveMetricValue": 0.95}
    assert config["ParameterRanges"] == {
        "IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "3", "MaxValue": "10", "ScalingType": "Auto"}],
        "ContinuousParameterRanges": [
            {"Name": "eta", "MinValue": "0.01", "MaxValue": "0.3", "ScalingType": "Logarithmic"}
        ],
        "CategoricalParameterRanges": [{"Name": "booster", "Values": ["gbtree", "dart"]}],
    }
    definition = args["TrainingJobDefinition"]
    assert definition["StaticHyperParameters"] == {"num_round": "50", "objective": "binary:logistic"}
    assert definition["AlgorithmSpecification"]["MetricDefinitions"][0]["Name"] == "validation:auc"


def test_random_strategy(role):
    assert _render(_tuning(role, strategy="Random"))["HyperParameterTuningJobConfig"]["Strategy"] == "Random"


def test_hyperband_strategy_with_resource_bounds(role):
    config = _render(_tuning(role, strategy="Hyperband", hyperband_min_resource=1, hyperband_max_resource=50))[
        "HyperParameterTuningJobConfig"
    ]
    assert config["StrategyConfig"] == {"HyperbandStrategyConfig": {"MinResource": 1, "MaxResource": 50}}
    assert config["TrainingJobEarlyStoppingType"] == "Off"


def test_grid_strategy_runs_every_categorical_combination(role):
    config = _render(
        _tuning(
            role, strategy="Grid", max_jobs=None, max_parallel_jobs=2, ranges=[CategoricalRange("max_depth", [3, 6, 9])]
        )
    )["HyperParameterTuningJobConfig"]
    assert config["ResourceLimits"] == {"MaxParallelTrainingJobs": 2}
    assert config["ParameterRanges"]["CategoricalParameterRanges"] == [{"Name": "max_depth", "Values": ["3", "6", "9"]}]


def test_warm_start_from_parent_tuning_jobs(role):
    args = _render(_tuning(role, warm_start=WarmStart(["tune-2024-01"], "TransferLearning")))
    assert args["WarmStartConfig"] == {
        "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "tune-2024-01"}],
        "WarmStartType": "TransferLearning",
    }


def test_spot_tuning_jobs_carry_spot_settings(role):
    job = training_job(
        role, use_spot_instances=True, max_wait=Duration.hours(2), checkpoint_s3_uri=per_run("s3://a", "ckpt")
    )
    definition = _render(_tuning(role, job=job))["TrainingJobDefinition"]
    assert definition["EnableManagedSpotTraining"] is True
    assert definition["StoppingCondition"]["MaxWaitTimeInSeconds"] == 7200


def test_a_tuning_checkpoint_prefix_shared_by_executions_fails_at_synth(role):
    job = training_job(role, use_spot_instances=True, max_wait=Duration.hours(2), checkpoint_s3_uri="s3://a/ckpt")
    with pytest.raises(ConstructValidationError) as error:
        PipelineDefinition(steps=[_tuning(role, job=job)]).render()
    assert "steps['Tune'] (Tuning) job.checkpoint_s3_uri='s3://a/ckpt': must vary with the execution" in str(
        error.value
    )


def test_the_best_model_feeds_a_model_step(role):
    tune = _tuning(role)
    model = CreateModelStep(
        "BestModel",
        role=role,
        containers=[ModelContainer(image=ContainerImage.from_uri(IMAGE), model_data_url=tune.top_model_artifacts())],
    )
    rendered = PipelineDefinition(steps=[tune, model]).render()
    assert_valid(rendered)
    url = rendered["Steps"][1]["Arguments"]["PrimaryContainer"]["ModelDataUrl"]
    assert url == {
        "Std:Join": {
            "On": "/",
            "Values": [
                "s3://artifacts/models",
                {"Get": "Steps.Tune.TrainingJobSummaries[0].TrainingJobName"},
                "output",
                "model.tar.gz",
            ],
        }
    }
    assert tune.best_training_job_name.expr == {"Get": "Steps.Tune.BestTrainingJob.TrainingJobName"}


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"max_jobs": 4, "max_parallel_jobs": 5}, "max_parallel_jobs=5: must be at most max_jobs (4)"),
        ({"objective": None}, "objective=None: is required: the metric the tuning job optimises"),
        (
            {"objective": TuningObjective("validation:rmse")},
            "objective.metric_name='validation:rmse': must be one of the job's metric_definitions: validation:auc",
        ),
        (
            {"objective": TuningObjective("validation:auc", "Maximise")},
            "objective.direction='Maximise': must be one of Maximize, Minimize",
        ),
        ({"strategy": "Genetic"}, "strategy='Genetic': must be one of Bayesian, Random, Hyperband, Grid"),
        ({"strategy": "Grid"}, "max_jobs=20: must be None with strategy='Grid'"),
        ({"strategy": "Grid", "max_jobs": None}, "ranges=['max_depth', 'eta']: must all be CategoricalRange"),
        ({"max_jobs": None}, "max_jobs=None: is required with strategy='Bayesian'"),
        (
            {"strategy": "Hyperband", "early_stopping": "Auto"},
            "early_stopping='Auto': must be 'Off' with strategy='Hyperband'",
        ),
        (
            {"hyperband_min_resource": 1},
            "hyperband_min_resource/hyperband_max_resource=[1, None]: only apply to strategy='Hyperband'",
        ),
        (
            {"strategy": "Hyperband", "hyperband_min_resource": 10, "hyperband_max_resource": 5},
            "hyperband_min_resource=10: must be at most hyperband_max_resource (5)",
        ),
        ({"ranges": []}, "ranges=[]: must list at least one hyperparameter range"),
        (
            {"ranges": [IntegerRange("num_round", 10, 100)]},
            "ranges=['num_round']: names must not also be in job.hyperparameters",
        ),
        ({"ranges": [IntegerRange("d", 10, 3)]}, "ranges['d'].min_value=10: must be at most max_value (3)"),
        (
            {"ranges": [ContinuousRange("eta", 0.0, 0.3, scaling="Logarithmic")]},
            "ranges['eta'].min_value=0.0: must be > 0 for Logarithmic scaling",
        ),
        ({"ranges": [ContinuousRange("eta", 0.1, 0.3, scaling="Log")]}, "ranges['eta'].scaling='Log'"),
        ({"warm_start": WarmStart([])}, "warm_start.parent_tuning_jobs=[]: must list 1 to 5 tuning jobs"),
        ({"warm_start": WarmStart(["p"], "Identical")}, "warm_start.warm_start_type='Identical'"),
        ({"max_runtime": Duration.seconds(60)}, "max_runtime (seconds)=60: must be from 120 to 15768000"),
    ],
)
def test_bad_tuning_input_fails_naming_step_argument_and_value(role, changes, message):
    assert "steps['Tune'] (Tuning) " + message in _error(_tuning(role, **changes))
