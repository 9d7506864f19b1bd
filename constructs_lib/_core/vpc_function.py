"""``VpcFunction``: the library's one VPC Lambda construct, compliant by construction.

In the network (its subnets and security groups; interfaces granted by ``grant_lambda_vpc_access``),
reserved concurrency, a dead-letter queue for asynchronous invocations, environment variables and logs encrypted with a customer-managed key, a log
group with retention, the latest Python runtime and a least-privilege role (customer-managed policy).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from constructs_lib._core.keys import grant_key_use
from constructs_lib._core.log_retention import retention_days
from constructs_lib._core.service_role import service_role
from constructs_lib._core.vpc_access import VpcPlacement, grant_lambda_vpc_access

#: The newest Python runtime of this aws-cdk-lib (cdk-nag's AwsSolutions-L1 asks for the latest).
PYTHON_RUNTIME = lambda_.Runtime.PYTHON_3_14
DEFAULT_TIMEOUT = Duration.minutes(1)


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
        timeout: Duration = DEFAULT_TIMEOUT,
        reserved_concurrent_executions: int = 1,
        log_retention_days: int = 365,
        memory_size: int = 256,
        log_key: kms.IKey | None = None,
    ) -> None:
        """``log_key``: default ``encryption_key``; the log group's key (a logs key, whose policy lets
        CloudWatch Logs encrypt)."""
        super().__init__(scope, construct_id)
        self.role = service_role(self, "Role", service="lambda.amazonaws.com", description=description)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=retention_days(log_retention_days),
            encryption_key=log_key or encryption_key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.function = lambda_.Function(
            self,
            "Resource",
            runtime=PYTHON_RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            code=lambda_.Code.from_asset(str(code_directory), exclude=["__pycache__", "*.pyc"]),
            handler=handler,
            description=description,
            role=self.role,
            timeout=timeout,
            memory_size=memory_size,
            environment=dict(environment or {}),
            environment_encryption=encryption_key,
            log_group=self.log_group,
            reserved_concurrent_executions=reserved_concurrent_executions,
            dead_letter_queue=dead_letter_queue,
            vpc=network.vpc,
            vpc_subnets=network.vpc_subnets,
            security_groups=network.security_groups,
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="WriteOwnLogs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        grant_lambda_vpc_access(self.role, network)
        grant_key_use(encryption_key, self.role, encrypt=False)
        if dead_letter_queue.encryption_master_key is not None:  # Lambda sends failed events with this role
            grant_key_use(dead_letter_queue.encryption_master_key, self.role, encrypt=True)
        # The function must not be created before its role can attach it to the VPC and write logs.
        self.function.node.add_dependency(self.role.managed_policy)

    @property
    def function_arn(self) -> str:
        return self.function.function_arn
