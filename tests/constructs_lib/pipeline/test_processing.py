"""ProcessingStep: inputs, outputs, script code, property files, network and encryption."""

from __future__ import annotations

import pytest
from aws_cdk import Duration
from aws_cdk import aws_kms as kms

from constructs_lib import ConstructValidationError
from constructs_lib.foundation.container_image import ContainerImage
from constructs_lib.training.pipeline import (
    ParameterInteger,
    ParameterString,
    PipelineDefinition,
    ProcessingInput,
    ProcessingOutput,
    ProcessingStep,
    PropertyFile,
)
from tests.conftest import new_stack
from tests.constructs_lib.fakes import FakeNetwork
from tests.constructs_lib.pipeline.conftest import SKLEARN, assert_valid

KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"


@pytest.fixture(scope="module")
def key():
    return kms.Key.from_key_arn(new_stack(), "Key", KEY_ARN)


def _step(job_role, **changes):
    options = dict(role=job_role, image=ContainerImage.from_uri(SKLEARN), instance_type="ml.m5.xlarge")
    options.update(changes)
    return ProcessingStep("Prep", **options)


def _render(step, parameters=()):
    return PipelineDefinition(parameters=list(parameters), steps=[step]).render()["Steps"][0]


def test_processing_job_with_code_inputs_outputs_encryption_and_vpc(role, key):
    step = _step(
        role,
        instance_count=2,
        volume_size_gb=50,
        volume_kms_key=key,
        output_kms_key=key,
        inputs=[
            ProcessingInput(
                "raw", "s3://data/raw/", input_mode="Pipe", compression="Gzip", distribution="ShardedByS3Key"
            )
        ],
        outputs=[ProcessingOutput("train", "s3://artifacts/train", upload_mode="Continuous")],
        code="s3://artifacts/code/preprocess.py",
        arguments=["--split", 0.2, ParameterInteger("Seed", default_value=7)],
        environment={"MODE": "full"},
        max_runtime=Duration.minutes(30),
        network=FakeNetwork(["subnet-1", "subnet-2"], ["sg-1"]),
    )
    rendered = PipelineDefinition(parameters=[ParameterInteger("Seed", default_value=7)], steps=[step]).render()
    assert_valid(rendered)
    args = rendered["Steps"][0]["Arguments"]
    assert args["ProcessingResources"]["ClusterConfig"] == {
        "InstanceType": "ml.m5.xlarge",
        "InstanceCount": 2,
        "VolumeSizeInGB": 50,
        "VolumeKmsKeyId": KEY_ARN,
    }
    assert args["AppSpecification"]["ContainerEntrypoint"] == ["python3", "/opt/ml/processing/input/code/preprocess.py"]
    assert args["AppSpecification"]["ContainerArguments"] == [
        "--split",
        "0.2",
        {"Std:Join": {"On": "", "Values": [{"Get": "Parameters.Seed"}]}},
    ]
    assert [i["InputName"] for i in args["ProcessingInputs"]] == ["raw", "code"]
    assert args["ProcessingInputs"][0]["S3Input"]["S3InputMode"] == "Pipe"
    assert args["ProcessingOutputConfig"]["KmsKeyId"] == KEY_ARN
    assert args["StoppingCondition"] == {"MaxRuntimeInSeconds": 1800}
    assert args["NetworkConfig"] == {
        "EnableInterContainerTrafficEncryption": True,
        "EnableNetworkIsolation": True,
        "VpcConfig": {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1", "subnet-2"]},
    }


def test_network_isolation_and_traffic_encryption_are_on_by_default(role):
    args = _render(_step(role))["Arguments"]
    assert args["NetworkConfig"] == {"EnableInterContainerTrafficEncryption": True, "EnableNetworkIsolation": True}


def test_property_files_are_declared_on_the_step(role):
    report = PropertyFile("Report", output_name="evaluation", path="evaluation.json")
    step = _step(role, outputs=[ProcessingOutput("evaluation", "s3://a/eval")], property_files=[report])
    rendered = _render(step)
    assert rendered["PropertyFiles"] == [
        {"PropertyFileName": "Report", "OutputName": "evaluation", "FilePath": "evaluation.json"}
    ]


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            {"instance_type": "ml.m5.xxlarge"},
            "instance_type='ml.m5.xxlarge': must be one of the 207 instance types SageMaker accepts here "
            "(botocore ProcessingInstanceType, e.g. ml.m5.xlarge); did you mean ml.m5.xlarge",
        ),
        ({"instance_type": "m5.large"}, "instance_type='m5.large'"),
        ({"instance_count": 0}, "instance_count=0: must be from 1 to 100"),
        ({"instance_count": ParameterString("N")}, "instance_count=ParameterString('N'): must be a Integer"),
        ({"volume_size_gb": 20000}, "volume_size_gb=20000: must be from 1 to 16384"),
        ({"max_runtime": Duration.days(10)}, "max_runtime (seconds)=864000: must be from 1 to 777600"),
        ({"role": "arn:aws:iam::1:role/x"}, "role='arn:aws:iam::1:role/x': must be a JobRole or an IAM role"),
        (
            {"inputs": [ProcessingInput("a", "s3://b/a"), ProcessingInput("a", "s3://b/b")]},
            "inputs=['a', 'a']: names must be unique",
        ),
        ({"inputs": [ProcessingInput("a", "data/a")]}, "inputs['a'].source='data/a': must be an s3:// URI"),
        (
            {"inputs": [ProcessingInput("a", "s3://b/a", destination="/tmp/a")]},
            "inputs['a'].destination='/tmp/a': must be under /opt/ml/processing/",
        ),
        (
            {"inputs": [ProcessingInput("a", "s3://b/a", compression="Gzip")]},
            "inputs['a'].compression='Gzip': Gzip needs input_mode='Pipe'",
        ),
        (
            {"inputs": [ProcessingInput("a", "s3://b/a", input_mode="FastFile")]},
            "inputs['a'].input_mode='FastFile': must be one of Pipe, File",
        ),
        (
            {"outputs": [ProcessingOutput("o", "s3://b/o", upload_mode="Later")]},
            "outputs['o'].upload_mode='Later': must be one of Continuous, EndOfJob",
        ),
        (
            {"property_files": [PropertyFile("R", output_name="missing", path="r.json")]},
            "property_files['R'].output_name='missing': must be one of this step's outputs: (none)",
        ),
        ({"code": "s3://b/code/"}, "code='s3://b/code/'"),
        (
            {"network": FakeNetwork(["subnet-1"], [])},
            "network.security_groups=[]: must be 1 to 5 security groups when the job runs in a VPC",
        ),
    ],
)
def test_bad_processing_input_fails_naming_step_argument_and_value(role, changes, message):
    with pytest.raises(ConstructValidationError) as error:
        _render(_step(role, **changes))
    assert "steps['Prep'] (Processing) " + message in str(error.value)
