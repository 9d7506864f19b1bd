"""The one helper every service principal goes through: account pinned, source ARN when known."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from constructs_lib._core.service_role import pin_role_trust, service_role, source_conditions
from tests.conftest import new_stack


def test_exact_source_arns_are_compared_exactly_and_patterns_as_patterns():
    stack = new_stack()
    exact = stack.resolve(source_conditions(stack, "arn:aws:events:eu-west-1:111111111111:rule/r"))
    assert exact["ArnEquals"] == {"aws:SourceArn": "arn:aws:events:eu-west-1:111111111111:rule/r"}
    assert exact["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    pattern = stack.resolve(source_conditions(stack, ["arn:aws:cloudwatch:eu-west-1:111111111111:alarm:a-*"]))
    assert pattern["ArnLike"] == {"aws:SourceArn": ["arn:aws:cloudwatch:eu-west-1:111111111111:alarm:a-*"]}
    assert set(stack.resolve(source_conditions(stack))) == {"StringEquals"}


def test_a_service_role_trusts_only_its_service_for_this_account():
    stack = new_stack()
    service_role(
        stack,
        "Role",
        service="states.amazonaws.com",
        description="test",
        source_arn="arn:aws:states:eu-west-1:111111111111:stateMachine:m",
    )
    [role] = Template.from_stack(stack).find_resources("AWS::IAM::Role").values()
    [statement] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "states.amazonaws.com"}
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"].endswith(":stateMachine:m")


def test_pinning_a_generated_trust_touches_service_principals_only():
    stack = new_stack()
    role = iam.Role(
        stack,
        "Role",
        assumed_by=iam.CompositePrincipal(iam.ServicePrincipal("codebuild.amazonaws.com"), iam.AccountRootPrincipal()),
    )
    pin_role_trust(role)
    [cfn] = Template.from_stack(stack).find_resources("AWS::IAM::Role").values()
    statements = cfn["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    service = [s for s in statements if "Service" in s["Principal"]]
    others = [s for s in statements if "Service" not in s["Principal"]]
    assert service and all(
        s["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"} for s in service
    )
    assert others and all("Condition" not in s for s in others)
