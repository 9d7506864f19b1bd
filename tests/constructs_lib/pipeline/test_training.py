"""TrainingStep: spot with checkpoints, channel input modes, distributed training, metrics, network
isolation, traffic encryption, VPC, volume and output KMS keys."""

from __future__ import annotations

import pytest
from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from constructs_lib import ConstructValidationError, S3Location
from constructs_lib.training.pipeline import (
    ExecutionVariables,
    FileSystemSource,
    Join,
    MetricDefinition,
    ParameterBoolean,
    ParameterString,
    PipelineDefinition,
    S3Join,
    TrainingChannel,
    TrainingStep,
)
from tests.conftest import new_stack
from tests.constructs_lib.fakes import FakeNetwork
from tests.constructs_lib.pipeline.conftest import assert_valid, per_run, training_job

KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
_BUCKET = s3.Bucket.from_bucket_name(new_stack(), "Artifacts", "artifacts")
VPC = FakeNetwork(["subnet-1", "subnet-2"], ["sg-1"])


@pytest.fixture(scope="module")
def key():
    return kms.Key.from_key_arn(new_stack(), "Key", KEY_ARN)


def _render(step, parameters=()):
    rendered = PipelineDefinition(parameters=list(parameters), steps=[step]).render()
    assert_valid(rendered)
    return rendered["Steps"][0]["Arguments"]


def _error(job, parameters=()) -> str:
    with pytest.raises(ConstructValidationError) as error:
        PipelineDefinition(parameters=list(parameters), steps=[TrainingStep("Train", job=job)]).render()
    return str(error.value)


