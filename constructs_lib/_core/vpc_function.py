"""``VpcFunction``: the library's one VPC Lambda construct, compliant by construction
(``attached_function`` builds its function, and those of constructs whose functions share a role).

In the network (its subnets and security groups; interfaces granted by ``grant_lambda_vpc_access``),
reserved concurrency, a dead-letter queue for asynchronous invocations, environment variables and
logs encrypted with a customer-managed key, a log group with retention, the latest Python runtime
and a least-privilege role (customer-managed policy).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from constructs_lib._core import durations
from constructs_lib._core.grants import grant_key_use
from constructs_lib._core.jsii_types import as_role
from constructs_lib._core.log_retention import retention_days
from constructs_lib._core.roles import ManagedPolicyRole, permissions_policy
from constructs_lib._core.service_role import service_role
from constructs_lib._core.vpc_access import VpcPlacement, grant_lambda_vpc_access


# Built on first use and kept, not at import: each jsii object costs a round trip to Node.
@functools.cache
def python_runtime() -> lambda_.Runtime:
    """The newest Python runtime of this aws-cdk-lib (cdk-nag's AwsSolutions-L1 asks for the latest)."""
    return lambda_.Runtime.PYTHON_3_14


def default_timeout() -> Duration:
    """The functions' timeout unless given: one minute."""
    return durations.minutes(1)


class VpcFunction(Construct):
    """A Python Lambda function from a handler directory next to the construct that deploys it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code_directory: Path,
        description: str,
        network: VpcPlacement,
        encryption_key: kms.IKey,
        dead_letter_queue: sqs.IQueue,
        environment: Mapping[str, str] | None = None,
        handler: str = "handler.handler",
        timeout: Duration | None = None,
        reserved_concurrent_executions: int = 1,
        log_retention_days: int = 365,
        memory_size: int = 256,
        log_key: kms.IKey | None = None,
    ) -> None:
        """``timeout``: default 1 minute. ``log_key``: default ``encryption_key``; the log group's key
        (a logs key, whose policy lets CloudWatch Logs encrypt)."""
        super().__init__(scope, construct_id)
        self.role = service_role(self, "Role", service="lambda.amazonaws.com", description=description)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=retention_days(log_retention_days),
            encryption_key=log_key or encryption_key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="WriteOwnLogs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        self.function = attached_function(
            self,
            "Resource",
            code_directory=code_directory,
            handler=handler,
            description=description,
            network=network,
            role=self.role,
            log_group=self.log_group,
            encryption_key=encryption_key,
            dead_letter_queue=dead_letter_queue,
            environment=environment,
            timeout=timeout or default_timeout(),
            memory_size=memory_size,
            reserved_concurrent_executions=reserved_concurrent_executions,
        )
        grant_key_use(encryption_key, self.role, encrypt=False)
        if dead_letter_queue.encryption_master_key is not None:  # Lambda sends failed events with this role
            grant_key_use(dead_letter_queue.encryption_master_key, self.role, encrypt=True)

    @property
    def function_arn(self) -> str:
        return self.function.function_arn


def attached_function(
    scope: Construct,
    construct_id: str,
    *,
    code_directory: Path,
    handler: str,
    description: str,
    network: VpcPlacement,
    role: ManagedPolicyRole,
    log_group: logs.ILogGroup,
    encryption_key: kms.IKey,
    dead_letter_queue: sqs.IQueue,
    environment: Mapping[str, str] | None = None,
    timeout: Duration | None = None,
    memory_size: int = 256,
    reserved_concurrent_executions: int = 1,
    exclude: Sequence[str] = ("__pycache__", "*.pyc"),
    logging_format: lambda_.LoggingFormat | None = None,
) -> lambda_.Function:
    """The one way the library builds a Lambda function in a VPC: the latest Python on ARM, in the
    network's subnets and security groups, with reserved concurrency, a dead-letter queue, an
    encrypted environment and a log group; ``role`` gets the network-interface permissions
    (``grant_lambda_vpc_access``) before the function is created (Lambda checks them then).
    ``VpcFunction`` adds its own role and log group; constructs whose functions share a role use this."""
    function = lambda_.Function(
        scope,
        construct_id,
        runtime=python_runtime(),
        architecture=lambda_.Architecture.ARM_64,
        code=lambda_.Code.from_asset(str(code_directory), exclude=list(exclude)),
        handler=handler,
        description=description,
        role=as_role(role),
        timeout=timeout or default_timeout(),
        memory_size=memory_size,
        environment=dict(environment or {}),
        environment_encryption=encryption_key,
        log_group=log_group,
        logging_format=logging_format,
        reserved_concurrent_executions=reserved_concurrent_executions,
        dead_letter_queue=dead_letter_queue,
        vpc=network.vpc,
        vpc_subnets=network.vpc_subnets,
        security_groups=network.security_groups,
    )
    grant_lambda_vpc_access(role, network)
    # The function must not be created before its role can attach it to the VPC (and write logs).
    function.node.add_dependency(permissions_policy(role))
    return function
