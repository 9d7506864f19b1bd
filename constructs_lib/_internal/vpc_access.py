"""What a SageMaker job (or Lambda) role needs to run in the platform VPC, and nothing wider.

EC2's Describe calls accept only ``*``; creating an interface is limited to the network's subnets and
security groups; managing interfaces (ids generated per job) is limited to interfaces in this VPC by
the ``ec2:Vpc`` condition. One place builds these statements for every role that runs in the VPC.
"""

from __future__ import annotations

from aws_cdk import Aws, Stack
from aws_cdk import aws_iam as iam
from constructs import IConstruct

ENI_DESCRIBE = (
    "ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets", "ec2:DescribeVpcs",
)
ENI_MANAGE = (
    "ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
)


def vpc_access_statements(scope: IConstruct, *, vpc_id: str, subnet_ids: list[str], security_group_ids: list[str],
                          sid_prefix: str = "VpcAccess") -> tuple[list[iam.PolicyStatement], str]:
    """The statements (Sids ``<prefix>Describe``, ``<prefix>CreateInterfaces``,
    ``<prefix>ManageInterfaces``) and the wildcard ARN of this VPC's interfaces, to acknowledge."""
    stack = Stack.of(scope)
    ec2_arn = f"arn:{Aws.PARTITION}:ec2:{stack.region}:{stack.account}"
    interfaces = f"{ec2_arn}:network-interface/*"
    statements = [
        iam.PolicyStatement(sid=f"{sid_prefix}Describe", actions=list(ENI_DESCRIBE), resources=["*"]),
        iam.PolicyStatement(
            sid=f"{sid_prefix}CreateInterfaces", actions=["ec2:CreateNetworkInterface"],
            resources=[*(f"{ec2_arn}:subnet/{s}" for s in subnet_ids),
                       *(f"{ec2_arn}:security-group/{g}" for g in security_group_ids)],
        ),
        iam.PolicyStatement(
            sid=f"{sid_prefix}ManageInterfaces", actions=list(ENI_MANAGE), resources=[interfaces],
            conditions={"ArnEquals": {"ec2:Vpc": f"{ec2_arn}:vpc/{vpc_id}"}},
        ),
    ]
    return statements, interfaces
