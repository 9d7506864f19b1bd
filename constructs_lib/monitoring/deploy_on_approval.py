"""``DeployOnApproval``: an approved model package rolls out through CloudFormation, stage by stage.

Mechanism, and why: an EventBridge rule on "SageMaker Model Package State Change" (Approved, in the
group) starts a Step Functions state machine whose steps call one small Lambda function (boto3):

1. validate the event and the package (still Approved, Completed; a duplicate event is ignored);
2. for each target in order (e.g. staging's serving stack, its monitoring stack, then prod's):
   optionally wait for a manual approval
   (an activity task that only a role with the approver policy can take and answer; an SNS message
   tells the approvers), then update the serving stack's
   ``ModelPackageArn`` parameter with ``UpdateStack`` (previous template, every other parameter
   unchanged), poll until the stack is ``UPDATE_COMPLETE``, the endpoint InService and no health
   alarm in ALARM, wait the bake time and check again. Only then does the next target start.

CloudFormation does the rollout, so the live endpoint never drifts from its stack: the inference
stack's own deployment guardrails shift traffic and roll back on alarms, and the stack's
``ServedModelPackage`` record keeps the package through later deploys of any kind. The update runs
with the rollout's own CloudFormation role (models, endpoint configurations, endpoints only) under a
stack policy that denies any other change; targets and registry come from the function's
configuration, and the package is checked against the registry again right before each update.
Step Functions gives the waits, the retry with backoff when a stack is busy (``StackBusy``), a
visible history of every rollout and the wait-for-task-token approval, without a server or a build
project. ``cdk deploy`` from CodeBuild was the alternative: it needs the app's source, a build image
and broad deploy permissions, for a change of one parameter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aws_cdk import ArnFormat, CustomResource, Duration, Names, RemovalPolicy, Stack, Tags
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as event_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from constructs_lib._core import durations
from constructs_lib._core.durations import in_hours, in_minutes, in_seconds
from constructs_lib._core.grants import KMS_CREATE_GRANT, KMS_DESCRIBE, grant_key_use
from constructs_lib._core.jsii_types import as_alarm_action, as_function, as_role, as_rule_target, as_topic
from constructs_lib._core.log_retention import retention_days
from constructs_lib._core.nag import acknowledge
from constructs_lib._core.queues import dead_letter_queue as new_dead_letter_queue
from constructs_lib._core.roles import ManagedPolicyRole, permissions_policy
from constructs_lib._core.s3_access import S3Uri
from constructs_lib._core.service_role import service_principal
from constructs_lib._core.stack_facts import aws_partition, construct_path, stack_facts, stack_of
from constructs_lib._core.validation import (
    SAGEMAKER_NAME_PATTERN,
    ConstructValidationError,
    Problems,
    given,
    invalid,
    is_unresolved,
)
from constructs_lib._core.vpc_function import VpcFunction
from constructs_lib._core.wildcards import acknowledge_action_wildcards, acknowledge_statement_wildcards
from constructs_lib.foundation._keys import allow_publisher, key_or_new
from constructs_lib.foundation._topics import AlertTopicInPlaceOfSnsTopic
from constructs_lib.foundation.network import INetwork
from constructs_lib.inference.endpoint import IEndpoint
from constructs_lib.monitoring.model_monitor import DriftCheckBaseline
from constructs_lib.monitoring.monitoring_alarms import MonitoringAlarms
from constructs_lib.training.model_package_group import IModelPackageGroup

_HANDLER_DIR = Path(__file__).parent / "deploy_on_approval_handler"
_STACK_NAME = re.compile(r"^[A-Za-z][-A-Za-z0-9]{0,127}$")
_PARAMETER = re.compile(r"^[A-Za-z0-9]{1,255}$")
#: Interface endpoints the function calls besides the defaults (CloudFormation, Step Functions),
#: and default ones it also needs (SageMaker API, CloudWatch).
_NEEDED_ENDPOINTS = ("cloudformation", "states", "sagemaker.api", "monitoring")

#: ``ServedModelPackage``'s value when no package is served (the stack's configured image and artifact).
NO_MODEL_PACKAGE = "none"
#: The tag of a ``ServedModelPackage`` function (value: its stack's name); rollouts may invoke only these.
SERVED_MODEL_RECORD_TAG = "constructs-lib:served-model-record"
#: The output of a serving stack that says which package it serves (``ServedModelPackage.model_package_arn``).
SERVED_MODEL_PACKAGE_OUTPUT = "ServedModelPackageArn"


#: What the function's steps retry, with backoff: Lambda's service errors, throttling and timeouts,
#: and the handler's ``Transient`` (an AWS call throttled or failing beyond botocore's retries).
TRANSIENT_ERRORS = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.TooManyRequestsException",
    "Lambda.Unknown",
    "Sandbox.Timedout",
    "States.Timeout",
    "Transient",
)


def _function_timeout() -> Duration:
    """The deploying function's timeout."""
    return durations.minutes(1)


#: Lambda allows 4 KB of environment variables; the targets' configuration gets most of it.
_MAX_TARGETS_CONFIGURATION = 3000


def _task_timeout() -> Duration:
    """A step gives up on an invocation a little after the function's own timeout, then retries."""
    return durations.minutes(2)


