"""Wildcards named after cross-stack references are acknowledged exactly, one finding at a time."""

import pytest
from aws_cdk import aws_iam as iam

from constructs_lib import SecureBucket
from constructs_lib._core.roles import ManagedPolicyRole
from constructs_lib._core.wildcards import acknowledge_exact_wildcard, flatten_cfn_reference
from tests.conftest import compliance_app, nag_findings, new_stack


def test_flattens_references_like_cdk_nag():
    assert flatten_cfn_reference({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::b/*"]]}) == (
        "arn:<AWS::Partition>:s3:::b/*"
    )
    assert flatten_cfn_reference({"Fn::GetAtt": ["Bucket", "Arn"]}) == "<Bucket.Arn>"
    assert flatten_cfn_reference({"Fn::ImportValue": "Stack:Export"}) == "Stack:Export"
    assert flatten_cfn_reference({"Fn::GetStackOutput": {"StackName": "A", "OutputName": "B"}}) == (
        '{"Fn::GetStackOutput":{"StackName":"A","OutputName":"B"}}'
    )


def test_acknowledges_only_the_named_cross_stack_wildcard():
    app = compliance_app()
    data = new_stack(app, "Data")
    bucket = SecureBucket(data, "Bucket")
    stack = new_stack(app, "Use")
    role = ManagedPolicyRole(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    quiet = bucket.arn_for_objects("capture/*")
    loud = bucket.arn_for_objects("other/*")
    role.add_to_policy(iam.PolicyStatement(actions=["s3:PutObject"], resources=[quiet, loud]))
    acknowledge_exact_wildcard(role, "Captured data objects are named by SageMaker at run time.", quiet)
    findings = nag_findings(app)
    assert len(findings) == 1
    assert findings[0].startswith("AwsSolutions-IAM5[Resource::") and "/other/*]" in findings[0]


def test_needs_a_wildcard_and_a_reason():
    stack = new_stack()
    role = ManagedPolicyRole(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    with pytest.raises(ValueError, match="holds no wildcard"):
        acknowledge_exact_wildcard(role, "A long enough reason for the test.", "arn:aws:s3:::b/key")
    with pytest.raises(ValueError, match="needs a real reason"):
        acknowledge_exact_wildcard(role, "short", "arn:aws:s3:::b/*")
