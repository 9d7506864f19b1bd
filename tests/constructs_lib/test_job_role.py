"""JobRole: the execution role of SageMaker jobs is no broader than stated."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Capture, Match, Template

from constructs_lib import (
    ConstructValidationError,
    EncryptionKey,
    JobRole,
    PrivateNetwork,
    S3Location,
    SecureBucket,
)
from constructs_lib._core.roles import ManagedPolicyRole
from constructs_lib.training.container_images import SKLEARN_REPOSITORY, XGBOOST_REPOSITORY
from tests.conftest import compliance_app, nag_findings, new_stack

#: Every action a JobRole may hold, and those allowed on Resource '*'.
ALLOWED_ACTIONS = {
    "s3:GetObject",
    "s3:ListBucket",
    "s3:PutObject",
    "s3:AbortMultipartUpload",
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:CreateGrant",
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:GetAuthorizationToken",
    "logs:CreateLogGroup",
    "logs:DescribeLogStreams",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "cloudwatch:PutMetricData",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
}
STAR_ACTIONS = {
    "cloudwatch:PutMetricData",
    "ecr:GetAuthorizationToken",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
}


@pytest.fixture(scope="module")
def synthesized():
    app = compliance_app()
    data = new_stack(app, "Data")
    key = EncryptionKey(data, "Key")
    data_bucket = SecureBucket(data, "DataBucket", encryption_key=key)
    artifacts = SecureBucket(data, "Artifacts", encryption_key=key)
    network = PrivateNetwork(data, "Network", availability_zones=["eu-west-1a", "eu-west-1b"])
    stack = new_stack(app, "Jobs")
    role = JobRole(
        stack,
        "TrainingRole",
        job_kinds=["processing", "training"],
        inputs=[S3Location(data_bucket, "raw/"), S3Location(artifacts, "pipelines/")],
        outputs=[S3Location(artifacts, "pipelines/")],
        encryption_keys=[key],
        aws_image_repositories=[SKLEARN_REPOSITORY, XGBOOST_REPOSITORY],
        network=network,
    )
    JobRole(stack, "DlcRole", job_kinds=["transform"], allow_deep_learning_containers=True)
    caller = ManagedPolicyRole(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    role.grant_pass_role(caller)
    findings = nag_findings(app)
    return Template.from_stack(stack), findings, stack


def _policy_statements(template: Template, role_prefix: str) -> list[dict]:
    """Every statement of the role's customer-managed policy (the role has no other policy)."""
    statements = Capture()
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "Roles": [{"Ref": Match.string_like_regexp(f"^{role_prefix}")}],
            "PolicyDocument": {"Statement": statements, "Version": "2012-10-17"},
        },
    )
    return statements.as_array()


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _text(value) -> str:
    return json.dumps(value)


def _statements_with(statements: list[dict], action: str) -> list[dict]:
    return [s for s in statements if action in _as_list(s["Action"])]


def test_job_role_is_nag_clean(synthesized):
    assert synthesized[1] == []


def test_job_role_has_no_inline_or_aws_managed_policy(synthesized):
    template = synthesized[0]
    template.resource_count_is("AWS::IAM::Policy", 0)
    for role in template.find_resources("AWS::IAM::Role").values():
        assert "Policies" not in role["Properties"] and "ManagedPolicyArns" not in role["Properties"]


def test_trusts_only_sagemaker_from_this_account(synthesized):
    template = synthesized[0]
    roles = template.find_resources("AWS::IAM::Role")
    trust = next(r for k, r in roles.items() if k.startswith("TrainingRole"))["Properties"]["AssumeRolePolicyDocument"]
    assert trust["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
            "Effect": "Allow",
            "Principal": {"Service": "sagemaker.amazonaws.com"},
        }
    ]


def test_no_statement_is_broader_than_stated(synthesized):
    for prefix in ("TrainingRole", "DlcRole"):
        for statement in _policy_statements(synthesized[0], prefix):
            assert statement["Effect"] == "Allow"
            actions = set(_as_list(statement["Action"]))
            assert actions <= ALLOWED_ACTIONS, actions - ALLOWED_ACTIONS
            assert not any("*" in action for action in actions)
            if "*" in _as_list(statement["Resource"]):
                assert actions <= STAR_ACTIONS, f"'*' resource for {actions - STAR_ACTIONS}"


def test_reads_only_its_input_prefixes(synthesized):
    statements = _policy_statements(synthesized[0], "TrainingRole")
    (get,) = _statements_with(statements, "s3:GetObject")
    resources = _text(get["Resource"])
    assert "/raw/*" in resources and "/pipelines/*" in resources and len(_as_list(get["Resource"])) == 2
    listings = _statements_with(statements, "s3:ListBucket")
    assert sorted(s["Condition"]["StringLike"]["s3:prefix"][0] for s in listings) == ["pipelines/", "raw/"]


def test_writes_only_its_output_prefixes_and_never_deletes(synthesized):
    statements = _policy_statements(synthesized[0], "TrainingRole")
    (put,) = _statements_with(statements, "s3:PutObject")
    assert set(_as_list(put["Action"])) == {"s3:AbortMultipartUpload", "s3:PutObject"}
    assert "/pipelines/*" in _text(put["Resource"]) and "/raw/" not in _text(put["Resource"])
    assert "s3:DeleteObject" not in _text(statements)