def test_managed_spot_training_with_checkpoints_and_max_wait(role):
    args = _render(
        TrainingStep(
            "Train",
            job=training_job(
                role,
                use_spot_instances=True,
                max_runtime=Duration.hours(1),
                max_wait=Duration.hours(3),
                checkpoint_s3_uri=per_run("s3://artifacts", "checkpoints"),
                checkpoint_local_path="/opt/ml/checkpoints",
            ),
        )
    )
    assert args["EnableManagedSpotTraining"] is True
    assert args["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 10800}
    assert args["CheckpointConfig"] == {
        "S3Uri": {
            "Std:Join": {
                "On": "/",
                "Values": ["s3://artifacts", {"Get": "Execution.PipelineExecutionId"}, "checkpoints"],
            }
        },
        "LocalPath": "/opt/ml/checkpoints",
    }


def _spot(role, checkpoint):
    return training_job(role, use_spot_instances=True, max_wait=Duration.hours(2), checkpoint_s3_uri=checkpoint)


@pytest.mark.parametrize(
    "checkpoint",
    [
        "s3://artifacts/checkpoints/",
        S3Location(_BUCKET, "pipelines/checkpoints/"),
        ParameterString("CheckpointUri", default_value="s3://artifacts/checkpoints/"),
        Join(on="/", values=["s3://artifacts/checkpoints", ParameterString("CheckpointUri")]),
        Join(on="/", values=["s3://artifacts/checkpoints", ExecutionVariables.START_DATETIME]),
        Join(on="/", values=["s3://artifacts/checkpoints", ExecutionVariables.PIPELINE_NAME]),
    ],
    ids=["literal", "S3Location", "parameter", "literal-and-parameter", "start-time", "pipeline-name"],
)
def test_a_checkpoint_prefix_shared_by_executions_fails_at_synth(role, checkpoint):
    """A job resumes from the newest checkpoint under its prefix: shared by runs, every run after the
    first resumes from the last run's model (XGBoost with all rounds done returns it untrained)."""
    parameters = [ParameterString("CheckpointUri")] if "Parameter" in repr(checkpoint) else []
    message = _error(_spot(role, checkpoint), parameters)
    assert "steps['Train'] (Training) job.checkpoint_s3_uri=" in message
    assert "must vary with the execution: join ExecutionVariables.PIPELINE_EXECUTION_ID into it" in message
    assert "resumes every run from the previous run's model" in message


@pytest.mark.parametrize(
    "checkpoint",
    [
        Join(on="/", values=["s3://artifacts/checkpoints", ExecutionVariables.PIPELINE_EXECUTION_ID]),
        Join(on="/", values=["s3://artifacts/checkpoints", ExecutionVariables.PIPELINE_EXECUTION_ARN]),
        S3Join(S3Location(_BUCKET, "pipelines/"), ExecutionVariables.PIPELINE_EXECUTION_ID, "checkpoints"),
    ],
    ids=["execution-id", "execution-arn", "S3Join"],
)
def test_a_checkpoint_prefix_per_execution_is_accepted(role, checkpoint):
    args = _render(TrainingStep("Train", job=_spot(role, checkpoint)))
    assert "Execution.PipelineExecution" in str(args["CheckpointConfig"]["S3Uri"])


def test_on_demand_training_has_no_max_wait(role):
    args = _render(TrainingStep("Train", job=training_job(role)))
    assert args["EnableManagedSpotTraining"] is False
    assert args["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}
    assert "CheckpointConfig" not in args


def test_input_modes_per_channel_file_pipe_and_fast_file(role):
    channels = [
        TrainingChannel("train", "s3://data/train/", input_mode="FastFile"),
        TrainingChannel(
            "validation",
            "s3://data/validation/",
            input_mode="Pipe",
            compression="Gzip",
            record_wrapper="RecordIO",
            shuffle_seed=7,
        ),
        TrainingChannel(
            "manifest",
            "s3://data/labels.manifest",
            s3_data_type="AugmentedManifestFile",
            input_mode="Pipe",
            attribute_names=["source-ref", "label"],
        ),
        TrainingChannel("test", "s3://data/test/"),
    ]
    args = _render(TrainingStep("Train", job=training_job(role, channels=channels, input_mode="File")))
    assert args["AlgorithmSpecification"]["TrainingInputMode"] == "File"
    by_name = {c["ChannelName"]: c for c in args["InputDataConfig"]}
    assert by_name["train"]["InputMode"] == "FastFile"
    assert by_name["validation"]["InputMode"] == "Pipe"
    assert by_name["validation"]["CompressionType"] == "Gzip"
    assert by_name["validation"]["RecordWrapperType"] == "RecordIO"
    assert by_name["validation"]["ShuffleConfig"] == {"Seed": 7}
    assert by_name["manifest"]["DataSource"]["S3DataSource"]["AttributeNames"] == ["source-ref", "label"]
    assert "InputMode" not in by_name["test"]


def test_distributed_training_shards_data_across_instances(role):
    channels = [TrainingChannel("train", "s3://data/train/", distribution="ShardedByS3Key")]
    args = _render(TrainingStep("Train", job=training_job(role, instance_count=4, channels=channels)))
    assert args["ResourceConfig"]["InstanceCount"] == 4
    assert args["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3DataDistributionType"] == "ShardedByS3Key"
    assert args["EnableInterContainerTrafficEncryption"] is True


def test_metric_definitions_network_isolation_vpc_and_kms(role, key):
    args = _render(TrainingStep("Train", job=training_job(role, network=VPC, volume_kms_key=key, output_kms_key=key)))
    assert args["AlgorithmSpecification"]["MetricDefinitions"][0]["Name"] == "validation:auc"
    assert args["EnableNetworkIsolation"] is True
    assert args["VpcConfig"] == {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1", "subnet-2"]}
    assert args["ResourceConfig"]["VolumeKmsKeyId"] == KEY_ARN
    assert args["OutputDataConfig"] == {"S3OutputPath": "s3://artifacts/models", "KmsKeyId": KEY_ARN}


def test_network_isolation_can_be_turned_off_explicitly(role):
    args = _render(
        TrainingStep(
            "Train",
            job=training_job(role, enable_network_isolation=False, encrypt_inter_container_traffic=False),
        )
    )
    assert args["EnableNetworkIsolation"] is False
    assert args["EnableInterContainerTrafficEncryption"] is False


def test_hyperparameters_are_written_as_strings(role):
    flag = ParameterBoolean("Early", default_value=True)
    args = _render(
        TrainingStep(
            "Train",
            job=training_job(role, hyperparameters={"eta": 0.2, "num_round": 10, "verbose": False, "early": flag}),
        ),
        [flag],
    )
    assert args["HyperParameters"] == {
        "eta": "0.2",
        "num_round": "10",
        "verbose": "false",
        "early": {"Std:Join": {"On": "", "Values": [{"Get": "Parameters.Early"}]}},
    }


def test_file_system_channels_need_file_mode_and_a_vpc(role):
    fs = FileSystemSource("fs-0123456789abcdef0", "FSxLustre", "/fsx/train")
    args = _render(
        TrainingStep("Train", job=training_job(role, network=VPC, channels=[TrainingChannel("train", file_system=fs)]))
    )
    assert args["InputDataConfig"][0]["DataSource"]["FileSystemDataSource"]["FileSystemType"] == "FSxLustre"
    message = _error(training_job(role, channels=[TrainingChannel("train", file_system=fs, input_mode="FastFile")]))
    assert (
        "job.channels['train'].input_mode='FastFile': must be 'File' for a file-system channel: Pipe and "
        "FastFile stream from S3 only"
    ) in message
    assert "job.channels['train'].file_system='fs-0123456789abcdef0': needs the job in a VPC" in message


def test_spot_without_max_wait_fails(role):
    message = _error(training_job(role, use_spot_instances=True, checkpoint_s3_uri="s3://a/ckpt"))
    assert ("steps['Train'] (Training) job.max_wait=None: is required with use_spot_instances=True") in message


def test_spot_with_max_wait_below_max_runtime_fails(role):
    message = _error(
        training_job(
            role,
            use_spot_instances=True,
            max_runtime=Duration.hours(2),
            max_wait=Duration.hours(1),
            checkpoint_s3_uri="s3://a/ckpt",
        )
    )
    assert "job.max_wait (seconds)=3600: must be >= max_runtime (7200 s): it includes the run time" in message


def test_spot_without_checkpoint_fails(role):
    message = _error(training_job(role, use_spot_instances=True, max_wait=Duration.hours(2)))
    assert "job.checkpoint_s3_uri=None: is required with use_spot_instances=True" in message


def test_max_wait_without_spot_fails(role):
    message = _error(training_job(role, max_wait=Duration.hours(2)))
    assert "job.max_wait=7200: only applies to managed spot training" in message


@pytest.mark.parametrize(
    "channel, message",
    [
        (
            TrainingChannel("m", "s3://d/x.manifest", s3_data_type="AugmentedManifestFile", input_mode="FastFile"),
            "job.channels['m'].input_mode='FastFile': must be 'Pipe' for an AugmentedManifestFile channel",
        ),
        (
            TrainingChannel("m", "s3://d/x.manifest", s3_data_type="AugmentedManifestFile"),
            "job.channels['m'].input_mode='File': must be 'Pipe' for an AugmentedManifestFile channel",
        ),
        (
            TrainingChannel("t", "s3://d/t/", compression="Gzip", input_mode="FastFile"),
            "job.channels['t'].compression='Gzip': 'Gzip' is only used in Pipe mode (this channel is FastFile)",
        ),
        (
            TrainingChannel("t", "s3://d/t/", record_wrapper="RecordIO"),
            "job.channels['t'].record_wrapper='RecordIO': 'RecordIO' wrapping is only applied in Pipe mode",
        ),
        (
            TrainingChannel("t", "s3://d/t/", input_mode="Stream"),
            "job.channels['t'].input_mode='Stream': must be one of Pipe, File, FastFile",
        ),
        (
            TrainingChannel("t", "s3://d/t/", attribute_names=["label"]),
            "job.channels['t'].attribute_names=['label']: only apply to s3_data_type='AugmentedManifestFile'",
        ),
        (TrainingChannel("t"), "job.channels['t']='t': give exactly one of s3_uri or file_system"),
        (TrainingChannel("bad name!", "s3://d/t/"), "job.channels['bad name!'].name='bad name!'"),
    ],
)
def test_channel_input_modes_that_cannot_apply_fail(role, channel, message):
    assert message in _error(training_job(role, channels=[channel]))


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"instance_type": "ml.m5.mega"}, "job.instance_type='ml.m5.mega': must be one of the 225 instance types"),
        ({"instance_type": ParameterString("T")}, None),
        ({"instance_count": 0}, "job.instance_count=0: must be at least 1"),
        ({"instance_count": "2"}, "job.instance_count='2': must be a Integer"),
        ({"image": None}, "job.image/algorithm_name=[None, None]: give exactly one"),
        ({"algorithm_name": "xgboost"}, "job.image/algorithm_name"),
        ({"output_path": "artifacts/models"}, "job.output_path='artifacts/models': must be an s3:// URI"),
        ({"input_mode": "Stream"}, "job.input_mode='Stream': must be one of Pipe, File, FastFile"),
        ({"max_runtime": 3600}, "job.max_runtime=3600: must be an aws_cdk.Duration"),
        ({"max_retry_attempts": 31}, "job.max_retry_attempts=31: must be from 1 to 30"),
        (
            {"metric_definitions": [MetricDefinition("auc", "(unclosed")]},
            "job.metric_definitions['auc'].regex='(unclosed': must be a valid regular expression",
        ),
        (
            {"metric_definitions": [MetricDefinition("a", "(.*)"), MetricDefinition("a", "(.*)")]},
            "job.metric_definitions=['a', 'a']: names must be unique",
        ),
        (
            {"network": FakeNetwork([f"subnet-{i}" for i in range(17)], ["sg-1"])},
            "job.network.subnets",
        ),
        (
            {"hyperparameters": {"depth": {"max": 5}}},
            "job.hyperparameters['depth']={'max': 5}: must be a string, number, boolean or expression",
        ),
    ],
)
def test_bad_training_input_fails_naming_step_argument_and_value(role, changes, message):
    parameters = [changes["instance_type"]] if isinstance(changes.get("instance_type"), ParameterString) else []
    if message is None:  # a String parameter is a valid instance type
        PipelineDefinition(
            parameters=parameters, steps=[TrainingStep("Train", job=training_job(role, **changes))]
        ).render()
        return
    assert "steps['Train'] (Training) " + message in _error(training_job(role, **changes), parameters)
