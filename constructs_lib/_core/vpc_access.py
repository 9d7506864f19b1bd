"""What a SageMaker job (or Lambda) role needs to run in the platform VPC, and nothing wider: the one
place that grants network-interface (ENI) permissions.

EC2's Describe calls accept only ``*``; creating an interface is limited to the network's subnets and
security groups; managing interfaces (ids generated per job) is limited to interfaces in this VPC by
the ``ec2:Vpc`` condition. One place builds these statements for every role that runs in the VPC.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from constructs_lib._core.roles import ManagedPolicyRole, add_statements, kept_statement, permissions_policy
from constructs_lib._core.stack_facts import read_once, stack_facts
from constructs_lib._core.wildcards import acknowledge_statement_resources

#: Template metadata (on an existing VPC's workload security group) mapping the literal ids of the
#: VPC's imported subnets to its id: what the run-time contract check reads to learn the ``ec2:Vpc``
#: of interfaces in subnets that no template defines.
SUBNET_VPCS_METADATA = "constructs-lib:subnet-vpcs"

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


def subnet_ids(subnets: Iterable[ec2.ISubnet]) -> list[str]:
    """The ids of ``subnets``, each read from Node once (asked of every role, job and function in the
    network; an id, a token or a literal, never changes)."""
    return [read_once(subnet, "subnet_id") for subnet in subnets]


def security_group_ids(groups: Iterable[ec2.ISecurityGroup]) -> list[str]:
    """The ids of ``groups``, each read from Node once."""
    return [read_once(group, "security_group_id") for group in groups]


def vpc_access_statements(
    scope: IConstruct,
    *,
    vpc_id: str,
    subnet_ids: Sequence[str],
    security_group_ids: Sequence[str],
    sid_prefix: str = "VpcAccess",
    principal: iam.IPrincipal | None = None,
) -> tuple[list[iam.PolicyStatement], str]:
    """The statements (Sids ``<prefix>Describe``, ``<prefix>CreateInterfaces``,
    ``<prefix>ManageInterfaces``) and the wildcard ARN of this VPC's interfaces, to acknowledge.
    Made once per stack for a ``principal`` that keeps its statements (``_interface_statements``)."""
    ec2_arn = _ec2_arn(scope)
    return _interface_statements(
        principal,
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
    stack = stack_facts(scope)
    return f"arn:{stack.partition}:ec2:{stack.region}:{stack.account}"


def _interface_statements(
    principal: iam.IPrincipal | None,
    ec2_arn: str,
    *,
    sid_prefix: str,
    describe: tuple[str, ...],
    manage: tuple[str, ...],
    subnet_ids: Sequence[str],
    security_group_ids: Sequence[str],
    create_on_interfaces: bool,
    manage_conditions: dict[str, Any] | None,
) -> tuple[list[iam.PolicyStatement], str]:
    """The three statements, each shared by the roles of the stack that keep their statements
    (``kept_statement``): made once for the models and monitors of one network."""
    interfaces = f"{ec2_arn}:network-interface/*"
    return [
        kept_statement(principal, sid=f"{sid_prefix}Describe", actions=list(describe), resources=["*"]),
        kept_statement(
            principal,
            sid=f"{sid_prefix}CreateInterfaces",
            actions=["ec2:CreateNetworkInterface"],
            resources=[
                *([interfaces] if create_on_interfaces else []),
                *(f"{ec2_arn}:subnet/{s}" for s in subnet_ids),
                *(f"{ec2_arn}:security-group/{g}" for g in security_group_ids),
            ],
        ),
        kept_statement(
            principal,
            sid=f"{sid_prefix}ManageInterfaces",
            actions=list(manage),
            resources=[interfaces],
            conditions=manage_conditions,
        ),
    ], interfaces


#: What Lambda calls with a function's role to attach it to a VPC (AWS Lambda Developer Guide,
#: "Giving Lambda functions access to resources in an Amazon VPC"; the managed policy
#: AWSLambdaVPCAccessExecutionRole). Describe calls work only on "*".
LAMBDA_ENI_DESCRIBE = ("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets")
LAMBDA_ENI_MANAGE = ("ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses")


def lambda_vpc_access_statements(
    scope: IConstruct,
    *,
    subnet_ids: Sequence[str],
    security_group_ids: Sequence[str],
    sid_prefix: str = "AttachToVpc",
    principal: iam.IPrincipal | None = None,
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
        principal,
        _ec2_arn(scope),
        sid_prefix=sid_prefix,
        describe=LAMBDA_ENI_DESCRIBE,
        manage=LAMBDA_ENI_MANAGE,
        subnet_ids=subnet_ids,
        security_group_ids=security_group_ids,
        create_on_interfaces=True,
        manage_conditions=None,
    )


def select_subnets(vpc: ec2.IVpc, selection: ec2.SubnetSelection) -> list[ec2.ISubnet]:
    """The subnets of ``vpc`` that ``selection`` selects (``IVpc.select_subnets`` takes its fields)."""
    return vpc.select_subnets(
        availability_zones=selection.availability_zones,
        one_per_az=selection.one_per_az,
        subnet_filters=selection.subnet_filters,
        subnet_group_name=selection.subnet_group_name,
        subnets=selection.subnets,
        subnet_type=selection.subnet_type,
    ).subnets


class VpcPlacement(Protocol):
    """Where a function's or job's network interfaces go (the public ``INetwork`` is one)."""

    @property
    def vpc(self) -> ec2.IVpc: ...

    @property
    def vpc_subnets(self) -> ec2.SubnetSelection: ...

    @property
    def subnets(self) -> list[ec2.ISubnet]: ...

    @property
    def security_groups(self) -> list[ec2.ISecurityGroup]: ...


def grant_lambda_vpc_access(role: ManagedPolicyRole, placement: VpcPlacement) -> None:
    """Let Lambda attach functions running as ``role`` to ``placement``'s subnets and security groups
    (``lambda_vpc_access_statements``), each wildcard resource acknowledged with its reason. Once per
    role and network: functions sharing a role share its grant."""
    granted: set[int] = vars(role).setdefault("_constructs_lib_vpc_access", set())
    if id(placement) in granted:
        return
    granted.add(id(placement))
    statements, _ = lambda_vpc_access_statements(
        role,
        subnet_ids=subnet_ids(placement.subnets),
        security_group_ids=security_group_ids(placement.security_groups),
        principal=role,
    )
    describe, create, manage = statements
    add_statements(role, statements)  # kept with the role's others, in order
    acknowledge_statement_resources(
        permissions_policy(role),
        "ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets accept only '*' (IAM reference: no "
        "resource type); Lambda calls them to attach the function to its subnets.",
        describe,
    )
    interfaces_reason = (
        "Lambda creates, deletes and re-addresses the function's network interfaces, whose ids are "
        "generated; creation is limited to the network's subnets and security group. Lambda's own "
        "permission check names no VPC or subnet, so this account's and region's interfaces it is."
    )
    acknowledge_statement_resources(permissions_policy(role), interfaces_reason, create)
    acknowledge_statement_resources(permissions_policy(role), interfaces_reason, manage)