@dataclass(frozen=True)
class DeploymentTarget:
    """A serving stack an approved model rolls out to. Targets deploy in order, each after the
    previous one is healthy.

    :param stack_name: the serving stack (its CloudFormation name), in this construct's account and region.
    :param endpoint_name: the endpoint the stack serves; it must be InService after the update.
    :param alarm_names: default none; health alarms that must not be in ALARM after the update and
        after the bake time (e.g. ``MonitoringAlarms.health_alarms`` of that environment).
    :param parameter_name: default ``ModelPackageArn``; the stack parameter a rollout sets to the package ARN.
    :param other_endpoint_names: default none; further endpoints of the stack that serve its models
        (e.g. an asynchronous endpoint): the rollout's CloudFormation role may update them too.
    :param output_name: default ``ServedModelPackageArn``; the stack output saying which package it serves
        (``ServedModelPackage.model_package_arn``, which keeps the package across deploys).
    :param requires_approval: default False; True waits for a person to approve before deploying here.
    :param bake_time: default 10 minutes; how long the target must stay healthy before the next starts.
    :param monitoring_schedule_names: default none; a monitoring stack (a ``ServedModelPackage`` with
        ``drift_check_baselines`` and ``ModelMonitor`` schedules of these names): the rollout's
        CloudFormation role may replace its monitors' job definitions and update these schedules, so
        the monitors take the rolled-out package's baselines.
    """

    stack_name: str
    endpoint_name: str
    alarm_names: tuple[str, ...] = ()
    parameter_name: str = "ModelPackageArn"
    output_name: str = SERVED_MODEL_PACKAGE_OUTPUT
    other_endpoint_names: tuple[str, ...] = ()
    requires_approval: bool = False
    bake_time: Duration = field(default_factory=lambda: durations.minutes(10))
    region: str | None = None
    account: str | None = None
    monitoring_schedule_names: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        stack: Stack,
        endpoint: IEndpoint,
        *,
        alarms: MonitoringAlarms | None = None,
        parameter_name: str = "ModelPackageArn",
        requires_approval: bool = False,
        bake_time: Duration | None = None,
    ) -> DeploymentTarget:
        """A target from the serving stack, its endpoint and its ``MonitoringAlarms`` (whose health
        alarms have fixed names the deployment function can look up)."""
        return cls(
            stack_name=stack.stack_name,
            endpoint_name=endpoint.endpoint_name,
            alarm_names=alarms.health_alarm_names if alarms is not None else (),
            parameter_name=parameter_name,
            requires_approval=requires_approval,
            bake_time=bake_time or durations.minutes(10),
            region=stack.region,
            account=stack.account,
        )

    def payload(self) -> dict[str, Any]:
        return {
            "stack_name": self.stack_name,
            "endpoint_name": self.endpoint_name,
            "alarm_names": list(self.alarm_names),
            "parameter_name": self.parameter_name,
            "output_name": self.output_name,
        }  # other_endpoint_names: the CloudFormation role only


def _model_package_arn_prefix(scope: Construct, model_package_group_name: str) -> str:
    """``arn:<partition>:sagemaker:<region>:<account>:model-package/<group>/``: the versions of one
    group of this stack's account and region (SageMaker writes the group in lower case in ARNs)."""
    stack = stack_of(scope)
    return stack.format_arn(
        service="sagemaker", resource="model-package", resource_name=f"{_arn_name(model_package_group_name)}/"
    )


