"""``EncryptionKey``: a customer-managed KMS key that the platform's services can use."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from constructs_lib._core import durations
from constructs_lib._core.durations import in_days
from constructs_lib._core.grants import KMS_CLOUDWATCH_LOGS, KMS_DECRYPT, KMS_SERVICE_PUBLISH
from constructs_lib._core.jsii_types import as_principals
from constructs_lib._core.logical_ids import keep_logical_ids
from constructs_lib._core.service_role import service_statement
from constructs_lib._core.stack_facts import aws_partition, path_of, remember_place, stack_facts
from constructs_lib._core.validation import Problems

#: Service principals allowed to use a key by default (with ``aws:SourceAccount`` pinned to the
#: key's account): CloudWatch alarms and EventBridge publish to KMS-encrypted SNS topics and queues.
DEFAULT_SERVICE_PRINCIPALS: tuple[str, ...] = ("cloudwatch.amazonaws.com", "events.amazonaws.com")

_ALIAS_ALLOWED = "must start with 'alias/', use letters, digits, '/', '_' or '-', and not start with 'alias/aws/'"


class EncryptionKey(kms.Key):
    """A ``kms.Key`` with yearly rotation, retained when its stack is deleted: pass it wherever a
    ``kms.IKey`` goes (``encryption_key=`` of a bucket, a queue, a log group...).

    The key policy keeps the account's IAM in charge (the CDK default), lets CloudWatch Logs in the
    key's region encrypt the account's log groups, and lets the listed service principals of the
    same account use it. Grants to roles go through ``grant_*`` so that policies stay least-privilege.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        description: str = "constructs_lib platform key",
        alias: str | None = None,
        allow_cloudwatch_logs: bool = True,
        service_principals: Sequence[str] = DEFAULT_SERVICE_PRINCIPALS,
        pending_window: Duration | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param description: the key's description in the KMS console.
        :param alias: default, no alias; otherwise an alias such as ``alias/ml-platform/data``.
        :param allow_cloudwatch_logs: default True: CloudWatch Logs in this region may use the key
            for log groups of this account (encryption-context condition on the log-group ARN).
        :param service_principals: default CloudWatch and EventBridge; service principals of this
            account allowed to encrypt and decrypt (for example to publish to encrypted SNS topics).
        :param pending_window: default 30 days; days KMS waits before deleting a scheduled key (7-30).
        :param removal_policy: default RETAIN; DESTROY schedules the key's deletion with the stack's.
        """
        problems = Problems(path_of(scope, construct_id), "EncryptionKey")
        pending_window = pending_window or durations.days(30)
        if alias is not None:
            problems.check(
                alias.startswith("alias/")
                and not alias.startswith("alias/aws/")
                and all(c.isalnum() or c in "/_-" for c in alias),
                "alias",
                alias,
                _ALIAS_ALLOWED,
            )
        problems.check_range("pending_window (days)", in_days(pending_window), minimum=7, maximum=30, integer=True)
        for principal in service_principals:
            problems.check(
                principal.endswith(".amazonaws.com"),
                "service_principals",
                principal,
                "must be AWS service principals such as 'events.amazonaws.com'",
            )
        problems.raise_if_any()

        super().__init__(
            scope,
            construct_id,
            description=description,
            enable_key_rotation=True,
            pending_window=pending_window,
            removal_policy=removal_policy,
            alias=alias,
        )
        remember_place(self, scope, construct_id)
        # Until 0.2 the key was the child "Resource" of this construct: its logical ID stays.
        keep_logical_ids(self)
        self._services: dict[str, list[tuple[str, ...]]] = {}
        if allow_cloudwatch_logs:
            self._allow_cloudwatch_logs()
        for principal in service_principals:
            self.allow_service(principal)

    def allow_service(self, service_principal: str, *, source_arn: str | Sequence[str] | None = None) -> None:
        """Let ``service_principal`` encrypt and decrypt with the key, for this key's account only
        (``aws:SourceAccount``) and, with ``source_arn``, for those resources only. Asking again for a
        service already allowed for every resource of the account, or for the same ``source_arn``,
        changes nothing (the constructs that wire a key each ask for what they need)."""
        sources = (source_arn,) if isinstance(source_arn, str) else tuple(source_arn or ())
        allowed = self._services.setdefault(service_principal, [])
        if () in allowed or sources in allowed:
            return
        allowed.append(sources)
        self._add_to_key_policy(
            service_statement(
                self,
                sid=f"Allow{service_principal.split('.')[0].title()}{len(allowed) if len(allowed) > 1 else ''}",
                service=service_principal,
                actions=list(KMS_SERVICE_PUBLISH),
                resources=["*"],  # in a key policy, "*" is this key
                source_arn=source_arn,
            )
        )

    def _add_to_key_policy(self, statement: iam.PolicyStatement) -> None:
        """``add_to_resource_policy`` for the key's own statements, without its result: the statement
        goes straight to the key policy (aws-cdk-lib's ``Key`` adds it there too), one round trip to
        Node instead of three (jsii reads the result's two fields back). A subclass with its own
        ``add_to_resource_policy`` gets the statement through it."""
        policy = self._key_policy if type(self).add_to_resource_policy is kms.Key.add_to_resource_policy else None
        if policy is None:
            self.add_to_resource_policy(statement)
        else:
            policy.add_statements(statement)

    @functools.cached_property
    def _key_policy(self) -> iam.PolicyDocument | None:
        """The key policy (aws-cdk-lib's ``Key`` makes it when the key is made), read once."""
        return self._policy

    def allow_cloudwatch_logs_to_decrypt(self) -> None:
        """Let CloudWatch Logs keep decrypting events of this account's log groups that this key
        encrypted before they moved to another key: CloudWatch Logs reads each event with the key it
        was written with (``AssociateKmsKey``: "This association is stored as long as the data
        encrypted with the KMS key is still within CloudWatch Logs"). Decrypt only, nothing new."""
        self._allow_cloudwatch_logs(sid="AllowCloudWatchLogsToReadOlderEvents", actions=KMS_DECRYPT)

    def _allow_cloudwatch_logs(
        self,
        *,
        sid: str = "AllowCloudWatchLogs",
        actions: Sequence[str] = KMS_CLOUDWATCH_LOGS,
    ) -> None:
        # Pinned by the encryption context instead of aws:SourceAccount: KMS binds the log group's
        # ARN (with this account) to every data key, which is the condition the CloudWatch Logs guide
        # prescribes ("Encrypt log data in CloudWatch Logs using AWS KMS", step 2).
        stack = stack_facts(self)
        self._add_to_key_policy(
            iam.PolicyStatement(
                sid=sid,
                principals=as_principals([iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")]),
                actions=list(actions),
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{aws_partition()}:logs:{stack.region}:{stack.account}:log-group:*"
                        )
                    }
                },
            )
        )