def test_uses_only_the_given_keys_and_bucket_keys_only_through_s3(synthesized):
    statements = _policy_statements(synthesized[0], "TrainingRole")
    kms = [s for s in statements if any(a.startswith("kms:") for a in _as_list(s["Action"]))]
    for statement in kms:
        assert "*" not in _as_list(statement["Resource"])
        assert "KeyE447D366" in _text(statement["Resource"]) or "Key" in _text(statement["Resource"])
    (grant,) = _statements_with(statements, "kms:CreateGrant")
    assert grant["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    via_s3 = [s for s in kms if "Condition" in s and "kms:ViaService" in s["Condition"].get("StringEquals", {})]
    assert via_s3 and via_s3[0]["Condition"]["StringEquals"]["kms:ViaService"] == "s3.eu-west-1.amazonaws.com"


def test_pulls_only_the_named_repositories_of_the_sagemaker_registry(synthesized):
    statements = _policy_statements(synthesized[0], "TrainingRole")
    (pull,) = _statements_with(statements, "ecr:BatchGetImage")
    resources = _text(pull["Resource"])
    assert ":ecr:eu-west-1:141502667606:repository/sagemaker-scikit-learn" in resources
    assert ":ecr:eu-west-1:141502667606:repository/sagemaker-xgboost" in resources
    assert len(_as_list(pull["Resource"])) == 2


def test_deep_learning_containers_only_when_asked(synthesized):
    statements = _policy_statements(synthesized[0], "DlcRole")
    (pull,) = _statements_with(statements, "ecr:BatchGetImage")
    assert ":ecr:eu-west-1:763104351884:repository/*" in _text(pull["Resource"])
    assert "763104351884" not in _text(_policy_statements(synthesized[0], "TrainingRole"))


def test_writes_only_its_own_logs_and_metrics(synthesized):
    statements = _policy_statements(synthesized[0], "TrainingRole")
    (streams,) = _statements_with(statements, "logs:PutLogEvents")
    text = _text(streams["Resource"])
    assert "log-group:/aws/sagemaker/ProcessingJobs:log-stream:*" in text
    assert "log-group:/aws/sagemaker/TrainingJobs:log-stream:*" in text
    assert "TransformJobs" not in text
    (metrics,) = _statements_with(statements, "cloudwatch:PutMetricData")
    assert metrics["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": ["/aws/sagemaker/ProcessingJobs", "/aws/sagemaker/TrainingJobs"]}
    }
    dlc_metrics = _statements_with(_policy_statements(synthesized[0], "DlcRole"), "cloudwatch:PutMetricData")[0]
    assert dlc_metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": ["/aws/sagemaker/TransformJobs"]}}


def test_network_interfaces_only_in_the_given_subnets_groups_and_vpc(synthesized):
    statements = _policy_statements(synthesized[0], "TrainingRole")
    creates = _statements_with(statements, "ec2:CreateNetworkInterface")
    on_resources = next(s for s in creates if "Condition" not in s)
    text = _text(on_resources["Resource"])
    assert text.count(":subnet/") == 2 and text.count(":security-group/") == 1
    on_interfaces = next(s for s in creates if "Condition" in s)
    assert ":network-interface/*" in _text(on_interfaces["Resource"])
    assert ":vpc/" in _text(on_interfaces["Condition"]["ArnEquals"]["ec2:Vpc"])
    assert not _statements_with(_policy_statements(synthesized[0], "DlcRole"), "ec2:CreateNetworkInterface")


def test_pass_role_only_to_sagemaker(synthesized):
    (pass_role,) = _policy_statements(synthesized[0], "Caller")
    assert pass_role["Action"] == "iam:PassRole"
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}


@pytest.mark.parametrize(
    "options, message",
    [
        ({"job_kinds": ["training", "inference"]}, "job_kinds=['inference']: must be among"),
        ({"job_kinds": []}, "job_kinds=[]: must name at least one of"),
        ({"aws_image_repositories": ["Bad Repo"]}, "aws_image_repositories='Bad Repo'"),
    ],
)
def test_bad_job_role_input_fails(options, message):
    with pytest.raises(ConstructValidationError) as error:
        JobRole(new_stack(), "Role", **options)
    assert message in str(error.value)
    assert "JobRole 'Test/Role'" in str(error.value)


def test_aws_images_need_a_concrete_region():
    stack = cdk.Stack(cdk.App(), "Agnostic")
    with pytest.raises(ConstructValidationError, match="stack region=.*must be concrete to pull AWS images"):
        JobRole(stack, "Role", aws_image_repositories=[XGBOOST_REPOSITORY])


def test_canary_an_unacknowledged_wildcard_is_still_reported():
    app = compliance_app()
    stack = new_stack(app)
    role = JobRole(stack, "Role", job_kinds=["training"])
    role.role.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::other/*"]))
    findings = nag_findings(app)
    assert "AwsSolutions-IAM5[Resource::arn:aws:s3:::other/*] at Test/Role/Resource/Permissions/Resource" in findings


def test_an_input_can_be_a_single_object_not_only_a_folder():
    from constructs_lib import S3Location, SecureBucket

    bucket = SecureBucket(new_stack(), "Code")
    assert S3Location(bucket, "code/train.py").objects_pattern == "code/train.py*"
    assert S3Location(bucket, "raw/").objects_pattern == "raw/*"
    assert S3Location(bucket).objects_pattern == "*"
