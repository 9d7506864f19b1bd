"""``StudioTeardown``: the custom resource that empties a Studio domain before CloudFormation deletes it.

The handlers are in ``handler.py`` beside this file (its docstring says when the teardown acts and
what it deletes). The resource runs on the CDK Provider framework: ``on_event`` decides and starts,
``is_complete`` is polled until the domain is empty, so a teardown may last longer than one Lambda
invocation.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import jsii
from aws_cdk import (
    Aws,
    CfnDeletionPolicy,
    CfnResource,
    CustomResource,
    Duration,
    IStableListProducer,
    IStableStringProducer,
    Lazy,
    RemovalPolicy,
    Stack,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from constructs_lib._core import durations
from constructs_lib._core.grants import KMS_ENCRYPT
from constructs_lib._core.jsii_types import as_function, as_role
from constructs_lib._core.log_retention import retention_days
from constructs_lib._core.nag import acknowledge
from constructs_lib._core.roles import ManagedPolicyRole, add_statements, permissions_policy
from constructs_lib._core.service_role import pin_role_trust, service_principal
from constructs_lib._core.stack_facts import aws_partition, construct_path, read_once, stack_of
from constructs_lib._core.vpc_function import attached_function
from constructs_lib._core.wildcards import (
    acknowledge_action_wildcards,
    acknowledge_exact_wildcard,
    acknowledge_statement_resources,
)
from constructs_lib.foundation.network import INetwork

HANDLER_DIR = Path(__file__).parent / "studio_teardown_handler"


def _handler_timeout() -> Duration:
    """Each handler invocation does one round of calls; the Provider framework polls ``is_complete``."""
    return durations.minutes(5)


def _query_interval() -> Duration:
    """Time between polls of ``is_complete``."""
    return durations.seconds(30)


def _total_timeout() -> Duration:
    """The whole teardown must finish within this (CloudFormation waits at most an hour for a custom
    resource); deleting the stack again resumes where it stopped."""
    return durations.minutes(55)


#: Interface endpoints the handlers need in subnets without a route to the internet.
TEARDOWN_INTERFACE_ENDPOINTS: tuple[str, ...] = ("sagemaker.api", "cloudformation")
#: The Provider framework's functions, by construct id under the ``Provider``.
_FRAMEWORK_FUNCTIONS = ("framework-onEvent", "framework-isComplete", "framework-onTimeout")


@jsii.implements(IStableListProducer)
class _Names:
    def __init__(self, names: list[str]) -> None:
        self._names = names

    def produce(self) -> list[str]:
        return sorted(self._names)


@jsii.implements(IStableStringProducer)
class _Policy:
    """The domain's DeletionPolicy or UpdateReplacePolicy as set when the app is synthesized."""

    def __init__(self, resource: CfnResource, attribute: str) -> None:
        self._resource = resource
        self._attribute = attribute

    def produce(self) -> str:
        policy = getattr(self._resource.cfn_options, self._attribute)
        return {
            CfnDeletionPolicy.RETAIN: "Retain",
            CfnDeletionPolicy.RETAIN_EXCEPT_ON_CREATE: "RetainExceptOnCreate",
            CfnDeletionPolicy.SNAPSHOT: "Snapshot",
        }.get(policy, "Delete")


