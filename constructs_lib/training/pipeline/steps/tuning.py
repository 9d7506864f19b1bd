"""``TuningStep``: a SageMaker hyperparameter tuning job over a ``TrainingJob``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration
from constructs import Construct

from constructs_lib.foundation.s3_location import S3Location
from constructs_lib.training.pipeline import _service_model
from constructs_lib.training.pipeline.expressions import STRING, Expression, Join, Property
from constructs_lib.training.pipeline.step import Step, StepLineage, StepRequirements, StepValidator, given, seconds_of
from constructs_lib.training.pipeline.steps import large_models
from constructs_lib.training.pipeline.steps.training import TrainingJob
from constructs_lib.training.pipeline.values import (
    EarlyStopping,
    HyperparameterScaling,
    ObjectiveDirection,
    TuningStrategy,
    WarmStartType,
)


@dataclass(frozen=True)
class IntegerRange:
    """An integer hyperparameter searched from ``min_value`` to ``max_value``."""

    name: str
    min_value: int | Expression
    max_value: int | Expression
    scaling: HyperparameterScaling = HyperparameterScaling.AUTO


@dataclass(frozen=True)
class ContinuousRange:
    """A real hyperparameter searched from ``min_value`` to ``max_value``."""

    name: str
    min_value: float | Expression
    max_value: float | Expression
    scaling: HyperparameterScaling = HyperparameterScaling.AUTO


@dataclass(frozen=True)
class CategoricalRange:
    """A hyperparameter chosen among ``values``."""

    name: str
    values: Sequence[str | int | float | Expression]


@dataclass(frozen=True)
class TuningObjective:
    """The metric the tuning job optimises (one of the training job's metric definitions).

    :param metric_name: e.g. ``validation:auc``.
    :param direction: ``Maximize`` or ``Minimize``.
    """

    metric_name: str
    direction: ObjectiveDirection = ObjectiveDirection.MAXIMIZE


@dataclass(frozen=True)
class WarmStart:
    """Start from earlier tuning jobs.

    :param parent_tuning_jobs: names of 1 to 5 completed tuning jobs (or expressions).
    :param warm_start_type: ``IdenticalDataAndAlgorithm`` (default) or ``TransferLearning``.
    """

    parent_tuning_jobs: Sequence[str | Expression]
    warm_start_type: WarmStartType = WarmStartType.IDENTICAL_DATA_AND_ALGORITHM


class TuningStep(Step):
    """A hyperparameter tuning job: up to ``max_jobs`` runs of ``job`` with values from ``ranges``.

    Strategies (botocore ``HyperParameterTuningJobStrategyType``): ``Bayesian``, ``Random``,
    ``Hyperband`` (its own early stopping: ``early_stopping`` must be ``Off``; ``hyperband_min_resource``
    / ``hyperband_max_resource`` bound the epochs), and ``Grid`` (categorical ranges only; the number of
    jobs is the number of combinations, so ``max_jobs`` is left out).
    """

    step_type = "Tuning"
    # As the SageMaker Python SDK: the describe response and the list of the tuning job's training jobs.
    properties_shape = ("DescribeHyperParameterTuningJobResponse", "ListTrainingJobsForHyperParameterTuningJobResponse")
    supports_retry = True
    supports_cache = True
    runs_job = True

    def __init__(
        self,
        name: str,
        *,
        job: TrainingJob,
        objective: TuningObjective | None,
        ranges: Sequence[IntegerRange | ContinuousRange | CategoricalRange],
        strategy: TuningStrategy = TuningStrategy.BAYESIAN,
        max_jobs: int | None = 10,
        max_parallel_jobs: int = 1,
        early_stopping: EarlyStopping = EarlyStopping.OFF,
        max_runtime: Duration | None = None,
        target_objective_value: float | None = None,
        hyperband_min_resource: int | None = None,
        hyperband_max_resource: int | None = None,
        warm_start: WarmStart | None = None,
        **step_options: Any,
    ) -> None:
        """
        :param job: the training job to tune; its ``hyperparameters`` are the static ones.
        :param objective: the metric to optimise (required: a tuning job without one is refused).
        :param ranges: the hyperparameters to search (at most 30 of each kind).
        :param strategy: default ``Bayesian``.
        :param max_jobs: default 10; total training jobs (None for ``Grid``).
        :param max_parallel_jobs: default 1; at most ``max_jobs``.
        :param early_stopping: default ``Off``; ``Auto`` stops unpromising jobs (not with Hyperband).
        :param max_runtime: default none; the tuning job's limit (120 s to 15768000 s).
        :param target_objective_value: default none; stop once the objective reaches it.
        :param hyperband_min_resource: default none (SageMaker's); Hyperband's minimum epochs.
        :param hyperband_max_resource: default none (SageMaker's); Hyperband's maximum epochs.
        :param warm_start: default none; parent tuning jobs to learn from.
        :param step_options: ``display_name``, ``description``, ``depends_on``, ``retry_policies``, ``cache``.
        """
        super().__init__(name, **step_options)
        self.job = job
        self.objective = objective
        self.ranges = list(ranges)
        self.strategy = strategy
        self.max_jobs = max_jobs
        self.max_parallel_jobs = max_parallel_jobs
        self.early_stopping = early_stopping
        self.max_runtime = max_runtime
        self.target_objective_value = target_objective_value
        self.hyperband_min_resource = hyperband_min_resource
        self.hyperband_max_resource = hyperband_max_resource
        self.warm_start = warm_start

    # --- references ---------------------------------------------------------------------------------

    @property
    def best_training_job_name(self) -> Property:
        return self.properties.BestTrainingJob.TrainingJobName

    def top_model_artifacts(self, rank: int = 0) -> Join:
        """The ``model.tar.gz`` URI of the ``rank``-th best training job (0: the best), built from
        the job's output path as SageMaker lays it out (``<output path>/<job name>/output/model.tar.gz``)."""
        output = self.job.output_path
        base = output.uri if isinstance(output, S3Location) else output
        return Join(on="/", values=[_strip_slash(base), _training_job_name(self, rank), "output", "model.tar.gz"])

    # --- definition ---------------------------------------------------------------------------------

    def _parameter_ranges(self) -> dict[str, Any]:
        def value(v: Any) -> Any:
            return (
                v
                if isinstance(v, Expression) and v.kind == STRING
                else (v.to_string() if isinstance(v, Expression) else str(v))
            )

        return {
            "IntegerParameterRanges": [
                {
                    "Name": r.name,
                    "MinValue": value(r.min_value),
                    "MaxValue": value(r.max_value),
                    "ScalingType": r.scaling,
                }
                for r in self.ranges
                if isinstance(r, IntegerRange)
            ],
            "ContinuousParameterRanges": [
                {
                    "Name": r.name,
                    "MinValue": value(r.min_value),
                    "MaxValue": value(r.max_value),
                    "ScalingType": r.scaling,
                }
                for r in self.ranges
                if isinstance(r, ContinuousRange)
            ],
            "CategoricalParameterRanges": [
                {"Name": r.name, "Values": [value(item) for item in r.values]}
                for r in self.ranges
                if isinstance(r, CategoricalRange)
            ],
        }

    def bind(self, scope: Construct) -> None:
        self.job.bind(scope)

    def arguments(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "Strategy": self.strategy,
            "ResourceLimits": {
                "MaxNumberOfTrainingJobs": self.max_jobs,
                "MaxParallelTrainingJobs": self.max_parallel_jobs,
                "MaxRuntimeInSeconds": seconds_of(self.max_runtime),
            },
            "TrainingJobEarlyStoppingType": self.early_stopping,
            "HyperParameterTuningJobObjective": {
                "Type": self.objective.direction,
                "MetricName": self.objective.metric_name,
            }
            if self.objective is not None
            else None,
            "ParameterRanges": self._parameter_ranges(),
            "TuningJobCompletionCriteria": {"TargetObjectiveMetricValue": self.target_objective_value}
            if self.target_objective_value is not None
            else None,
        }
        if self.strategy == "Hyperband" and (self.hyperband_min_resource or self.hyperband_max_resource):
            config["StrategyConfig"] = {
                "HyperbandStrategyConfig": {
                    "MinResource": self.hyperband_min_resource,
                    "MaxResource": self.hyperband_max_resource,
                }
            }
        definition = self.job.common_request(self.name)
        definition["StaticHyperParameters"] = self.job.hyperparameter_strings(self.name)
        large_models.apply(self.job, definition, training=False)
        arguments: dict[str, Any] = {"HyperParameterTuningJobConfig": config, "TrainingJobDefinition": definition}
        if self.warm_start is not None:
            arguments["WarmStartConfig"] = {
                "ParentHyperParameterTuningJobs": [
                    {"HyperParameterTuningJobName": parent} for parent in self.warm_start.parent_tuning_jobs
                ],
                "WarmStartType": self.warm_start.warm_start_type,
            }
        return arguments

    def requirements(self) -> StepRequirements:
        return StepRequirements(job_kinds={"tuning"}, pass_roles=[self.job.role], images=self.job.image_pulls())

    def lineage(self) -> StepLineage:
        """The training definition's image, data and static hyperparameters (SageMaker copies a
        tuning job's tags to the training jobs it starts)."""
        return self.job.lineage()

    # --- validation ---------------------------------------------------------------------------------

    def validate(self, v: StepValidator) -> None:
        super().validate(v)
        if not isinstance(given(self.job), TrainingJob):
            v.check(False, "job", self.job, "must be a TrainingJob")
            return
        self.job.validate(v)
        large_models.validate_tuning(self.job, v)
        v.one_of("strategy", self.strategy, _service_model.enum("HyperParameterTuningJobStrategyType"))
        v.one_of("early_stopping", self.early_stopping, _service_model.enum("TrainingJobEarlyStoppingType"))

        objective = self.objective
        if objective is None:
            v.add(
                "objective",
                None,
                "is required: the metric the tuning job optimises (TuningObjective(metric_name, direction))",
            )
        else:
            v.one_of(
                "objective.direction", objective.direction, _service_model.enum("HyperParameterTuningJobObjectiveType")
            )
            if self.job.algorithm_name is None:
                v.check(
                    objective.metric_name in self.job.metric_names,
                    "objective.metric_name",
                    objective.metric_name,
                    "must be one of the job's metric_definitions: "
                    f"{', '.join(self.job.metric_names) or '(none defined)'}",
                )

        if self.strategy == "Grid":
            v.check(
                self.max_jobs is None,
                "max_jobs",
                self.max_jobs,
                "must be None with strategy='Grid' (it runs every combination of the categorical ranges)",
            )
            bad = [r.name for r in self.ranges if not isinstance(r, CategoricalRange)]
            v.check(not bad, "ranges", bad, "must all be CategoricalRange with strategy='Grid'")
        else:
            if v.check(
                self.max_jobs is not None, "max_jobs", None, f"is required with strategy={str(self.strategy)!r}"
            ):
                v.range("max_jobs", self.max_jobs, minimum=1)
        v.range("max_parallel_jobs", self.max_parallel_jobs, minimum=1)
        if self.max_jobs is not None and v.literal(self.max_jobs) and v.literal(self.max_parallel_jobs):
            v.check(
                self.max_parallel_jobs <= self.max_jobs,
                "max_parallel_jobs",
                self.max_parallel_jobs,
                f"must be at most max_jobs ({self.max_jobs})",
            )
        if self.strategy == "Hyperband":
            v.check(
                self.early_stopping == "Off",
                "early_stopping",
                self.early_stopping,
                "must be 'Off' with strategy='Hyperband' (Hyperband stops jobs early itself)",
            )
        else:
            v.check(
                self.hyperband_min_resource is None and self.hyperband_max_resource is None,
                "hyperband_min_resource/hyperband_max_resource",
                [self.hyperband_min_resource, self.hyperband_max_resource],
                "only apply to strategy='Hyperband'",
            )
        for arg in ("hyperband_min_resource", "hyperband_max_resource"):
            if getattr(self, arg) is not None:
                v.range(arg, getattr(self, arg), minimum=1)
        if self.hyperband_min_resource is not None and self.hyperband_max_resource is not None:
            v.check(
                self.hyperband_min_resource <= self.hyperband_max_resource,
                "hyperband_min_resource",
                self.hyperband_min_resource,
                f"must be at most hyperband_max_resource ({self.hyperband_max_resource})",
            )
        if self.max_runtime is not None:
            v.seconds("max_runtime", self.max_runtime, minimum=120, maximum=15768000)

        v.check(bool(self.ranges), "ranges", [], "must list at least one hyperparameter range")
        names = [r.name for r in self.ranges]
        v.check(len(names) == len(set(names)), "ranges", names, "names must be unique")
        static = sorted(set(names) & set(self.job.hyperparameters))
        v.check(not static, "ranges", static, "names must not also be in job.hyperparameters (static values)")
        for kind in (IntegerRange, ContinuousRange, CategoricalRange):
            count = sum(isinstance(r, kind) for r in self.ranges)  # pyright: ignore[reportUnnecessaryIsInstance] - pyright takes kind as the union of the three
            v.check(count <= 30, "ranges", count, f"at most 30 {kind.__name__} ranges")
        for r in self.ranges:
            arg = f"ranges[{r.name!r}]"
            if isinstance(r, CategoricalRange):
                v.check(1 <= len(r.values) <= 30, f"{arg}.values", list(r.values), "must list 1 to 30 values")
                continue
            v.one_of(f"{arg}.scaling", r.scaling, _service_model.enum("HyperParameterScalingType"))
            if v.literal(r.min_value) and v.literal(r.max_value):
                v.check(
                    r.min_value <= r.max_value,
                    f"{arg}.min_value",
                    r.min_value,
                    f"must be at most max_value ({r.max_value})",
                )
                if r.scaling == "Logarithmic":
                    v.check(r.min_value > 0, f"{arg}.min_value", r.min_value, "must be > 0 for Logarithmic scaling")
                if r.scaling == "ReverseLogarithmic":
                    v.check(
                        isinstance(r, ContinuousRange) and r.min_value >= 0 and r.max_value < 1,
                        arg,
                        [r.min_value, r.max_value],
                        "ReverseLogarithmic scaling needs a ContinuousRange within [0, 1)",
                    )
        if self.warm_start is not None:
            parents = list(self.warm_start.parent_tuning_jobs)
            v.check(1 <= len(parents) <= 5, "warm_start.parent_tuning_jobs", parents, "must list 1 to 5 tuning jobs")
            v.one_of(
                "warm_start.warm_start_type",
                self.warm_start.warm_start_type,
                _service_model.enum("HyperParameterTuningJobWarmStartType"),
            )
            for parent in parents:
                if isinstance(parent, str):
                    v.check(
                        1 <= len(parent) <= 32,
                        "warm_start.parent_tuning_jobs",
                        parent,
                        "must be tuning job names of 1-32 characters",
                    )


def _strip_slash(value: Any) -> Any:
    return value.rstrip("/") if isinstance(value, str) else value


def _training_job_name(step: TuningStep, rank: int) -> Property:
    return step.properties.TrainingJobSummaries[rank].TrainingJobName
