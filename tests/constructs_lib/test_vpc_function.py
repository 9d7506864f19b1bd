"""The library's VPC Lambdas: pinned trust, network-interface permissions scoped to the network."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match, Template

from constructs_lib import PrivateNetwork
from constructs_lib._core.vpc_function import VpcFunction
from tests.conftest import compliance_app, nag_findings, new_stack

HANDLER = Path(__file__).resolve().parents[2] / "constructs_lib" / "monitoring" / "retraining_trigger_handler"


def _build(stack):
    network = PrivateNetwork(stack, "Network", availability_zones=["eu-west-1a", "eu-west-1b"], interface_endpoints=())
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    queue = sqs.Queue(stack, "Dlq", encryption=sqs.QueueEncryption.KMS, encryption_master_key=key, enforce_ssl=True)
    return VpcFunction(
        stack,
        "Function",
        code_directory=HANDLER,
        description="test",
        network=network,
        encryption_key=key,
        dead_letter_queue=queue,
    )


@pytest.fixture(scope="module")
def statements() -> dict[str, dict]:
    stack = new_stack()
    function = _build(stack)
    template = Template.from_stack(stack)
    policy = template.find_resources("AWS::IAM::ManagedPolicy")[
        stack.get_logical_id(function.role.managed_policy.node.default_child)
    ]
    return {s.get("Sid", ""): s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


def test_only_the_describe_calls_are_on_star(statements):
    assert statements["AttachToVpcDescribe"]["Resource"] == "*"
    assert sorted(statements["AttachToVpcDescribe"]["Action"]) == [
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
    ]
    for sid in ("AttachToVpcCreateInterfaces", "AttachToVpcManageInterfaces"):
        resources = statements[sid]["Resource"]
        assert "*" not in (resources if isinstance(resources, list) else [resources])


def test_interfaces_are_created_only_in_the_networks_subnets_and_security_group(statements):
    resources = [str(r) for r in statements["AttachToVpcCreateInterfaces"]["Resource"]]
    assert statements["AttachToVpcCreateInterfaces"]["Action"] == "ec2:CreateNetworkInterface"
    assert sum(":subnet/" in r for r in resources) == 2
    assert sum(":security-group/" in r for r in resources) == 1
    assert sum(":network-interface/*" in r for r in resources) == 1


def test_interface_management_is_limited_to_this_accounts_interfaces(statements):
    manage = statements["AttachToVpcManageInterfaces"]
    assert sorted(manage["Action"]) == [
        "ec2:AssignPrivateIpAddresses",
        "ec2:DeleteNetworkInterface",
        "ec2:UnassignPrivateIpAddresses",
    ]
    assert "network-interface/*" in str(manage["Resource"]) and "AWS::AccountId" in str(manage["Resource"])


def test_the_trust_is_pinned_to_this_account():
    stack = new_stack()
    _build(stack)
    roles = Template.from_stack(stack).find_resources("AWS::IAM::Role")
    lambda_roles = [r for r in roles.values() if "lambda" in str(r["Properties"]["AssumeRolePolicyDocument"])]
    assert lambda_roles
    for role in lambda_roles:
        statement = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
        assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}


def test_is_compliant_under_the_nag_packs():
    app = compliance_app()
    _build(new_stack(app))
    assert nag_findings(app) == []


def test_functions_sharing_a_role_share_one_network_interface_grant():
    from aws_cdk import aws_logs as logs

    from constructs_lib._core.service_role import service_role
    from constructs_lib._core.vpc_function import attached_function

    stack = new_stack()
    network = PrivateNetwork(stack, "Network", availability_zones=["eu-west-1a", "eu-west-1b"], interface_endpoints=())
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    queue = sqs.Queue(stack, "Dlq", encryption=sqs.QueueEncryption.KMS, encryption_master_key=key, enforce_ssl=True)
    role = service_role(stack, "Role", service="lambda.amazonaws.com", description="shared")
    log_group = logs.LogGroup(stack, "Logs", encryption_key=key)
    common = dict(code_directory=HANDLER, description="t", network=network, role=role, log_group=log_group)
    for name in ("One", "Two"):
        attached_function(stack, name, handler="handler.handler", encryption_key=key, dead_letter_queue=queue, **common)
    template = Template.from_stack(stack)
    policy = template.find_resources("AWS::IAM::ManagedPolicy")[
        stack.get_logical_id(role.managed_policy.node.default_child)
    ]
    sids = [s.get("Sid") for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    assert sids.count("AttachToVpcCreateInterfaces") == 1
    functions = template.find_resources("AWS::Lambda::Function", {"Properties": {"VpcConfig": Match.any_value()}})
    assert len(functions) == 2
    for function in functions.values():
        assert stack.get_logical_id(role.managed_policy.node.default_child) in function["DependsOn"]
        assert len(function["Properties"]["VpcConfig"]["SubnetIds"]) == 2
