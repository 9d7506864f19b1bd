"""MlPipeline and JobRole for large-model training steps: the job role writes the Debugger,
profiler and TensorBoard outputs, and gets the SSM channels of remote debugging only when a step
opts in; nag-clean with the compliance packs."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from constructs_lib import ContainerImage, EncryptionKey, JobRole, MlPipeline, S3Location, SecureBucket
from constructs_lib.training.job_role import SSM_SESSION_CHANNEL_ACTIONS
from constructs_lib.training.pipeline import (
    DebuggerConfig,
    DebuggerRule,
    DebuggerRuleName,
    PipelineDefinition,
    TensorBoardOutput,
    TrainingChannel,
    TrainingJob,
    TrainingStep,
)
from tests.conftest import compliance_app, nag_findings, new_stack

IMAGE = "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.3.0-gpu-py311"


def _statements(template: Template, resource_type: str) -> list[dict]:
    found: list[dict] = []
    for resource in template.find_resources(resource_type).values():
        found += resource["Properties"]["PolicyDocument"]["Statement"]
    return found


@pytest.fixture(scope="module")
def synthesized():
    app = compliance_app()
    stack = new_stack(app, "Training")
    key = EncryptionKey(stack, "Key")
    bucket = SecureBucket(stack, "Artifacts", encryption_key=key)
    work = S3Location(bucket, "work/")
    debug, tensorboard = S3Location(bucket, "debug/"), S3Location(bucket, "tensorboard/")
    debugging = JobRole(
        stack,
        "Debugging",
        job_kinds=["training", "processing"],
        inputs=[work],
        outputs=[work],
        allow_deep_learning_containers=True,
    )
    plain = JobRole(
        stack, "Plain", job_kinds=["training"], inputs=[work], outputs=[work], allow_deep_learning_containers=True
    )

    def job(role: JobRole, **options) -> TrainingJob:
        return TrainingJob(
            role=role,
            image=ContainerImage.from_uri(IMAGE),
            instance_type="ml.g5.xlarge",
            output_path=work.child("models/"),
            channels=[TrainingChannel("train", work.child("train/"))],
            **options,
        )

    steps = [
        TrainingStep(
            "Debug",
            job=job(
                debugging,
                debugger=DebuggerConfig(
                    region="eu-west-1", s3_output_path=debug, rules=[DebuggerRule(DebuggerRuleName.LOSS_NOT_DECREASING)]
                ),
                tensorboard=TensorBoardOutput(tensorboard),
                remote_debug=True,
                enable_network_isolation=False,
            ),
        ),
        TrainingStep("Plain", job=job(plain)),
    ]
    MlPipeline(stack, "Pipeline", definition=PipelineDefinition(steps=steps))
    return Template.from_stack(stack), nag_findings(app)


def test_large_model_training_is_nag_clean(synthesized):
    assert synthesized[1] == []


def test_the_remote_debugging_role_gets_exactly_the_ssm_channels_in_a_policy_of_its_own(synthesized):
    template = synthesized[0]
    policies = template.find_resources(
        "AWS::IAM::ManagedPolicy",
        {"Properties": {"Description": "SSM session channels of remote-debugging training containers"}},
    )
    assert len(policies) == 1  # the plain role has none
    (policy,) = policies.values()
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {"Action": list(SSM_SESSION_CHANNEL_ACTIONS), "Effect": "Allow", "Resource": "*"}
    ]
    (role,) = policy["Properties"]["Roles"]
    assert "Debugging" in role["Ref"]
    ssm = [s for s in _statements(template, "AWS::IAM::ManagedPolicy") if "ssmmessages" in str(s["Action"])]
    assert len(ssm) == 1


def test_the_job_role_writes_the_debugger_and_tensorboard_outputs(synthesized):
    writes = [
        str(s["Resource"])
        for s in _statements(synthesized[0], "AWS::IAM::ManagedPolicy")
        if "s3:PutObject" in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    ]
    assert any("debug/*" in resource for resource in writes)
    assert any("tensorboard/*" in resource for resource in writes)


def test_the_job_role_pulls_the_rule_evaluator_image_of_the_region(synthesized):
    pulls = [
        s["Resource"]
        for s in _statements(synthesized[0], "AWS::IAM::ManagedPolicy")
        if "ecr:BatchGetImage" in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    ]
    rule_image = {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, ":ecr:eu-west-1:929884845733:repository/sagemaker-debugger-rules"],
        ]
    }
    assert sum(rule_image == r or rule_image in (r if isinstance(r, list) else []) for r in pulls) == 1


def test_granting_remote_debugging_again_adds_nothing():
    from tests.conftest import new_stack

    stack = new_stack()
    role = JobRole(stack, "Role", job_kinds=["training"])
    assert role.grant_remote_debug() is role.grant_remote_debug()
    assert len(Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy")) == 2  # its own and RemoteDebug