class StudioTeardown(Construct):
    """Defines a custom resource that, when its domain is deleted with the stack, deletes the
    domain's apps and the user profiles created in Studio, so that CloudFormation can then delete
    the stack's profiles, spaces and domain. Spaces users created in Studio are deleted only with
    ``delete_user_spaces``; otherwise the teardown stops and says which spaces are left.

    Any other ``Delete`` (the construct removed or renamed, a rolled-back update, a replacement)
    touches nothing. It depends on the domain and on every profile and space registered with
    ``protect``, so CloudFormation deletes it first. Its handlers run in the VPC: the subnets need
    a route to the SageMaker API and CloudFormation (``TEARDOWN_INTERFACE_ENDPOINTS``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain: sagemaker.CfnDomain,
        network: INetwork,
        encryption_key: kms.IKey,
        log_key: kms.IKey | None = None,
        delete_home_efs: bool = False,
        delete_user_spaces: bool = False,
        teardown_replaced_domain: bool = False,
        log_retention_days: int = 365,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param domain: the domain to tear down.
        :param network: where the handlers run (its subnets and security groups, HTTPS out to the
            VPC endpoints); without an internet route it needs ``TEARDOWN_INTERFACE_ENDPOINTS``.
        :param encryption_key: key of the log group, the dead-letter queue and the functions' environment.
        :param log_key: default ``encryption_key``; key of the log group.
        :param delete_home_efs: default False (SageMaker keeps the home EFS volume); True deletes
            the domain itself with its home EFS volume, after every profile and space.
        :param delete_user_spaces: default False: spaces users created in Studio (and their EBS
            volumes) are kept and stop the teardown; True deletes them.
        :param teardown_replaced_domain: default False: a domain replaced by an update is left
            alone; True tears it down too (its users lose their apps, and with ``delete_user_spaces``
            their spaces).
        :param log_retention_days: default 365; retention of the handlers' log group.
        :param removal_policy: default RETAIN; what happens to the log group with the stack.
        """
        super().__init__(scope, construct_id)
        network.require_endpoints(
            self,
            TEARDOWN_INTERFACE_ENDPOINTS,
            purpose="the teardown's handlers call the SageMaker API and CloudFormation",
        )
        self._profiles: list[str] = []
        self._spaces: list[str] = []
        stack = stack_of(self)
        domain_id = domain.attr_domain_id

        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            retention=retention_days(log_retention_days),
            encryption_key=log_key or encryption_key,
            removal_policy=removal_policy,
        )
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=encryption_key,
            enforce_ssl=True,
            retention_period=durations.days(14),
        )
        acknowledge(
            self.dead_letter_queue,
            "This queue is the teardown functions' dead-letter queue: it is the end of the line, and "
            "its messages are kept 14 days for investigation.",
            "AwsSolutions-SQS3",
        )
        #: Paths of the handler roles already given the runtime grants (two handlers share ``self.role``).
        self._runtime_granted: set[str] = set()
        self.role = ManagedPolicyRole(
            self,
            "Role",
            assumed_by=service_principal(self, "lambda.amazonaws.com"),
            description=f"Tears down Studio domain apps and spaces ({construct_path(self)})",
        )

        def handler_function(
            construct_id: str, handler: str, description: str, role: ManagedPolicyRole
        ) -> lambda_.Function:
            function = attached_function(
                self,
                construct_id,
                code_directory=HANDLER_DIR,
                handler=handler,
                description=description,
                network=network,
                role=role,
                log_group=self.log_group,
                encryption_key=encryption_key,
                dead_letter_queue=self.dead_letter_queue,
                timeout=_handler_timeout(),
                exclude=("__init__.py", "__pycache__", "*.pyc"),
                logging_format=lambda_.LoggingFormat.JSON,
            )
            self._grant_runtime(role, encryption_key)
            return function

        self.function = handler_function(
            "OnEventFunction",
            "handler.on_event",
            "Decides whether a Studio domain is going away and starts its teardown",
            self.role,
        )
        self.is_complete_function = handler_function(
            "IsCompleteFunction", "handler.is_complete", "Polls and continues a Studio domain's teardown", self.role
        )
        self._grant_teardown(stack, domain_id, delete_home_efs)
        # "Function" keeps the logical id of the function that the resource of versions before the
        # Provider framework calls directly. Upgrading replaces that resource, and its Delete must reach
        # code that leaves the domain alone; it is separate from the handlers so that a rolled-back
        # upgrade (which restores its old code) never handles the new resource.
        self.retire_function = handler_function(
            "Function",
            "handler.retire",
            "Retires the Studio teardown resource of older versions without touching the domain",
            ManagedPolicyRole(
                self,
                "RetireRole",
                assumed_by=service_principal(self, "lambda.amazonaws.com"),
                description=f"Retires the Studio teardown resource of older versions ({construct_path(self)})",
            ),
        )

        self.provider = self._provider(encryption_key)
        self.resource = CustomResource(
            self,
            # Not "Resource": CloudFormation cannot change a custom resource's service token, so the
            # resource of older versions (whose token was "Function") is replaced by this one.
            "Guard",
            service_token=self.provider.service_token,
            resource_type="Custom::StudioTeardown",
            service_timeout=_total_timeout().plus(durations.minutes(5)),
            properties={
                "DomainId": domain_id,
                "DomainLogicalId": stack.get_logical_id(domain),
                # A domain CloudFormation retains is not going away: the teardown leaves it alone.
                "DomainDeletionPolicy": Lazy.string(_Policy(domain, "deletion_policy")),
                "DomainUpdateReplacePolicy": Lazy.string(_Policy(domain, "update_replace_policy")),
                "StackId": Aws.STACK_ID,
                "HomeEfs": "Delete" if delete_home_efs else "Retain",
                "UserSpaces": "Delete" if delete_user_spaces else "Retain",
                "ReplacedDomain": "TearDown" if teardown_replaced_domain else "Keep",
                "StackUserProfiles": Lazy.list(_Names(self._profiles)),
                "StackSpaces": Lazy.list(_Names(self._spaces)),
            },
        )
        self.resource.node.add_dependency(domain)

    def protect(
        self, resource: IConstruct, *, user_profile_name: str | None = None, space_name: str | None = None
    ) -> None:
        """Delete the custom resource before ``resource`` (a user profile or space of the stack),
        and leave that profile or space for CloudFormation to delete."""
        self.resource.node.add_dependency(resource)
        if user_profile_name is not None:
            self._profiles.append(user_profile_name)
        if space_name is not None:
            self._spaces.append(space_name)

    def _provider(self, key: kms.IKey) -> cr.Provider:
        """The Provider framework, compliant: its functions get reserved concurrency, the dead-letter
        queue and the log group; its waiter state machine logs every event."""
        roles = [
            ManagedPolicyRole(
                self,
                f"Framework{name}Role",
                assumed_by=service_principal(self, "lambda.amazonaws.com"),
                description=f"Provider framework of {construct_path(self)} ({name})",
            )
            for name in ("OnEvent", "IsComplete")
        ]
        provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=as_function(self.function),
            is_complete_handler=as_function(self.is_complete_function),
            query_interval=_query_interval(),
            total_timeout=_total_timeout(),
            log_group=self.log_group,
            framework_on_event_role=as_role(roles[0]),
            framework_complete_and_timeout_role=as_role(roles[1]),
            provider_function_env_encryption=key,
            waiter_state_machine_log_options=cr.LogOptions(
                destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=True
            ),
            disable_waiter_state_machine_logging=False,
        )
        # The waiter state machine's role is aws-cdk-lib's own: pinned to this account after the fact.
        provider_node = provider.node
        waiter = provider_node.find_child("waiter-state-machine")
        waiter_role = waiter.node.find_child("Role")
        pin_role_trust(as_role(waiter_role))
        log_group_arn = read_once(self.log_group, "log_group_arn")
        queue_arn = read_once(self.dead_letter_queue, "queue_arn")
        key_arn = read_once(key, "key_arn")
        for role in roles:
            add_statements(
                role,
                [
                    iam.PolicyStatement(
                        actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[log_group_arn]
                    ),
                    iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[queue_arn]),
                    iam.PolicyStatement(actions=list(KMS_ENCRYPT), resources=[key_arn]),
                ],
            )
            acknowledge_action_wildcards(
                permissions_policy(role),
                "The Provider framework invokes the teardown's own functions and their versions (<function ARN>:*): "
                "aws-cdk's grant_invoke covers the versions so.",
                frozenset({"lambda:InvokeFunction"}),
            )
        for name in _FRAMEWORK_FUNCTIONS:
            function = provider_node.find_child(name)
            function_node = function.node
            cfn = cast(lambda_.CfnFunction, function_node.default_child)
            cfn.reserved_concurrent_executions = 1
            cfn.dead_letter_config = lambda_.CfnFunction.DeadLetterConfigProperty(target_arn=queue_arn)
            # The function must not run before its role may log and use the dead-letter queue.
            function_node.add_dependency(permissions_policy(roles[0 if name == "framework-onEvent" else 1]))
            acknowledge(
                function,
                "The Provider framework's function relays requests between CloudFormation (its pre-signed S3 "
                "response URL), Lambda and Step Functions and touches no data; outside the VPC it needs no "
                "Lambda and Step Functions interface endpoints. The handlers that call SageMaker run in the VPC.",
                "HIPAA.Security-LambdaInsideVPC",
                "NIST.800.53.R5-LambdaInsideVPC",
            )
        acknowledge(
            waiter,
            "aws-cdk's Provider framework creates its waiter state machine's role with an inline policy and no "
            "option to give it a role; the policy only invokes the framework's isComplete and onTimeout functions "
            "and delivers the state machine's logs.",
            "HIPAA.Security-IAMNoInlinePolicy",
            "NIST.800.53.R5-IAMNoInlinePolicy",
        )
        waiter_policy = waiter_role.node.find_child("DefaultPolicy")
        for name in _FRAMEWORK_FUNCTIONS[1:]:
            acknowledge_exact_wildcard(
                waiter_policy,
                "aws-cdk's grant_invoke lets the waiter invoke the framework function and its versions (<ARN>:*).",
                f"{as_function(provider_node.find_child(name)).function_arn}:*",
            )
        acknowledge_exact_wildcard(
            waiter_policy,
            "Step Functions log delivery (logs:CreateLogDelivery, DescribeResourcePolicies...) "
            "accepts only '*' as resource; aws-cdk adds it for the waiter's logging.",
            "*",
        )
        acknowledge(
            waiter,
            "The waiter state machine has one task that polls the teardown's isComplete function; every execution "
            "event is logged with its data (level ALL) to the encrypted log group, which X-Ray would only repeat.",
            "AwsSolutions-SF2",
        )
        return provider

    def _grant_teardown(self, stack: Stack, domain_id: str, delete_home_efs: bool) -> None:
        sagemaker_arn = f"arn:{aws_partition()}:sagemaker:{stack.region}:{stack.account}"
        allow = self._allower(self.role)
        # Whether the domain is going away: the stack's status and its domain's physical id.
        allow(["cloudformation:DescribeStacks", "cloudformation:DescribeStackResource"], [Aws.STACK_ID])
        allow(
            ["sagemaker:DescribeDomain"] + (["sagemaker:DeleteDomain"] if delete_home_efs else []),
            [f"{sagemaker_arn}:domain/{domain_id}"],
        )
        allow(
            ["sagemaker:ListApps", "sagemaker:ListSpaces", "sagemaker:ListUserProfiles"],
            ["*"],
            "SageMaker List* support no resource-level permissions.",
        )
        allow(
            ["sagemaker:DeleteApp", "sagemaker:DeleteSpace", "sagemaker:DeleteUserProfile"],
            [f"{sagemaker_arn}:{kind}/{domain_id}/*" for kind in ("app", "space", "user-profile")],
            "Apps, spaces and profiles are created by users in Studio; only this domain's are covered.",
        )

    def _grant_runtime(
        self,
        role: ManagedPolicyRole,
        key: kms.IKey,
    ) -> None:
        """What a handler function's role needs to run besides its VPC interfaces (``attached_function``):
        logs, key and queue."""
        path = construct_path(role)
        if path in self._runtime_granted:
            return
        self._runtime_granted.add(path)
        allow = self._allower(role)
        allow(
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [f"{self.log_group.log_group_arn}"],
            "Log streams of the functions' own log group are named per execution environment.",
        )
        # Lambda sends failed events to the KMS-encrypted dead-letter queue as the function's role
        # (Function grants sqs:SendMessage only), and decrypts the functions' environment.
        allow(list(KMS_ENCRYPT), [key.key_arn])

    @staticmethod
    def _allower(role: ManagedPolicyRole):
        def allow(actions: list[str], resources: list[str], why: str | None = None) -> None:
            statement = iam.PolicyStatement(actions=actions, resources=resources)
            role.add_to_principal_policy(statement)
            if why:
                acknowledge_statement_resources(permissions_policy(role), why, statement)

        return allow
