"""What a SageMaker job (or Lambda) role needs to run in the platform VPC, and nothing wider.

EC2's Describe calls accept only ``*``; creating an interface is limited to the network's subnets and
security groups; managing interfaces (ids generated per job) is limited to interfaces in this VPC by
the ``ec2:Vpc`` condition. One place builds these statements for every role that runs in the VPC.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, Stack
from aws_cdk import aws_iam as iam
from constructs import IConstruct

ENI_DESCRIBE = (
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
)
ENI_MANAGE = (
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
)


def vpc_access_statements(
    scope: IConstruct,
    *,
    vpc_id: str,
    subnet_ids: list[str],
    security_group_ids: list[str],
    sid_prefix: str = "VpcAccess",
) -> tuple[list[iam.PolicyStatement], str]:
    """The statements (Sids ``<prefix>Describe``, ``<prefix>CreateInterfaces``,
    ``<prefix>ManageInterfaces``) and the wildcard ARN of this VPC's interfaces, to acknowledge."""
    ec2_arn = _ec2_arn(scope)
    return _interface_statements(
        ec2_arn,
        sid_prefix=sid_prefix,
        describe=ENI_DESCRIBE,
        manage=ENI_MANAGE,
        subnet_ids=subnet_ids,
        security_group_ids=security_group_ids,
        create_on_interfaces=False,
        manage_conditions={"ArnEquals": {"ec2:Vpc": f"{ec2_arn}:vpc/{vpc_id}"}},
    )


def _ec2_arn(scope: IConstruct) -> str:
    stack = Stack.of(scope)
    return f"arn:{Aws.PARTITION}:ec2:{stack.region}:{stack.account}"


def _interface_statements(
    ec2_arn: str,
    *,
    sid_prefix: str,
    describe: tuple[str, ...],
    manage: tuple[str, ...],
    subnet_ids: list[str],
    security_group_ids: list[str],
    create_on_interfaces: bool,
    manage_conditions: dict[str, Any] | None,
) -> tuple[list[iam.PolicyStatement], str]:
    interfaces = f"{ec2_arn}:network-interface/*"
    statements = [
        iam.PolicyStatement(sid=f"{sid_prefix}Describe", actions=list(describe), resources=["*"]),
        iam.PolicyStatement(
            sid=f"{sid_prefix}CreateInterfaces",
            actions=["ec2:CreateNetworkInterface"],
            resources=[
                *([interfaces] if create_on_interfaces else []),
                *(f"{ec2_arn}:subnet/{s}" for s in subnet_ids),
                *(f"{ec2_arn}:security-group/{g}" for g in security_group_ids),
            ],
        ),
        iam.PolicyStatement(
            sid=f"{sid_prefix}ManageInterfaces",
            actions=list(manage),
            resources=[interfaces],
            conditions=manage_conditions,
        ),
    ]
    return statements, interfaces


#: What Lambda calls with a function's role to attach it to a VPC (AWS Lambda Developer Guide,
#: "Giving Lambda functions access to resources in an Amazon VPC"; the managed policy
#: AWSLambdaVPCAccessExecutionRole). Describe calls work only on "*".
LAMBDA_ENI_DESCRIBE = ("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets")
LAMBDA_ENI_MANAGE = ("ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses")


def lambda_vpc_access_statements(
    scope: IConstruct, *, subnet_ids: list[str], security_group_ids: list[str], sid_prefix: str = "AttachToVpc"
) -> tuple[list[iam.PolicyStatement], str]:
    """A Lambda function's network-interface statements (Sids ``<prefix>Describe``,
    ``<prefix>CreateInterfaces``, ``<prefix>ManageInterfaces``) and the wildcard ARN of the account's
    interfaces in this region, to acknowledge.

    Lambda checks the role when the function is created or its VPC settings change, on the ARN
    ``network-interface/*`` with no ``ec2:Vpc`` or ``ec2:Subnet`` in the request context, and AWS's
    guide asks for all interface ids of the account for ``DeleteNetworkInterface``: so these
    statements are scoped by resource (the network's subnets and security groups, this account's and
    region's interfaces), not by condition keys that the check would not match.
    """
    return _interface_statements(
        _ec2_arn(scope),
        sid_prefix=sid_prefix,
        describe=LAMBDA_ENI_DESCRIBE,
        manage=LAMBDA_ENI_MANAGE,
        subnet_ids=subnet_ids,
        security_group_ids=security_group_ids,
        create_on_interfaces=True,
        manage_conditions=None,
    )
