"""``StudioTeardown``: the custom resource that empties a Studio domain before CloudFormation deletes it.

The Lambda handler is ``handler.py`` beside this file (see its docstring for what it deletes).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import jsii
from aws_cdk import Aws, CustomResource, Duration, IStableListProducer, Lazy, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct

from constructs_lib._internal.wildcards import acknowledge_wildcard_resources
from constructs_lib._internal.log_retention import retention_days
from constructs_lib._internal.nag import acknowledge
from constructs_lib._internal.roles import ManagedPolicyRole
from constructs_lib._internal.service_role import service_principal

HANDLER_DIR = Path(__file__).parent
#: The handler needs at most this long (it waits for SageMaker); CloudFormation is told to give up
#: a little later than Lambda would.
HANDLER_TIMEOUT = Duration.minutes(15)


@jsii.implements(IStableListProducer)
class _Names:
    def __init__(self, names: list[str]) -> None:
        self._names = names

    def produce(self) -> list[str]:
        return sorted(self._names)


class StudioTeardown(Construct):
    """Defines a custom resource that, when deleted, deletes the apps and user-created spaces and
    profiles of a Studio domain and waits for them, so that CloudFormation can then delete the
    stack's profiles, spaces and domain.

    It depends on the domain and on every profile and space registered with ``protect``, so
    CloudFormation deletes it first. Its function runs in the VPC: the subnets need a route to the
    SageMaker API (the ``sagemaker.api`` interface endpoint) and to S3 (to answer CloudFormation).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain_id: str,
        vpc: ec2.IVpc,
        subnets: Sequence[ec2.ISubnet],
        security_group: ec2.ISecurityGroup,
        encryption_key: kms.IKey,
        log_key: kms.IKey | None = None,
        delete_home_efs: bool = False,
        log_retention_days: int = 365,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param domain_id: the domain to tear down.
        :param vpc: the VPC the function runs in.
        :param subnets: the private subnets of the function.
        :param security_group: the function's security group (HTTPS out to the VPC endpoints).
        :param encryption_key: key of the function's dead-letter queue (and log group).
        :param log_key: default ``encryption_key``; key of the function's log group.
        :param delete_home_efs: default False (SageMaker keeps the home EFS volume); True deletes
            the domain itself with its home EFS volume, after every profile and space.
        :param log_retention_days: default 365; retention of the function's log group.
        :param removal_policy: default RETAIN; what happens to the log group with the stack.
        """
        super().__init__(scope, construct_id)
        self._profiles: list[str] = []
        self._spaces: list[str] = []
        stack = Stack.of(self)
        sagemaker_arn = f"arn:{Aws.PARTITION}:sagemaker:{stack.region}:{stack.account}"

        self.log_group = logs.LogGroup(self, "LogGroup", retention=retention_days(log_retention_days),
                                       encryption_key=log_key or encryption_key, removal_policy=removal_policy)
        self.dead_letter_queue = sqs.Queue(
            self, "DeadLetterQueue", encryption=sqs.QueueEncryption.KMS, encryption_master_key=encryption_key,
            enforce_ssl=True, retention_period=Duration.days(14),
        )
        acknowledge(
            self.dead_letter_queue,
            "This queue is the teardown function's dead-letter queue: it is the end of the line, and "
            "its messages are kept 14 days for investigation.",
            "AwsSolutions-SQS3",
        )
        self.role = ManagedPolicyRole(
            self, "Role", assumed_by=service_principal(self, "lambda.amazonaws.com"),
            description=f"Tears down Studio domain apps and spaces ({self.node.path})",
        )
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=lambda_.Runtime.PYTHON_3_14,
            architecture=lambda_.Architecture.ARM_64,
            handler="handler.lambda_handler",
            code=lambda_.Code.from_asset(str(HANDLER_DIR), exclude=["__init__.py", "__pycache__", "*.pyc"]),
            timeout=HANDLER_TIMEOUT,
            memory_size=256,
            role=self.role,
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnets=list(subnets)),
            security_groups=[security_group],
            reserved_concurrent_executions=1,
            dead_letter_queue=self.dead_letter_queue,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            description="Deletes a Studio domain's apps and spaces before CloudFormation deletes the domain",
        )
        self._grant(stack, sagemaker_arn, domain_id, subnets, security_group, encryption_key, delete_home_efs)
        # Lambda checks at creation that the role may create the function's network interfaces.
        self.function.node.add_dependency(self.role.managed_policy)

        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.function.function_arn,
            resource_type="Custom::StudioTeardown",
            service_timeout=HANDLER_TIMEOUT.plus(Duration.minutes(5)),
            properties={
                "DomainId": domain_id,
                "HomeEfs": "Delete" if delete_home_efs else "Retain",
                "StackUserProfiles": Lazy.list(_Names(self._profiles)),
                "StackSpaces": Lazy.list(_Names(self._spaces)),
            },
        )

    def protect(self, resource: IConstruct, *, user_profile_name: str | None = None,
                space_name: str | None = None) -> None:
        """Delete the custom resource before ``resource`` (a user profile or space of the stack),
        and leave that profile or space for CloudFormation to delete."""
        self.resource.node.add_dependency(resource)
        if user_profile_name is not None:
            self._profiles.append(user_profile_name)
        if space_name is not None:
            self._spaces.append(space_name)

    def _grant(
        self,
        stack: Stack,
        sagemaker_arn: str,
        domain_id: str,
        subnets: Sequence[ec2.ISubnet],
        security_group: ec2.ISecurityGroup,
        key: kms.IKey,
        delete_home_efs: bool,
    ) -> None:
        policy = self.role.managed_policy

        def allow(actions: list[str], resources: list[str], why: str | None = None) -> None:
            statement = iam.PolicyStatement(actions=actions, resources=resources)
            self.role.add_to_principal_policy(statement)
            if why:
                acknowledge_wildcard_resources(policy, statement, why)

        allow(["sagemaker:DescribeDomain"] + (["sagemaker:DeleteDomain"] if delete_home_efs else []),
              [f"{sagemaker_arn}:domain/{domain_id}"])
        allow(["sagemaker:ListApps", "sagemaker:ListSpaces", "sagemaker:ListUserProfiles",
               "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"], ["*"],
              "SageMaker List* and ec2:Describe* support no resource-level permissions.")
        allow(["sagemaker:DeleteApp", "sagemaker:DeleteSpace", "sagemaker:DeleteUserProfile"],
              [f"{sagemaker_arn}:{kind}/{domain_id}/*" for kind in ("app", "space", "user-profile")],
              "Apps, spaces and profiles are created by users in Studio; only this domain's are covered.")
        ec2_arn = f"arn:{Aws.PARTITION}:ec2:{stack.region}:{stack.account}"
        allow(["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
               "ec2:UnassignPrivateIpAddresses"], [f"{ec2_arn}:network-interface/*"],
              "Lambda creates the function's VPC network interfaces; their ids are only known at run time.")
        allow(["ec2:CreateNetworkInterface"],
              [f"{ec2_arn}:subnet/{s.subnet_id}" for s in subnets]
              + [f"{ec2_arn}:security-group/{security_group.security_group_id}"])
        allow(["logs:CreateLogStream", "logs:PutLogEvents"], [f"{self.log_group.log_group_arn}"],
              "Log streams of the function's own log group are named per execution environment.")
        # Lambda sends failed events to the KMS-encrypted dead-letter queue as the function's role
        # (Function grants sqs:SendMessage only).
        allow(["kms:GenerateDataKey", "kms:Decrypt"], [key.key_arn])