class ServedModelPackage(Construct):
    """Which version of a model package group a serving stack serves, remembered by the stack itself.

    A custom resource (``Custom::ServedModelPackage``, handler ``served_model.py``) takes the stack's
    model-package parameter as ``requested``: a rollout (``DeployOnApproval``) sets it, and every
    deploy that does not (CDK Pipelines deploys the template default, empty) keeps the recorded package,
    since the record is the resource's physical id, which CloudFormation keeps with the stack. A failed
    update rolls the record back with the model. ``model_package_arn`` is the package's ARN or
    ``none``; feed it to the models through a nested stack parameter (CloudFormation conditions can
    read parameters only). Only versions of ``model_package_group_name`` in this stack's account and
    region are accepted: another value fails the update before any model changes.

    The function runs in the VPC; it answers CloudFormation through the S3 gateway endpoint and, to
    tell a rollback, calls ``DescribeStacks`` on its own stack (the ``cloudformation`` interface endpoint).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        requested: str,
        model_package_group_name: str,
        network: INetwork,
        encryption_key: kms.IKey,
        initial_model_package_arn: str | None = None,
        log_retention_days: int = 365,
        log_key: kms.IKey | None = None,
        drift_check_baselines: Mapping[DriftCheckBaseline, str] | None = None,
    ) -> None:
        """
        :param requested: the package a deploy asks for (the stack parameter); empty keeps the recorded one.
        :param model_package_group_name: the group whose versions the stack may serve (may be a token).
        :param network: VPC and workload security group of the function.
        :param encryption_key: the function's environment, logs and dead-letter queue.
        :param initial_model_package_arn: default none (the configured image and artifact); what the
            stack serves when it is created without a requested package.
        :param log_retention_days: default 365.
        :param log_key: default ``encryption_key``; the key of the function's log group.
        :param drift_check_baselines: default none; baselines of the served package to read (a
            monitoring stack's record), each with the S3 URI to use while the served package has none
            or no package is served: ``baseline_uri(kind)`` is the URI, resolved at every deploy.
        """
        super().__init__(scope, construct_id)
        self.drift_check_baselines = dict(drift_check_baselines or {})
        problems = Problems(self, "ServedModelPackage")
        problems.check_log_retention_days("log_retention_days", log_retention_days)
        for kind, fallback in self.drift_check_baselines.items():
            problems.check(
                isinstance(given(kind), DriftCheckBaseline),
                "drift_check_baselines (key)",
                kind,
                f"must be a DriftCheckBaseline: {', '.join(k.name for k in DriftCheckBaseline)}",
            )
            problems.check(
                S3Uri.parse(fallback) is not None,
                f"drift_check_baselines[{getattr(kind, 'name', kind)}]",
                fallback,
                "must be the S3 URI of the file used while the served package has no such baseline",
            )
        problems.raise_if_any()
        stack = stack_of(self)
        self.model_package_group_name = model_package_group_name
        dead_letters = new_dead_letter_queue(
            self,
            "DeadLetterQueue",
            encryption_key=encryption_key,
            used_by=f"the served-model record {construct_path(self)}",
        )
        self.function = VpcFunction(
            self,
            "Function",
            code_directory=_HANDLER_DIR,
            handler="served_model.handler",
            network=network,
            encryption_key=encryption_key,
            dead_letter_queue=dead_letters,
            timeout=durations.minutes(1),
            reserved_concurrent_executions=1,
            log_retention_days=log_retention_days,
            log_key=log_key,
            description="Remembers which model package its serving stack serves",
        )
        # The rollout's CloudFormation role may invoke only functions with this tag (for their stack).
        Tags.of(self.function.function).add(SERVED_MODEL_RECORD_TAG, stack.stack_name)
        self.function.role.add_to_policy(
            iam.PolicyStatement(
                sid="TellRollbacks", actions=["cloudformation:DescribeStacks"], resources=[stack.stack_id]
            )
        )
        network.require_endpoints(
            self,
            ("cloudformation",),
            purpose="the function asks CloudFormation whether a rollout is rolling back, or a rollback of a "
            "rollout cannot be told apart from a deploy",
        )
        properties: dict[str, Any] = {
            "Requested": requested,
            "Initial": initial_model_package_arn or NO_MODEL_PACKAGE,
            "RegistryArnPrefix": _model_package_arn_prefix(self, model_package_group_name),
        }
        if self.drift_check_baselines:
            properties["Baselines"] = {
                kind.attribute: {"Path": kind.value, "Fallback": fallback}
                for kind, fallback in self.drift_check_baselines.items()
            }
            self.function.role.add_to_policy(
                iam.PolicyStatement(
                    sid="ReadServedPackageBaselines",
                    actions=["sagemaker:DescribeModelPackage"],
                    resources=[f"{_model_package_arn_prefix(self, model_package_group_name)}*"],
                )
            )
            acknowledge_statement_wildcards(
                permissions_policy(self.function.role),
                "Versions of the one model package group the stack may serve (group/<version>), to read "
                "the served version's DriftCheckBaselines.",
                "ReadServedPackageBaselines",
            )
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.function.function_arn,
            resource_type="Custom::ServedModelPackage",
            service_timeout=durations.minutes(5),
            properties=properties,
        )
        #: The served package's ARN, or ``none``.
        self.model_package_arn: str = self.resource.get_att_string("ModelPackageArn")

    def baseline_uri(self, kind: DriftCheckBaseline) -> str:
        """The S3 URI of baseline ``kind`` of the served package (its ``DriftCheckBaselines``), or the
        fallback given for it: a deploy-time value for the monitors' job definitions."""
        if kind not in self.drift_check_baselines:
            raise invalid(
                self,
                "ServedModelPackage",
                "baseline_uri(kind)",
                getattr(kind, "name", kind),
                f"is not read by this record: drift_check_baselines lists "
                f"{', '.join(k.name for k in self.drift_check_baselines) or 'none'}",
            )
        return self.resource.get_att_string(kind.attribute)


class DeployOnApproval(Construct):
    """Deploys each model package approved in ``model_package_group`` to ``targets`` in order,
    through their CloudFormation stacks (see the module documentation for the mechanism)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        model_package_group: IModelPackageGroup,
        targets: Sequence[DeploymentTarget],
        network: INetwork,
        encryption_key: kms.IKey | None = None,
        log_key: kms.IKey | None = None,
        alert_key: kms.IKey | None = None,
        approver_email_addresses: Sequence[str] = (),
        alarm_topic: sns.ITopic | None = None,
        cloudformation_role: iam.IRole | None = None,
        cdk_qualifier: str = "hnb659fds",
        poll_interval: Duration | None = None,
        deployment_timeout: Duration | None = None,
        approval_timeout: Duration | None = None,
        retry_attempts: int = 3,
        dead_letter_queue: sqs.IQueue | None = None,
        log_retention_days: int = 365,
    ) -> None:
        """
        :param model_package_group: the registry group whose approved packages deploy.
        :param targets: 1 to 5 serving stacks, in rollout order (staging first, then prod).
        :param network: VPC and workload security group of the function. It calls CloudFormation,
            SageMaker, CloudWatch and Step Functions: the VPC needs the ``cloudformation`` and
            ``states`` interface endpoints besides the default ones (or a NAT).
        :param encryption_key: default, a new ``EncryptionKey``; the dead-letter queue and the
            function's environment (and logs and approval topic without ``log_key`` / ``alert_key``). An
            ``EncryptionKey`` gets a statement letting this account's EventBridge rules use it (the
            rule's dead-letter queue); a key of your own must allow ``events.amazonaws.com`` itself.
        :param log_key: default ``encryption_key``; the function's and the state machine's log groups
            (a logs key, whose policy lets CloudWatch Logs encrypt).
        :param alert_key: default ``encryption_key``; the approval topic (published by the state machine's role).
        :param approver_email_addresses: default none; email subscriptions of the approval topic (a notice
            only: approving takes a role with ``approver_policy``, see ``grant_approve``).
        :param alarm_topic: default None; if given, failed or timed-out rollouts alarm to this topic.
        :param cloudformation_role: default, a new role (``cloudformation_role``) that may only replace the
            serving stacks' models and endpoint configurations and update their endpoints; the function
            may pass only this role, and ``UpdateStack`` only with it (``cloudformation:RoleArn``).
        :param cdk_qualifier: default ``hnb659fds``; the bootstrap qualifier (version parameter, assets bucket).
        :param poll_interval: default 1 minute; time between status checks of an update.
        :param deployment_timeout: default 2 hours; per target, bounds the whole rollout's duration.
        :param approval_timeout: default 7 days; a manual approval not given by then fails the rollout.
        :param retry_attempts: default 3 (0-185); EventBridge retries of starting the state machine.
        :param dead_letter_queue: default, a new KMS-encrypted, TLS-only queue for events the rule
            could not deliver and for failed asynchronous invocations.
        :param log_retention_days: default 365.
        """
        super().__init__(scope, construct_id)
        poll_interval = poll_interval or durations.minutes(1)
        deployment_timeout = deployment_timeout or durations.hours(2)
        approval_timeout = approval_timeout or durations.days(7)
        self._validate(
            model_package_group,
            targets,
            approver_email_addresses,
            cdk_qualifier,
            poll_interval,
            deployment_timeout,
            approval_timeout,
            retry_attempts,
            log_retention_days,
        )
        stack = stack_of(self)
        self.model_package_group = model_package_group
        self.targets = tuple(targets)
        self.encryption_key: kms.IKey = key_or_new(self, encryption_key, f"{construct_path(self)} model deployment")
        self.log_key: kms.IKey = self.encryption_key if log_key is None else log_key
        self.alert_key: kms.IKey = self.encryption_key if alert_key is None else alert_key
        if dead_letter_queue is None:
            allow_publisher(self, encryption_key, "events.amazonaws.com")
        self.dead_letter_queue: sqs.IQueue = dead_letter_queue or new_dead_letter_queue(
            self,
            "DeadLetterQueue",
            encryption_key=self.encryption_key,
            used_by=f"model deployment {construct_path(self)}",
        )
        self.state_machine_name = Names.unique_resource_name(self, max_length=80, separator="-")

        self.function = VpcFunction(
            self,
            "Deployer",
            code_directory=_HANDLER_DIR,
            network=network,
            encryption_key=self.encryption_key,
            dead_letter_queue=self.dead_letter_queue,
            timeout=_function_timeout(),
            reserved_concurrent_executions=2,
            log_retention_days=log_retention_days,
            log_key=self.log_key,
            description=f"Deploys approved {model_package_group.model_package_group_name} packages via CloudFormation",
        )
        #: The role CloudFormation updates the serving stacks with: only what a rollout changes.
        self.cloudformation_role: iam.IRole = cloudformation_role or self._rollout_role(stack, cdk_qualifier)
        # What the function may act on is its configuration, never its input.
        for name, value in {
            "MODEL_PACKAGE_GROUP": model_package_group.model_package_group_name,
            "MODEL_PACKAGE_ARN_PREFIX": _model_package_arn_prefix(self, model_package_group.model_package_group_name),
            "DEPLOYMENT_TARGETS": json.dumps([t.payload() for t in self.targets], separators=(",", ":")),
            "CLOUDFORMATION_ROLE_ARN": self.cloudformation_role.role_arn,
        }.items():
            self.function.function.add_environment(name, value)
        self._grant_function(stack, cdk_qualifier)
        network.require_endpoints(self, _NEEDED_ENDPOINTS, purpose="the function calls these APIs to deploy and watch")

        self.approval_topic: sns.ITopic | None = None
        #: Attach to the roles of the people who may approve a rollout (or use ``grant_approve``).
        self.approver_policy: iam.ManagedPolicy | None = None
        #: The approval activity of each target that requires approval, by stack name.
        self.approval_activities: dict[str, sfn.Activity] = {}
        if any(t.requires_approval for t in self.targets):
            self.approver_policy = iam.ManagedPolicy(
                self,
                "ApproverPolicy",
                description=f"Approve rollouts of {construct_path(self)} to the targets that need it",
            )
            approval_topic = AlertTopicInPlaceOfSnsTopic(
                self,
                "ApprovalTopic",
                encryption_key=self.alert_key,
                publishers=(),  # the state machine's role publishes
                display_name="Model deployment approvals",
                email_addresses=approver_email_addresses,
            )
            self.approval_topic = as_topic(approval_topic)

        self.state_machine = self._state_machine(
            poll_interval, deployment_timeout, approval_timeout, log_retention_days
        )
        self.rule_role = ManagedPolicyRole(
            self,
            "RuleRole",
            description="Starts the model deployment state machine",
            assumed_by=service_principal(self, "events.amazonaws.com"),
        )
        self.rule = events.Rule(
            self,
            "Resource",
            description=f"Approved model packages of {model_package_group.model_package_group_name} deploy",
            event_pattern=events.EventPattern(
                source=["aws.sagemaker"],
                detail_type=["SageMaker Model Package State Change"],
                detail={
                    "ModelPackageGroupName": [model_package_group.model_package_group_name],
                    "ModelApprovalStatus": ["Approved"],
                },
            ),
            targets=[
                as_rule_target(
                    event_targets.SfnStateMachine(
                        self.state_machine,
                        role=as_role(self.rule_role),
                        dead_letter_queue=self.dead_letter_queue,
                        retry_attempts=retry_attempts,
                        max_event_age=durations.hours(24),
                    )
                )
            ],
        )
        if alarm_topic is not None:
            self.failure_alarm = cloudwatch.Alarm(
                self,
                "RolloutFailed",
                alarm_description=f"A rollout of {model_package_group.model_package_group_name} failed or timed out",
                metric=cloudwatch.MathExpression(
                    expression="failed + timedout",
                    using_metrics={
                        "failed": self.state_machine.metric_failed(),
                        "timedout": self.state_machine.metric_timed_out(),
                    },
                    period=durations.minutes(5),
                ),
                threshold=0,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            self.failure_alarm.add_alarm_action(as_alarm_action(cloudwatch_actions.SnsAction(alarm_topic)))

    # ------------------------------------------------------------------ validation

    def _validate(
        self,
        group: IModelPackageGroup,
        targets: Sequence[DeploymentTarget],
        approver_email_addresses: Sequence[str],
        cdk_qualifier: str,
        poll_interval: Duration,
        deployment_timeout: Duration,
        approval_timeout: Duration,
        retry_attempts: int,
        log_retention_days: int,
    ) -> None:
        problems = Problems(self, "DeployOnApproval")
        stack = stack_of(self)
        facts = stack_facts(stack)
        problems.check_sagemaker_name("model_package_group (name)", group.model_package_group_name)
        problems.check(1 <= len(targets) <= 5, "targets", len(targets), "give 1 to 5 deployment targets")
        problems.check_unique("targets (stack names)", [t.stack_name for t in targets])
        for i, target in enumerate(targets):
            where = f"targets[{i}]"
            problems.check_pattern(
                f"{where}.stack_name",
                target.stack_name,
                _STACK_NAME,
                "must be a CloudFormation stack name (letters, digits, '-', starting with a letter)",
            )
            problems.check_pattern(
                f"{where}.endpoint_name",
                target.endpoint_name,
                SAGEMAKER_NAME_PATTERN,
                "must be a SageMaker endpoint name",
            )
            problems.check_pattern(
                f"{where}.parameter_name",
                target.parameter_name,
                _PARAMETER,
                "must be a CloudFormation parameter name (letters and digits)",
            )
            problems.check_pattern(
                f"{where}.output_name",
                target.output_name,
                _PARAMETER,
                "must be a CloudFormation output name (letters and digits)",
            )
            problems.check_range(
                f"{where}.bake_time (seconds)", in_seconds(target.bake_time), minimum=0, maximum=86400, integer=True
            )
            for schedule in target.monitoring_schedule_names:
                problems.check_pattern(
                    f"{where}.monitoring_schedule_names",
                    schedule,
                    SAGEMAKER_NAME_PATTERN,
                    "must be monitoring schedule names (ModelMonitor.schedule_names)",
                )
            for alarm in target.alarm_names:
                problems.check(
                    not is_unresolved(alarm),
                    f"{where}.alarm_names",
                    alarm,
                    "must be fixed alarm names (MonitoringAlarms names its alarms)",
                )
            places = (("region", target.region, facts.region), ("account", target.account, facts.account))
            for prop, theirs, ours in places:
                if theirs is not None and not is_unresolved(theirs) and not is_unresolved(ours):
                    problems.check(
                        theirs == ours,
                        f"{where}.{prop}",
                        theirs,
                        f"must be this stack's {prop} ({ours}): cross-{prop} rollouts are not supported",
                    )
        configuration = json.dumps([t.payload() for t in targets], separators=(",", ":"))
        problems.check(
            len(configuration) <= _MAX_TARGETS_CONFIGURATION,
            "targets (configuration size)",
            len(configuration),
            f"must fit the function's environment: at most "
            f"{_MAX_TARGETS_CONFIGURATION} characters of stack, endpoint and alarm names",
        )
        for address in approver_email_addresses:
            problems.check_email("approver_email_addresses", address)
        problems.check(
            not approver_email_addresses or any(t.requires_approval for t in targets),
            "approver_email_addresses",
            list(approver_email_addresses),
            "no target requires approval",
        )
        problems.check(
            bool(re.match(r"^[a-z0-9_-]{1,10}$", cdk_qualifier)),
            "cdk_qualifier",
            cdk_qualifier,
            "must be a CDK bootstrap qualifier (1-10 lowercase letters, digits, '_' or '-')",
        )
        problems.check_range("poll_interval (seconds)", in_seconds(poll_interval), minimum=10, maximum=3600)
        problems.check_range("deployment_timeout (minutes)", in_minutes(deployment_timeout), minimum=5, maximum=1440)
        problems.check_range("approval_timeout (hours)", in_hours(approval_timeout), minimum=1, maximum=720)
        problems.check_range("retry_attempts", retry_attempts, minimum=0, maximum=185, integer=True)
        problems.check_log_retention_days("log_retention_days", log_retention_days)
        problems.raise_if_any()

    # ------------------------------------------------------------------ permissions

    def _grant_function(self, stack: Stack, qualifier: str) -> None:
        role = self.function.role
        group = self.model_package_group.model_package_group_name
        stacks = [
            stack.format_arn(service="cloudformation", resource="stack", resource_name=f"{t.stack_name}/*")
            for t in self.targets
        ]
        role.add_to_policy(
            iam.PolicyStatement(
                sid="DescribeServingStacks", actions=["cloudformation:DescribeStacks"], resources=stacks
            )
        )
        # IAM cannot hold UpdateStack to the previous template; it can hold it to the rollout's role,
        # which may change only what a rollout changes.
        role.add_to_policy(
            iam.PolicyStatement(
                sid="UpdateServingStacks",
                actions=["cloudformation:UpdateStack"],
                resources=stacks,
                conditions={"ArnEquals": {"cloudformation:RoleArn": self.cloudformation_role.role_arn}},
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="PassStackRoleToCloudFormation",
                actions=["iam:PassRole"],
                resources=[self.cloudformation_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}},
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadBootstrapVersion",
                actions=["ssm:GetParameters"],
                resources=[
                    stack.format_arn(
                        service="ssm", resource="parameter", resource_name=f"cdk-bootstrap/{qualifier}/version"
                    )
                ],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="DescribeEndpoints",
                actions=["sagemaker:DescribeEndpoint"],
                resources=[
                    stack.format_arn(service="sagemaker", resource="endpoint", resource_name=_arn_name(t.endpoint_name))
                    for t in self.targets
                ],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="DescribeGroupPackages",
                actions=["sagemaker:DescribeModelPackage"],
                resources=[
                    stack.format_arn(
                        service="sagemaker", resource="model-package", resource_name=f"{_arn_name(group)}/*"
                    )
                ],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(sid="ListGroupPackages", actions=["sagemaker:ListModelPackages"], resources=["*"])
        )
        alarm_names = sorted({a for t in self.targets for a in t.alarm_names})
        if alarm_names:
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="ReadHealthAlarms",
                    actions=["cloudwatch:DescribeAlarms"],
                    resources=[
                        stack.format_arn(service="cloudwatch", resource="alarm", resource_name=name, arn_format=_COLON)
                        for name in alarm_names
                    ],
                )
            )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="FindDuplicateRollouts",
                actions=["states:ListExecutions"],
                resources=[
                    stack.format_arn(
                        service="states",
                        resource="stateMachine",
                        resource_name=self.state_machine_name,
                        arn_format=_COLON,
                    )
                ],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadRolloutInputs",
                actions=["states:DescribeExecution"],
                resources=[
                    stack.format_arn(
                        service="states",
                        resource="execution",
                        resource_name=f"{self.state_machine_name}:*",
                        arn_format=_COLON,
                    )
                ],
            )
        )
        policy = permissions_policy(role)
        for sid, reason in {
            "DescribeServingStacks": "A stack ARN ends with its generated id; the statement names each serving stack.",
            "UpdateServingStacks": "A stack ARN ends with its generated id; the statement names each serving stack.",
            "DescribeGroupPackages": "Package versions of the one model package group (group/<version>).",
            "ListGroupPackages": "sagemaker:ListModelPackages takes no resource; the function lists one group, "
            "to skip a package superseded by a newer approved one.",
            "ReadRolloutInputs": "Executions of this one state machine, to ignore duplicate approval events.",
        }.items():
            acknowledge_statement_wildcards(policy, reason, sid)

    # ------------------------------------------------------------------ state machine

    def _rollout_role(self, stack: Stack, qualifier: str) -> iam.IRole:
        """CloudFormation's role for a rollout's update of a serving stack: the calls CloudFormation
        makes when a new package replaces the models and endpoint configurations and updates the
        endpoints (with the stack policy of each update denying every other change), nothing more."""
        # No source keys on this trust: CloudFormation's service-role documentation gives none, and a
        # pin it does not send would fail every rollout. Only a principal of this account allowed to
        # pass the role (the function, pinned by cloudformation:RoleArn) can hand it to CloudFormation.
        role = ManagedPolicyRole(
            self,
            "CloudFormationRole",
            description=f"Rollout updates of the serving stacks of {construct_path(self)}",
            assumed_by=iam.ServicePrincipal("cloudformation.amazonaws.com"),
        )

        def arn(service: str, resource: str, name: str, arn_format: ArnFormat = ArnFormat.SLASH_RESOURCE_NAME) -> str:
            return stack.format_arn(service=service, resource=resource, resource_name=name, arn_format=arn_format)

        endpoints = sorted({_arn_name(n) for t in self.targets for n in (t.endpoint_name, *t.other_endpoint_names)})
        # Sid: actions, resources, conditions, and the reason of its wildcards (None: it has none).
        statements: dict[str, tuple[list[str], list[str], dict[str, Any] | None, str | None]] = {
            "UpdateNestedModelStacks": (
                [
                    "cloudformation:UpdateStack",
                    "cloudformation:DescribeStacks",
                    "cloudformation:DescribeStackEvents",
                    "cloudformation:DescribeStackResources",
                    "cloudformation:GetTemplate",
                ],
                [arn("cloudformation", "stack", f"{t.stack_name}-*/*") for t in self.targets],
                None,
                "The nested stacks of the serving stacks (<stack name>-<nested id>-<suffix>/<id>).",
            ),
            "ReadNestedTemplates": (
                ["s3:GetObject"],
                [f"arn:{aws_partition()}:s3:::cdk-{qualifier}-assets-{stack.account}-{stack.region}/*"],
                None,
                "The nested stacks' templates, CDK file assets in the bootstrap bucket (content-hashed keys).",
            ),
            "ReplaceModels": (
                [
                    "sagemaker:CreateModel",
                    "sagemaker:DescribeModel",
                    "sagemaker:DeleteModel",
                    "sagemaker:AddTags",
                    "sagemaker:ListTags",
                ],
                [arn("sagemaker", "model", "*")],
                None,
                "Models get names generated by CloudFormation; a rollout replaces them.",
            ),
            "ReplaceEndpointConfigs": (
                [
                    "sagemaker:CreateEndpointConfig",
                    "sagemaker:DescribeEndpointConfig",
                    "sagemaker:DeleteEndpointConfig",
                    "sagemaker:AddTags",
                    "sagemaker:ListTags",
                ],
                [arn("sagemaker", "endpoint-config", "*")],
                None,
                "Endpoint configurations get names generated by CloudFormation; a rollout replaces them.",
            ),
            "UpdateEndpoints": (
                [
                    "sagemaker:UpdateEndpoint",
                    "sagemaker:DescribeEndpoint",
                    "sagemaker:AddTags",
                    "sagemaker:DeleteTags",
                    "sagemaker:ListTags",
                ],
                [arn("sagemaker", "endpoint", name) for name in endpoints],
                None,
                None,
            ),
            "UpdateEndpointsToNewConfigs": (
                ["sagemaker:UpdateEndpoint"],
                [arn("sagemaker", "endpoint-config", "*")],
                None,
                "UpdateEndpoint is authorized on the endpoint and on the new endpoint configuration, whose "
                "name CloudFormation generates.",
            ),
            "PassModelRoles": (
                ["iam:PassRole"],
                [stack.format_arn(service="iam", region="", resource="role", resource_name="*")],
                {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
                "The models' execution roles (names generated by CloudFormation), passed to SageMaker only.",
            ),
            "InvokeServedModelRecords": (
                ["lambda:InvokeFunction"],
                [arn("lambda", "function", "*", ArnFormat.COLON_RESOURCE_NAME)],
                {"StringEquals": {f"aws:ResourceTag/{SERVED_MODEL_RECORD_TAG}": [t.stack_name for t in self.targets]}},
                "The serving stacks' ServedModelPackage functions, selected by their tag.",
            ),
            "EncryptEndpointVolumes": (
                list(KMS_CREATE_GRANT),
                [arn("kms", "key", "*")],
                {
                    "StringEquals": {"kms:ViaService": f"sagemaker.{stack.region}.amazonaws.com"},
                    "Bool": {"kms:GrantIsForAWSResource": "true"},
                },
                "The endpoint configurations' volume and capture keys, used through SageMaker only.",
            ),
            # Apart: kms:GrantIsForAWSResource exists on grant calls only, so DescribeKey beside it never applied.
            "DescribeEndpointKeys": (
                list(KMS_DESCRIBE),
                [arn("kms", "key", "*")],
                {"StringEquals": {"kms:ViaService": f"sagemaker.{stack.region}.amazonaws.com"}},
                "The endpoint configurations' volume and capture keys, described through SageMaker only.",
            ),
            "DescribeWhatEndpointsUse": (
                [
                    "ec2:DescribeSubnets",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeVpcs",
                    "application-autoscaling:DescribeScalableTargets",
                    "cloudwatch:DescribeAlarms",
                ],
                ["*"],
                None,
                "Read-only checks of the models' VPC configuration, the endpoints' autoscaling and rollback "
                "alarms; these Describe calls take no resource.",
            ),
        }
        schedules = sorted({name for t in self.targets for name in t.monitoring_schedule_names})
        if schedules:
            definitions = ("data-quality", "model-quality", "model-bias", "model-explainability")
            statements["ReplaceMonitoringJobDefinitions"] = (
                [
                    *(
                        f"sagemaker:{verb}{kind}JobDefinition"
                        for verb in ("Create", "Describe", "Delete")
                        for kind in (
                            "DataQuality",
                            "ModelQuality",
                            "ModelBias",
                            "ModelExplainability",
                        )
                    ),
                    "sagemaker:AddTags",
                    "sagemaker:ListTags",
                ],
                [arn("sagemaker", f"{kind}-job-definition", "*") for kind in definitions],
                None,
                "Monitoring job definitions get names generated by CloudFormation; a rollout replaces them "
                "with the served package's baselines.",
            )
            statements["UpdateMonitoringSchedules"] = (
                [
                    "sagemaker:UpdateMonitoringSchedule",
                    "sagemaker:DescribeMonitoringSchedule",
                    "sagemaker:AddTags",
                    "sagemaker:ListTags",
                ],
                [arn("sagemaker", "monitoring-schedule", _arn_name(name)) for name in schedules],
                None,
                None,
            )
        # CloudFormation hands the serving stack's role on to its nested stack (the models) on update.
        statements["PassItselfToNestedStacks"] = (
            ["iam:PassRole"],
            [role.role_arn],
            {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}},
            None,
        )
        for sid, (actions, resources, conditions, _) in statements.items():
            role.add_to_policy(
                iam.PolicyStatement(sid=sid, actions=actions, resources=resources, conditions=conditions)
            )
        for sid, (_, _, _, reason) in statements.items():
            if reason:
                acknowledge_statement_wildcards(permissions_policy(role), reason, sid)
        return as_role(role)

    def _invoke(self, construct_id: str, payload: dict[str, Any], result_path: str) -> tasks.LambdaInvoke:
        """A step of the function: transient errors retried with backoff, anything else caught into
        ``StepFailed`` with the error and its cause."""
        task = tasks.LambdaInvoke(
            self,
            construct_id,
            lambda_function=as_function(self.function.function),
            payload=sfn.TaskInput.from_object(payload),
            payload_response_only=True,
            result_path=result_path,
            retry_on_service_exceptions=False,
            task_timeout=sfn.Timeout.duration(_task_timeout()),
        )
        task.add_retry(
            errors=list(TRANSIENT_ERRORS),
            interval=durations.seconds(5),
            backoff_rate=2,
            max_attempts=8,
            max_delay=durations.minutes(5),
            jitter_strategy=sfn.JitterType.FULL,
        )
        task.add_catch(self._rollout_failed, errors=["States.ALL"], result_path="$.failure")
        return task

    def _state_machine(
        self, poll_interval: Duration, deployment_timeout: Duration, approval_timeout: Duration, log_retention_days: int
    ) -> sfn.StateMachine:
        group = self.model_package_group.model_package_group_name
        arn = sfn.JsonPath.string_at("$.validation.model_package_arn")
        self._rollout_failed = sfn.Fail(
            self,
            "StepFailed",
            error_path="$.failure.Error",
            cause_path="$.failure.Cause",
            comment="A step failed with an error that is not transient (see the cause)",
        )
        validate = self._invoke(
            "Validate",
            {"action": "validate", "event": sfn.JsonPath.object_at("$"), "execution_arn": sfn.JsonPath.execution_id},
            "$.validation",
        )
        nothing = sfn.Succeed(self, "NothingToDeploy", comment="Not approved, not completed, or a duplicate event")
        superseded = sfn.Succeed(self, "Superseded", comment="A newer approved package is rolling out instead")
        done = sfn.Succeed(self, "Deployed")

        chain: sfn.IChainable = done
        for i, target in reversed(list(enumerate(self.targets))):
            chain = self._target_steps(i, target, arn, group, chain, superseded, poll_interval, approval_timeout)
        definition = validate.next(
            sfn.Choice(self, "ShouldDeploy")
            .when(sfn.Condition.boolean_equals("$.validation.deploy", True), chain)
            .otherwise(nothing)
        )

        role = ManagedPolicyRole(
            self,
            "StateMachineRole",
            assumed_by=service_principal(self, "states.amazonaws.com"),
            description="Model deployment state machine",
        )
        log_group = logs.LogGroup(
            self,
            "StateMachineLogs",
            retention=retention_days(log_retention_days),
            encryption_key=self.log_key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        approvals = in_minutes(approval_timeout) if any(t.requires_approval for t in self.targets) else 0
        machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=self.state_machine_name,
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            role=as_role(role),
            timeout=durations.minutes(in_minutes(deployment_timeout) * len(self.targets) + approvals),
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
        )
        machine.node.add_dependency(permissions_policy(role))  # logging and tracing need the policy at creation
        if self.approval_topic is not None:  # publishing to the encrypted approval topic
            grant_key_use(self.alert_key, role, encrypt=True)
        acknowledge_action_wildcards(
            permissions_policy(role),
            "aws-cdk grants the state machine the deployer function and its versions (<function ARN>:*).",
            frozenset({"lambda:InvokeFunction"}),
        )
        acknowledge(
            permissions_policy(role),
            "Step Functions log delivery (logs:*LogDelivery, DescribeResourcePolicies...) and X-Ray tracing "
            "(xray:PutTraceSegments...) accept only '*' as resource; aws-cdk adds them for logging and tracing.",
            "AwsSolutions-IAM5[Resource::*]",
        )
        return machine

    def _target_steps(
        self,
        i: int,
        target: DeploymentTarget,
        arn: str,
        group: str,
        after: sfn.IChainable,
        superseded: sfn.State,
        poll_interval: Duration,
        approval_timeout: Duration,
    ) -> sfn.IChainable:
        stage = f"Target{i}"
        payload = {"target": i, "model_package_arn": arn}  # the function knows the targets (its environment)
        deploy = self._invoke(f"{stage}Deploy", {"action": "deploy", **payload}, f"$.deploy{i}")
        deploy.add_retry(
            errors=["StackBusy"],
            interval=durations.minutes(1),
            backoff_rate=2,
            max_attempts=8,
            max_delay=durations.minutes(15),
            jitter_strategy=sfn.JitterType.FULL,
        )
        failed = sfn.Fail(
            self,
            f"{stage}Failed",
            error="DeploymentFailed",
            cause_path=f"$.status{i}.reason",
            comment=f"{target.stack_name} did not become healthy",
        )
        status = {"action": "status", **payload}
        check = self._invoke(f"{stage}Check", status, f"$.status{i}")
        verify = self._invoke(f"{stage}Verify", status, f"$.status{i}")
        wait = sfn.Wait(self, f"{stage}Wait", time=sfn.WaitTime.duration(poll_interval))
        bake = sfn.Wait(
            self,
            f"{stage}Bake",
            time=sfn.WaitTime.duration(target.bake_time),
            comment=f"{target.stack_name} must stay healthy this long",
        )
        newer = sfn.Condition.string_equals(f"$.status{i}.state", "SUPERSEDED")
        healthy_after_bake = (
            sfn.Choice(self, f"{stage}StillHealthy")
            .when(sfn.Condition.string_equals(f"$.status{i}.state", "HEALTHY"), after)
            .when(newer, superseded)
            .otherwise(failed)
        )
        wait.next(check).next(
            sfn.Choice(self, f"{stage}Healthy")
            .when(newer, superseded)
            .when(sfn.Condition.string_equals(f"$.status{i}.state", "IN_PROGRESS"), wait)
            .when(
                sfn.Condition.string_equals(f"$.status{i}.state", "HEALTHY"), bake.next(verify).next(healthy_after_bake)
            )
            .otherwise(failed)
        )
        deploy.next(
            sfn.Choice(self, f"{stage}Deployed")
            .when(sfn.Condition.string_equals(f"$.deploy{i}.result", "SUPERSEDED"), superseded)
            .otherwise(wait)
        )
        if not target.requires_approval:
            return deploy
        assert self.approval_topic is not None and self.approver_policy is not None
        # The approval is an activity task: its token goes to whoever calls GetActivityTask on the
        # activity, which only the approver policy allows; the notification carries no token.
        activity = sfn.Activity(
            self,
            f"{stage}ApprovalActivity",
            activity_name=Names.unique_resource_name(self, max_length=80 - len(f"-{stage}Approval"), separator="-")
            + f"-{stage}Approval",
        )
        self.approval_activities[target.stack_name] = activity
        for sid, actions in (
            ("TakeApprovalTasks", ["states:GetActivityTask"]),
            ("AnswerApprovalTasks", ["states:SendTaskSuccess", "states:SendTaskFailure"]),
        ):
            self.approver_policy.add_statements(
                iam.PolicyStatement(sid=f"{sid}{i}", actions=actions, resources=[activity.activity_arn])
            )
        notify = tasks.SnsPublish(
            self,
            f"{stage}ApprovalRequest",
            topic=self.approval_topic,
            subject=f"Approve model deployment to {target.stack_name}"[:100],
            message=sfn.TaskInput.from_object(
                {
                    "request": f"A model package waits for approval to deploy to stack {target.stack_name} "
                    f"(endpoint {target.endpoint_name})",
                    "model_package_arn": arn,
                    "how": "With a role that has the approver policy: aws stepfunctions get-activity-task "
                    f"--activity-arn <{stage}ApprovalActivity>, check its input, then send-task-success "
                    "--task-output '{}' (or send-task-failure --error Rejected) with the token it returned.",
                }
            ),
            result_path=sfn.JsonPath.DISCARD,
        )
        notify.add_retry(
            errors=["SNS.ThrottledException", "SNS.InternalErrorException", "States.Timeout"],
            interval=durations.seconds(5),
            backoff_rate=2,
            max_attempts=6,
            jitter_strategy=sfn.JitterType.FULL,
        )
        notify.add_catch(self._rollout_failed, errors=["States.ALL"], result_path="$.failure")
        approval = tasks.StepFunctionsInvokeActivity(
            self,
            f"{stage}Approval",
            activity=activity,
            parameters={
                "model_package_arn": arn,
                "stack_name": target.stack_name,
                "endpoint_name": target.endpoint_name,
                "execution": sfn.JsonPath.execution_id,
            },
            task_timeout=sfn.Timeout.duration(approval_timeout),
            result_path=sfn.JsonPath.DISCARD,
        )
        approval.add_catch(
            sfn.Fail(
                self,
                f"{stage}NotApproved",
                error="NotApproved",
                comment=f"Deployment to {target.stack_name} rejected or not approved in time",
            ),
            errors=["States.ALL"],
        )
        return notify.next(approval).next(deploy)

    def grant_approve(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` (an approver's role or user) take and answer the approval tasks of the
        targets that require approval: the only way to approve a rollout."""
        if self.approver_policy is None:
            raise ConstructValidationError(
                f"DeployOnApproval '{construct_path(self)}' has invalid input:\n"
                "  - grant_approve: no target requires approval"
            )
        principal = grantee.grant_principal
        if isinstance(principal, (iam.Role, iam.User, iam.Group)):
            principal.add_managed_policy(self.approver_policy)
            return iam.Grant.drop(grantee, "the approver policy is attached")
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["states:GetActivityTask", "states:SendTaskSuccess", "states:SendTaskFailure"],
            resource_arns=[a.activity_arn for a in self.approval_activities.values()],
        )


_COLON = ArnFormat.COLON_RESOURCE_NAME


def _arn_name(name: str) -> str:
    """SageMaker ARNs hold resource names in lower case (tokens are left as they are)."""
    return name if is_unresolved(name) else name.lower()
