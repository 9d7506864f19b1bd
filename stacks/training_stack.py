"""The environment's model registry, job roles, reference training pipeline and batch transform pipeline."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from constructs import Construct

from constructs_lib import (
    XGBOOST_REPOSITORY,
    AlgorithmImage,
    Code,
    EncryptionKey,
    FrameworkImage,
    INetwork,
    ITrackingServer,
    JobRole,
    MlPipeline,
    ModelData,
    ModelPackageGroup,
    ModelPackageSources,
    MonitoringImage,
    S3Location,
    SecureBucket,
)
from constructs_lib.training.pipeline import (
    AssemblyType,
    CheckJobConfig,
    ConditionGreaterThanOrEqualTo,
    ConditionStep,
    CreateModelStep,
    DataQualityCheckConfig,
    DatasetFormat,
    DriftCheckBaselines,
    ExecutionVariables,
    FailStep,
    Join,
    LineageOptions,
    MetricDefinition,
    ModelContainer,
    ModelMetrics,
    ModelQualityCheckConfig,
    ParameterBoolean,
    ParameterFloat,
    ParameterString,
    PipelineDefinition,
    PipelineExperimentConfig,
    ProcessingInput,
    ProcessingOutput,
    ProcessingStep,
    PropertyFile,
    QualityCheckStep,
    RegisterModelStep,
    RetryPolicy,
    S3DataDistribution,
    S3Join,
    SplitType,
    TrainingChannel,
    TrainingJob,
    TrainingStep,
    TransformStep,
)
from stacks.config import EnvironmentConfig

#: Where the pipelines read and write (see README "Training pipelines"): raw data and batch inputs in
#: the data bucket; intermediate data, models and results in the artifact bucket. The steps' scripts
#: are file assets (``cdk deploy`` uploads them into the bootstrap bucket).
RAW_DATA_PREFIX = "raw/"
BATCH_INPUT_PREFIX = "batch/input/"
TRAINING_PREFIX = "pipelines/training/"
#: Where the training pipeline writes model artifacts (the registered packages' model data).
MODEL_ARTIFACTS_PREFIX = f"{TRAINING_PREFIX}models/"
#: The reference pipeline's scripts (``Code.from_asset``: a change to one changes the pipeline).
PIPELINE_CODE = Path(__file__).resolve().parent / "pipeline_code"
BATCH_OUTPUT_PREFIX = "pipelines/batch-transform/"

_XGBOOST_METRICS = [
    MetricDefinition("train:auc", r".*\[[0-9]+\].*train-auc:([-+]?[0-9]*\.?[0-9]+).*"),
    MetricDefinition("validation:auc", r".*\[[0-9]+\].*validation-auc:([-+]?[0-9]*\.?[0-9]+).*"),
]


class TrainingStack(Stack):
    """Stateless training side of an environment, plus the model registry (retained)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        key: EncryptionKey,
        data_bucket: SecureBucket,
        artifact_bucket: SecureBucket,
        network: INetwork,
        source_version: str,
        registry_shared_with_accounts: Sequence[str] = (),
        tracking_server: ITrackingServer | None = None,
        **kwargs: Any,
    ) -> None:
        """
        :param source_version: the app's git commit: every job of the pipelines is tagged with it and
            every registered model version records it (``LineageOptions``).
        :param registry_shared_with_accounts: default none; accounts the model registry's resource
            policy lets read it and create models from its versions (staging and prod deploying
            what was approved here).
        :param tracking_server: default none; the MLflow tracking server the training job logs its runs
            to (the training job role may log there; the Evaluate step gets its ARN).
        """
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.lineage = LineageOptions(code_version=source_version)
        training = config.training
        prefix = f"{config.project}-{config.name}"
        region = self.region

        self.model_package_group = ModelPackageGroup(
            self,
            "ModelRegistry",
            model_package_group_name=f"{prefix}-{training.model_name}",
            description=f"{training.model_name} model versions of {config.name}; approve to deploy",
            shared_with_accounts=registry_shared_with_accounts,
            # What the training pipeline registers: its models prefix and the XGBoost image.
            sources=ModelPackageSources(
                model_data=[ModelData.from_bucket(artifact_bucket, MODEL_ARTIFACTS_PREFIX)],
                images=[AlgorithmImage.xgboost()],
            ),
            removal_policy=RemovalPolicy.DESTROY if config.storage.destroy_on_delete else RemovalPolicy.RETAIN,
        )
        work = S3Location(artifact_bucket, TRAINING_PREFIX)
        #: The Model Monitor analyzer the pipeline's quality checks run (SageMaker's, per region).
        self.analyzer_image = MonitoringImage.model_monitor_analyzer()
        self.training_job_role = JobRole(
            self,
            "TrainingJobRole",
            job_kinds=["processing", "training"],
            inputs=[S3Location(data_bucket, RAW_DATA_PREFIX), work],
            outputs=[work],
            encryption_keys=[key],
            network=network,  # images: the pipeline grants each step's role pull on its image
            tracking_server=tracking_server,
        )
        self.batch_job_role = JobRole(
            self,
            "BatchJobRole",
            job_kinds=["transform"],
            inputs=[S3Location(data_bucket, BATCH_INPUT_PREFIX), work.child("models/")],
            outputs=[S3Location(artifact_bucket, BATCH_OUTPUT_PREFIX)],
            encryption_keys=[key],
            # The registered versions' image (the model is created from a package: its image is
            # known to the registry only, see the registry's ModelPackageSources).
            aws_image_repositories=[XGBOOST_REPOSITORY],
            network=network,
        )
        # The Evaluate step logs its run to MLflow (evaluate.py): its container reaches the tracking
        # server's VPC endpoint, so it is not network-isolated (the other jobs are; Train runs the
        # built-in XGBoost algorithm, which has no MLflow client).
        self.evaluate_isolated = tracking_server is None

        self.training_pipeline = MlPipeline(
            self,
            "TrainingPipeline",
            pipeline_name=f"{prefix}-training",
            scope_tag=("environment", config.name),
            description="Preprocess, train (XGBoost), evaluate, baseline, and register the model if accurate enough",
            max_parallel_steps=training.max_parallel_steps,
            definition=self._training_definition(
                key=key, data_bucket=data_bucket, work=work, network=network, region=region
            ),
        )
        self.batch_transform_pipeline = MlPipeline(
            self,
            "BatchTransformPipeline",
            pipeline_name=f"{prefix}-batch-transform",
            scope_tag=("environment", config.name),
            description="Score a batch of data with a registered model version",
            max_parallel_steps=training.max_parallel_steps,
            definition=self._batch_definition(
                key=key,
                data_bucket=data_bucket,
                artifact_bucket=artifact_bucket,
                network=network,
                region=region,
            ),
        )

    def _training_definition(
        self, *, key: EncryptionKey, data_bucket: SecureBucket, work: S3Location, network: INetwork, region: str
    ) -> PipelineDefinition:
        training = self.config.training
        role = self.training_job_role
        run = ExecutionVariables.PIPELINE_EXECUTION_ID
        input_data = ParameterString(
            "InputDataUri",
            default_value=data_bucket.s3_url(RAW_DATA_PREFIX),
            description="CSV files with the label in the first column",
        )
        threshold = ParameterFloat(
            "AccuracyThreshold",
            default_value=training.accuracy_threshold,
            description="Minimum test accuracy to register the model",
        )
        trigger = ParameterString(
            "Trigger", default_value="manual", description="What started the run: manual, schedule, drift or new-data"
        )
        skip_checks = ParameterBoolean(
            "SkipBaselineChecks",
            default_value=True,
            description="False checks the new baselines against the latest approved version's (needs one)",
        )
        register_baselines = ParameterBoolean(
            "RegisterNewBaselines",
            default_value=True,
            description="True registers the baselines calculated from this run's data as the model's drift baselines",
        )
        report = PropertyFile("EvaluationReport", output_name="evaluation", path="evaluation.json")
        capacity_retry = RetryPolicy(
            ["SageMaker.CAPACITY_ERROR", "SageMaker.RESOURCE_LIMIT"],
            interval_seconds=60,
            backoff_rate=2.0,
            max_attempts=3,
        )

        preprocess = ProcessingStep(
            "Preprocess",
            description="Split the raw CSV data into train, validation and test sets",
            role=role,
            image=FrameworkImage.sklearn(),
            instance_type=training.processing_instance_type,
            volume_size_gb=training.volume_size_gb,
            volume_kms_key=key,
            output_kms_key=key,
            inputs=[ProcessingInput("raw", input_data)],
            outputs=[
                ProcessingOutput(split, S3Join(work, run, split))
                for split in ("train", "validation", "test", "baseline")
            ],
            code=Code.from_asset(str(PIPELINE_CODE / "preprocess.py")),
            network=network,
            retry_policies=[capacity_retry],
        )
        sharded = training.training_instance_count > 1
        train = TrainingStep(
            "Train",
            description="Train an XGBoost binary classifier on the train split",
            job=TrainingJob(
                role=role,
                image=AlgorithmImage.xgboost(),
                instance_type=training.training_instance_type,
                instance_count=training.training_instance_count,
                volume_size_gb=training.volume_size_gb,
                volume_kms_key=key,
                output_path=work.child("models/"),
                output_kms_key=key,
                channels=[
                    TrainingChannel(
                        "train",
                        preprocess.outputs["train"],
                        content_type="text/csv",
                        distribution=S3DataDistribution.SHARDED_BY_S3_KEY
                        if sharded
                        else S3DataDistribution.FULLY_REPLICATED,
                    ),
                    TrainingChannel("validation", preprocess.outputs["validation"], content_type="text/csv"),
                ],
                hyperparameters={
                    "objective": "binary:logistic",
                    "eval_metric": "auc",
                    "num_round": 100,
                    "max_depth": 5,
                    "eta": 0.2,
                    "subsample": 0.8,
                },
                metric_definitions=_XGBOOST_METRICS,
                max_runtime=Duration.minutes(training.max_runtime_minutes),
                use_spot_instances=training.use_spot_instances,
                max_wait=Duration.minutes(training.max_wait_minutes) if training.use_spot_instances else None,
                # Per execution: a job resumes from what it finds here (see README "Per-run state").
                checkpoint_s3_uri=S3Join(work, run, "checkpoints") if training.use_spot_instances else None,
                # Remote debugging (opt-in, never in prod: the config refuses it) needs the network.
                network=network,
                enable_network_isolation=not training.remote_debug,
                remote_debug=training.remote_debug,
            ),
            retry_policies=[capacity_retry],
        )
        evaluate = ProcessingStep(
            "Evaluate",
            description="Score the model on the test split; write evaluation.json",
            role=role,
            image=FrameworkImage.xgboost(),
            instance_type=training.processing_instance_type,
            volume_kms_key=key,
            output_kms_key=key,
            inputs=[
                ProcessingInput("model", train.model_artifacts),
                ProcessingInput("test", preprocess.outputs["test"]),
            ],
            outputs=[
                ProcessingOutput("evaluation", S3Join(work, run, "evaluation")),
                ProcessingOutput("predictions", S3Join(work, run, "predictions")),
            ],
            code=Code.from_asset(str(PIPELINE_CODE / "evaluate.py")),
            property_files=[report],
            network=network,
            enable_network_isolation=self.evaluate_isolated,
            retry_policies=[capacity_retry],
        )
        # The baselines the served model's monitors compare with, calculated from this run's data and
        # registered with the model (DriftCheckBaselines): a new model brings its own.
        checks = CheckJobConfig(
            role=role,
            image=self.analyzer_image.container_image(),
            instance_type=training.processing_instance_type,
            volume_kms_key=key,
            output_kms_key=key,
            network=network,
        )
        lifecycle: dict[str, Any] = dict(
            skip_check=skip_checks,
            register_new_baseline=register_baselines,
            model_package_group=self.model_package_group,
        )
        data_quality = QualityCheckStep(
            "DataQualityBaseline",
            description="Statistics and constraints of the training features (what the endpoint receives)",
            check=DataQualityCheckConfig(
                baseline_dataset=preprocess.outputs["baseline"],
                dataset_format=DatasetFormat.csv(header=False),
                output=S3Join(work, run, "baselines", "data-quality"),
            ),
            job=checks,
            **lifecycle,
        )
        model_quality = QualityCheckStep(
            "ModelQualityBaseline",
            description="Quality metrics of the model's predictions on the test split",
            check=ModelQualityCheckConfig(
                baseline_dataset=evaluate.outputs["predictions"],
                dataset_format=DatasetFormat.csv(header=True),
                output=S3Join(work, run, "baselines", "model-quality"),
                problem_type="BinaryClassification",
                ground_truth_attribute="label",
                inference_attribute="prediction",
                probability_attribute="probability",
                probability_threshold_attribute=0.5,
            ),
            job=checks,
            **lifecycle,
        )
        register = RegisterModelStep(
            "RegisterModel",
            description="Register the model version with its evaluation report and lineage, pending approval",
            model_package_group=self.model_package_group,
            containers=[ModelContainer(image=AlgorithmImage.xgboost(), model_data_url=train.model_artifacts)],
            content_types=["text/csv"],
            response_types=["text/csv"],
            realtime_instance_types=["ml.m5.large", "ml.m5.xlarge"],
            transform_instance_types=[training.transform_instance_type],
            model_metrics=ModelMetrics.from_checks(data_quality=data_quality, model_quality=model_quality),
            drift_check_baselines=DriftCheckBaselines.from_checks(
                data_quality=data_quality, model_quality=model_quality
            ),
            model_package_description="Registered by the training pipeline; approve to deploy",
        )
        too_low = FailStep(
            "AccuracyBelowThreshold",
            error_message=Join(on=" ", values=["Test accuracy is below the threshold", threshold]),
        )
        gate = ConditionStep(
            "QualityGate",
            conditions=[
                ConditionGreaterThanOrEqualTo(
                    evaluate.json_get(report, "metrics.accuracy.value", kind="Float"), threshold
                )
            ],
            if_steps=[register],
            else_steps=[too_low],
        )
        return PipelineDefinition(
            parameters=[input_data, threshold, trigger, skip_checks, register_baselines],
            steps=[preprocess, data_quality, train, evaluate, model_quality, gate],
            lineage=self.lineage,
            # One experiment for the pipeline, one trial per execution, in Studio's Experiments view.
            experiment_config=PipelineExperimentConfig(),
        )

    def _batch_definition(
        self,
        *,
        key: EncryptionKey,
        data_bucket: SecureBucket,
        artifact_bucket: SecureBucket,
        network: INetwork,
        region: str,
    ) -> PipelineDefinition:
        training = self.config.training
        package = ParameterString("ModelPackageArn", description="ARN of the approved model version to run")
        input_data = ParameterString(
            "InputDataUri",
            default_value=data_bucket.s3_url(BATCH_INPUT_PREFIX),
            description="CSV files to score (no label column)",
        )
        model = CreateModelStep(
            "CreateModel",
            role=self.batch_job_role,
            containers=[ModelContainer(model_package=package, model_package_group=self.model_package_group)],
            network=network,
        )
        transform = TransformStep(
            "BatchTransform",
            model_name=model.model_name,
            instance_type=training.transform_instance_type,
            instance_count=training.transform_instance_count,
            input_s3_uri=input_data,
            content_type="text/csv",
            split_type=SplitType.LINE,
            output_path=S3Join(
                S3Location(artifact_bucket, BATCH_OUTPUT_PREFIX), ExecutionVariables.PIPELINE_EXECUTION_ID
            ),
            accept="text/csv",
            assemble_with=AssemblyType.LINE,
            output_kms_key=key,
            volume_kms_key=key,
            retry_policies=[RetryPolicy(["SageMaker.CAPACITY_ERROR"], interval_seconds=60, max_attempts=3)],
        )
        return PipelineDefinition(parameters=[package, input_data], steps=[model, transform], lineage=self.lineage)
