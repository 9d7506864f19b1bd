"""``AutoMLStep``: an Autopilot job (``CreateAutoMLJob``) on tabular data, whose best model later
steps create, register or deploy (``step.best_model_container()``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_kms as kms

from constructs_lib.foundation.network import INetwork
from constructs_lib.foundation.s3_location import S3Location
from constructs_lib.training.pipeline import _service_model
from constructs_lib.training.pipeline.expressions import FLOAT, STRING, Expression, Property
from constructs_lib.training.pipeline.step import (
    Step,
    StepLineage,
    StepRequirements,
    StepValidator,
    given,
    seconds_of,
    validate_network,
    vpc_config,
)
from constructs_lib.training.pipeline.steps.model import ModelContainer

#: Public: the step and its closed sets.
__all__ = ["AutoMLContentType", "AutoMLMetric", "AutoMLMode", "AutoMLProblemType", "AutoMLStep"]


class AutoMLProblemType(StrEnum):
    """The tabular problem types (botocore ``ProblemType``)."""

    BINARY_CLASSIFICATION = "BinaryClassification"
    MULTICLASS_CLASSIFICATION = "MulticlassClassification"
    REGRESSION = "Regression"


class AutoMLMode(StrEnum):
    """How Autopilot trains (botocore ``AutoMLMode``). SageMaker Pipelines runs ``ENSEMBLING`` only."""

    AUTO = "AUTO"
    ENSEMBLING = "ENSEMBLING"
    HYPERPARAMETER_TUNING = "HYPERPARAMETER_TUNING"


class AutoMLMetric(StrEnum):
    """The objective metrics of tabular jobs (a subset of botocore ``AutoMLMetricEnum``: the rest are
    time-series forecasting metrics of ``CreateAutoMLJobV2``)."""

    ACCURACY = "Accuracy"
    AUC = "AUC"
    BALANCED_ACCURACY = "BalancedAccuracy"
    F1 = "F1"
    F1_MACRO = "F1macro"
    PRECISION = "Precision"
    PRECISION_MACRO = "PrecisionMacro"
    RECALL = "Recall"
    RECALL_MACRO = "RecallMacro"
    MAE = "MAE"
    MSE = "MSE"
    R2 = "R2"
    RMSE = "RMSE"


class AutoMLContentType(StrEnum):
    """The formats Autopilot reads (``AutoMLChannel.ContentType``)."""

    CSV_WITH_HEADER = "text/csv;header=present"
    PARQUET = "x-application/vnd.amazon+parquet"


#: The objective metrics of each problem type (SageMaker Developer Guide, Autopilot "Metrics and
#: validation": the metrics each problem type supports).
METRICS_BY_PROBLEM_TYPE: dict[AutoMLProblemType, tuple[AutoMLMetric, ...]] = {
    AutoMLProblemType.BINARY_CLASSIFICATION: (
        AutoMLMetric.ACCURACY,
        AutoMLMetric.AUC,
        AutoMLMetric.BALANCED_ACCURACY,
        AutoMLMetric.F1,
        AutoMLMetric.PRECISION,
        AutoMLMetric.RECALL,
    ),
    AutoMLProblemType.MULTICLASS_CLASSIFICATION: (
        AutoMLMetric.ACCURACY,
        AutoMLMetric.BALANCED_ACCURACY,
        AutoMLMetric.F1_MACRO,
        AutoMLMetric.PRECISION_MACRO,
        AutoMLMetric.RECALL_MACRO,
    ),
    AutoMLProblemType.REGRESSION: (AutoMLMetric.MAE, AutoMLMetric.MSE, AutoMLMetric.R2, AutoMLMetric.RMSE),
}

#: What the best candidate's inference container needs in its environment to serve (the SageMaker
#: Python SDK's ``AutoMLStep.get_best_auto_ml_model`` copies these).
BEST_MODEL_ENVIRONMENT = (
    "MODEL_NAME",
    "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT",
    "SAGEMAKER_SUBMIT_DIRECTORY",
    "SAGEMAKER_INFERENCE_SUPPORTED",
    "SAGEMAKER_INFERENCE_OUTPUT",
    "SAGEMAKER_PROGRAM",
)


class AutoMLStep(Step):
    """An Autopilot job on tabular data (``BinaryClassification``, ``MulticlassClassification``,
    ``Regression``; Autopilot infers the type when neither ``problem_type`` nor ``objective`` is given).

    SageMaker Pipelines runs AutoML steps in ``ENSEMBLING`` mode only (the SDK refuses the others);
    the job's role creates the processing and training jobs of the candidates (a ``JobRole`` with
    the ``automl`` job kind). Later steps use ``best_model_container()`` (image, model data and
    environment of the best candidate) in a ``CreateModelStep`` or ``RegisterModelStep``, and read
    ``best_objective_value``.
    """

    step_type = "AutoML"
    properties_shape = "DescribeAutoMLJobResponse"
    supports_retry = True
    supports_cache = True
    runs_job = True

    def __init__(
        self,
        name: str,
        *,
        role: Any,
        training_data: str | S3Location | Expression,
        target_attribute: str,
        output_path: str | S3Location | Expression,
        problem_type: AutoMLProblemType | None = None,
        objective: AutoMLMetric | None = None,
        validation_data: str | S3Location | Expression | None = None,
        validation_fraction: float | Expression | None = None,
        content_type: AutoMLContentType = AutoMLContentType.CSV_WITH_HEADER,
        mode: AutoMLMode = AutoMLMode.ENSEMBLING,
        max_candidates: int | None = None,
        max_runtime_per_training_job: Duration | None = None,
        max_runtime: Duration | None = None,
        output_kms_key: kms.IKey | None = None,
        volume_kms_key: kms.IKey | None = None,
        network: INetwork | None = None,
        encrypt_inter_container_traffic: bool = True,
        **step_options: Any,
    ) -> None:
        """
        :param role: the ``JobRole`` (kind ``automl``) or IAM role the Autopilot job runs as.
        :param training_data: the training data (S3 prefix or URI; CSV with a header, or Parquet).
        :param target_attribute: the column to predict.
        :param output_path: where the job writes its candidates and reports.
        :param problem_type: default none (inferred); give it with ``objective``, or neither.
        :param objective: default none (the problem type's default); one of the problem type's metrics.
        :param validation_data: default none (a split of the training data); a validation channel.
        :param validation_fraction: default none (0.2); the split of the training data used to
            validate (more than 0, less than 1), without ``validation_data``.
        :param content_type: default CSV with a header.
        :param mode: default ``ENSEMBLING``, the only mode SageMaker Pipelines runs.
        :param max_candidates: default none (Autopilot's); 1 to 750.
        :param max_runtime_per_training_job: default none; per candidate.
        :param max_runtime: default none; of the whole job.
        :param output_kms_key: default none; KMS key of the outputs.
        :param volume_kms_key: default none; KMS key of the candidates' volumes.
        :param network: default none (no VPC); the ``INetwork`` the candidates' jobs attach to (network
            isolation does not apply to AutoML jobs).
        :param encrypt_inter_container_traffic: default True; TLS between the candidates' instances.
        :param step_options: ``display_name``, ``description``, ``depends_on``, ``retry_policies``, ``cache``.
        """
        super().__init__(name, **step_options)
        self.role = role
        self.training_data = training_data
        self.target_attribute = target_attribute
        self.output_path = output_path
        self.problem_type = problem_type
        self.objective = objective
        self.validation_data = validation_data
        self.validation_fraction = validation_fraction
        self.content_type = content_type
        self.mode = mode
        self.max_candidates = max_candidates
        self.max_runtime_per_training_job = max_runtime_per_training_job
        self.max_runtime = max_runtime
        self.output_kms_key = output_kms_key
        self.volume_kms_key = volume_kms_key
        self.network = network
        self.encrypt_inter_container_traffic = encrypt_inter_container_traffic

    # --- references ---------------------------------------------------------------------------------

    @property
    def best_candidate(self) -> Property:
        """The best candidate (``BestCandidate``: ``CandidateName``, ``InferenceContainers``...)."""
        return self.properties.BestCandidate

    @property
    def best_objective_value(self) -> Property:
        """The best candidate's objective metric value (``FinalAutoMLJobObjectiveMetric.Value``)."""
        return self.properties.BestCandidate.FinalAutoMLJobObjectiveMetric.Value

    def best_model_container(self) -> ModelContainer:
        """The best candidate's inference container: its image, model data and serving environment,
        for a ``CreateModelStep`` or ``RegisterModelStep``."""
        container = self.properties.BestCandidate.InferenceContainers[0]
        return ModelContainer(
            image=container.Image,
            model_data_url=container.ModelDataUrl,
            environment={key: container.Environment[key] for key in BEST_MODEL_ENVIRONMENT},
        )

    # --- definition ---------------------------------------------------------------------------------

    def _channels(self) -> list[dict[str, Any]]:
        channels: list[tuple[str, Any]] = [("training", self.training_data)]
        if self.validation_data is not None:
            channels.append(("validation", self.validation_data))
        return [
            {
                "ChannelType": channel_type,
                "ContentType": self.content_type,
                "TargetAttributeName": self.target_attribute,
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri}},
            }
            for channel_type, uri in channels
        ]

    def arguments(self) -> dict[str, Any]:
        completion = {
            "MaxCandidates": self.max_candidates,
            "MaxRuntimePerTrainingJobInSeconds": seconds_of(self.max_runtime_per_training_job),
            "MaxAutoMLJobRuntimeInSeconds": seconds_of(self.max_runtime),
        }
        return {
            "InputDataConfig": self._channels(),
            "OutputDataConfig": {"S3OutputPath": self.output_path, "KmsKeyId": self.output_kms_key},
            "ProblemType": self.problem_type,
            "AutoMLJobObjective": {"MetricName": self.objective} if self.objective is not None else None,
            "AutoMLJobConfig": {
                "Mode": self.mode,
                "CompletionCriteria": completion,
                "DataSplitConfig": {"ValidationFraction": self.validation_fraction}
                if self.validation_fraction is not None
                else None,
                "SecurityConfig": {
                    "VolumeKmsKeyId": self.volume_kms_key,
                    "EnableInterContainerTrafficEncryption": self.encrypt_inter_container_traffic,
                    "VpcConfig": vpc_config(self.network),
                },
            },
            "RoleArn": self.role,
        }

    def requirements(self) -> StepRequirements:
        return StepRequirements(job_kinds={"automl"}, pass_roles=[self.role])

    def lineage(self) -> StepLineage:
        inputs: dict[str, Any] = {"training": self.training_data}
        if self.validation_data is not None:
            inputs["validation"] = self.validation_data
        return StepLineage(inputs=inputs)

    # --- validation ---------------------------------------------------------------------------------

    def validate(self, v: StepValidator) -> None:
        super().validate(v)
        v.check(hasattr(self.role, "role_arn"), "role", self.role, "must be a JobRole or an IAM role")
        kinds = getattr(self.role, "job_kinds", None)
        if kinds is not None:
            v.check(
                "automl" in kinds,
                "role",
                list(kinds),
                "a JobRole that runs AutoML jobs needs the 'automl' job kind (Autopilot creates the candidates' "
                "processing and training jobs with it)",
            )
        v.s3_uri("training_data", self.training_data)
        v.s3_uri("output_path", self.output_path)
        if self.validation_data is not None:
            v.s3_uri("validation_data", self.validation_data)
        v.check(
            isinstance(given(self.target_attribute), str) and 1 <= len(self.target_attribute) <= 256,
            "target_attribute",
            self.target_attribute,
            "must be the name of the column to predict (1-256 characters)",
        )
        v.one_of("content_type", self.content_type, [c.value for c in AutoMLContentType])
        if v.one_of("mode", self.mode, _service_model.enum("AutoMLMode")):
            v.check(
                self.mode == AutoMLMode.ENSEMBLING,
                "mode",
                self.mode,
                "SageMaker Pipelines runs AutoML steps in ENSEMBLING mode only (the SageMaker Python SDK's "
                "AutoMLStep refuses the others); run HYPERPARAMETER_TUNING or AUTO jobs outside a pipeline",
            )
        v.check(
            (self.problem_type is None) == (self.objective is None),
            "problem_type/objective",
            [self.problem_type, self.objective],
            "give both (the objective must be one of the problem type's metrics) or neither (Autopilot infers "
            "the problem type and uses its default metric)",
        )
        if self.problem_type is not None and v.one_of(
            "problem_type", self.problem_type, _service_model.enum("ProblemType")
        ):
            metrics = METRICS_BY_PROBLEM_TYPE[AutoMLProblemType(self.problem_type)]
            if self.objective is not None:
                v.check(
                    self.objective in metrics,
                    "objective",
                    self.objective,
                    f"must be one of {', '.join(metrics)} for {self.problem_type}",
                )
        if self.validation_fraction is not None:
            v.check(
                self.validation_data is None,
                "validation_fraction",
                self.validation_fraction,
                "splits the training data: give it or validation_data, not both",
            )
            if v.kind("validation_fraction", self.validation_fraction, FLOAT) and v.literal(self.validation_fraction):
                v.check(
                    0 < self.validation_fraction < 1,
                    "validation_fraction",
                    self.validation_fraction,
                    "must be more than 0 and less than 1 (botocore ValidationFraction)",
                )
        if self.max_candidates is not None:
            v.range("max_candidates", self.max_candidates, minimum=1, maximum=750)
        v.seconds("max_runtime_per_training_job", self.max_runtime_per_training_job)
        v.seconds("max_runtime", self.max_runtime)
        validate_network(v, self.network)
        v.kind("target_attribute", self.target_attribute, STRING, required=True)
