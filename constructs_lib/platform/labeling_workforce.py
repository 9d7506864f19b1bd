"""``LabelingWorkforce``: a Ground Truth private workteam whose workers sign in through Cognito."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import cast

from aws_cdk import RemovalPolicy
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from constructs import Construct

from constructs_lib._core import durations
from constructs_lib._core.jsii_types import as_interface, as_key, as_topic
from constructs_lib._core.service_role import service_statement
from constructs_lib._core.stack_facts import construct_path
from constructs_lib._core.validation import Problems
from constructs_lib.foundation._topics import AlertTopicInPlaceOfSnsTopic
from constructs_lib.foundation.encryption_key import EncryptionKey

_WORKFORCE_NAME = re.compile(r"^[a-zA-Z0-9]([a-zA-Z0-9\-]){0,62}$")
#: Cognito prefix domains: ``<prefix>.auth.<region>.amazoncognito.com``.
COGNITO_DOMAIN_PREFIX_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_RESERVED_IN_DOMAIN = ("aws", "amazon", "cognito")


class LabelingWorkforce(Construct):
    """Defines a private Ground Truth workteam backed by a Cognito user pool.

    A private workforce is one per account and region and corresponds to one Cognito user pool;
    a workteam is a group of that pool. By default this construct declares both: a new user pool
    (MFA required with authenticator apps, threat protection enforced on the Plus plan, a
    12-character password policy, invitation only, email sign-in and recovery), its app client,
    its hosted-UI domain, the region's workforce (``AWS::SageMaker::Workforce``, optionally limited
    to source CIDRs) and the workteam for one group of the pool. When the region already has a
    Cognito workforce, pass its ``user_pool`` and ``user_pool_client``: only the group and the
    workteam are added. Work notifications go to an SNS topic encrypted with a KMS key.

    SageMaker sets the app client's callback URLs to the labeling portal when it creates the
    workforce; a later change of the client in this template would reset them.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        workteam_name: str,
        description: str = "Private labeling workteam",
        cognito_domain_prefix: str | None = None,
        user_pool: cognito.IUserPool | None = None,
        user_pool_client: cognito.IUserPoolClient | None = None,
        workforce_name: str = "private-workforce",
        allowed_source_cidrs: Sequence[str] = (),
        threat_protection: bool = True,
        notification_topic: sns.ITopic | None = None,
        encryption_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param workteam_name: the workteam's name (and its Cognito group's), SageMaker name rules.
        :param description: default "Private labeling workteam"; 1-200 characters.
        :param cognito_domain_prefix: required with a new user pool: prefix of the hosted sign-in
            domain ``<prefix>.auth.<region>.amazoncognito.com`` (unique in the region; lowercase
            letters, digits and '-'; without 'aws', 'amazon' or 'cognito').
        :param user_pool: default, a new user pool and workforce; otherwise the user pool of the
            region's existing Cognito workforce (then ``user_pool_client`` is required too).
        :param user_pool_client: default, a new app client; the existing workforce's client.
        :param workforce_name: default ``private-workforce``; name of the new workforce.
        :param allowed_source_cidrs: default any; up to 10 IPv4 CIDR blocks workers may use the
            labeling portal from (new workforce only).
        :param threat_protection: default True: Plus feature plan with threat protection in
            enforcement mode (advanced security ENFORCED). False only where the Plus plan is not
            available; cdk-nag then reports AwsSolutions-COG8 for the caller to acknowledge.
        :param notification_topic: default, a new SNS topic encrypted with ``encryption_key``.
        :param encryption_key: default, a new ``EncryptionKey`` (for the new topic). An
            ``EncryptionKey`` is opened to ``sagemaker.amazonaws.com`` of this account.
        :param removal_policy: default RETAIN for the user pool (deletion protection on) and key;
            DESTROY deletes them with the stack.
        """
        super().__init__(scope, construct_id)
        problems = Problems(self, "LabelingWorkforce")
        problems.check_sagemaker_name("workteam_name", workteam_name)
        problems.check(1 <= len(description) <= 200, "description", description, "must be 1-200 characters")
        new_pool = user_pool is None
        problems.check(
            (user_pool is None) == (user_pool_client is None),
            "user_pool_client",
            user_pool_client and "given",
            "give user_pool and user_pool_client together, or neither",
        )
        if new_pool:
            problems.check(
                cognito_domain_prefix is not None,
                "cognito_domain_prefix",
                None,
                "is required with a new user pool (the workers' sign-in domain)",
            )
            problems.check_pattern(
                "workforce_name",
                workforce_name,
                _WORKFORCE_NAME,
                "must be 1-63 letters, digits or '-', starting with a letter or digit",
            )
        else:
            problems.check(
                cognito_domain_prefix is None,
                "cognito_domain_prefix",
                cognito_domain_prefix,
                "only applies to a new user pool (the existing workforce has its domain)",
            )
            problems.check(
                not allowed_source_cidrs,
                "allowed_source_cidrs",
                list(allowed_source_cidrs),
                "only applies to a new workforce; update the existing one instead",
            )
        if cognito_domain_prefix is not None:
            problems.check(
                bool(COGNITO_DOMAIN_PREFIX_PATTERN.match(cognito_domain_prefix))
                and not any(word in cognito_domain_prefix for word in _RESERVED_IN_DOMAIN),
                "cognito_domain_prefix",
                cognito_domain_prefix,
                "must be 1-63 lowercase letters, digits or '-', not start or end with '-', and not contain "
                "'aws', 'amazon' or 'cognito'",
            )
        problems.check(
            len(allowed_source_cidrs) <= 10,
            "allowed_source_cidrs (count)",
            len(allowed_source_cidrs),
            "must be at most 10",
        )
        for cidr in allowed_source_cidrs:
            problems.check(_is_ipv4_network(cidr), "allowed_source_cidrs", cidr, "must be IPv4 CIDR blocks")
        problems.raise_if_any()

        if encryption_key is None:
            encryption_key = as_key(
                EncryptionKey(
                    self,
                    "Key",
                    description=f"{construct_path(self)}: labeling notifications",
                    allow_cloudwatch_logs=False,
                    service_principals=(),
                    removal_policy=removal_policy,
                )
            )
        if isinstance(encryption_key, EncryptionKey):
            encryption_key.allow_service("sagemaker.amazonaws.com")
        self.encryption_key: kms.IKey = encryption_key

        self.workforce: sagemaker.CfnWorkforce | None = None
        self.domain: cognito.UserPoolDomain | None = None
        if new_pool:
            assert cognito_domain_prefix is not None  # required with a new pool, checked above
            user_pool, user_pool_client = self._new_pool(cognito_domain_prefix, threat_protection, removal_policy)
            self.workforce = sagemaker.CfnWorkforce(
                self,
                "Workforce",
                workforce_name=workforce_name,
                cognito_config=sagemaker.CfnWorkforce.CognitoConfigProperty(
                    user_pool=user_pool.user_pool_id, client_id=user_pool_client.user_pool_client_id
                ),
                source_ip_config=sagemaker.CfnWorkforce.SourceIpConfigProperty(cidrs=list(allowed_source_cidrs))
                if allowed_source_cidrs
                else None,
            )
            self.workforce.node.add_dependency(self.domain)
        assert user_pool is not None and user_pool_client is not None  # given together or both new (checked above)
        self.user_pool: cognito.IUserPool = user_pool
        self.user_pool_client: cognito.IUserPoolClient = as_interface(cognito.IUserPoolClient, user_pool_client)

        self.group = cognito.UserPoolGroup(
            self,
            "Group",
            user_pool=self.user_pool,
            group_name=workteam_name,
            description=f"Workers of the {workteam_name} labeling workteam",
        )
        if notification_topic is None:
            new_topic = AlertTopicInPlaceOfSnsTopic(
                self,
                "NotificationTopic",
                display_name=f"{workteam_name} work items",
                encryption_key=self.encryption_key,
                publishers=(),  # SageMaker Ground Truth: below, for any of this account's workteams
            )
            new_topic.add_to_resource_policy(
                service_statement(
                    self,
                    sid="AllowGroundTruthNotifications",
                    service="sagemaker.amazonaws.com",
                    actions=["sns:Publish"],
                    resources=[new_topic.topic_arn],
                )
            )
            notification_topic = as_topic(new_topic)
        self.notification_topic: sns.ITopic = notification_topic

        self.workteam = sagemaker.CfnWorkteam(
            self,
            "Resource",
            workteam_name=workteam_name,
            description=description,
            workforce_name=workforce_name if new_pool else None,
            member_definitions=[
                sagemaker.CfnWorkteam.MemberDefinitionProperty(
                    cognito_member_definition=sagemaker.CfnWorkteam.CognitoMemberDefinitionProperty(
                        cognito_user_pool=self.user_pool.user_pool_id,
                        cognito_client_id=self.user_pool_client.user_pool_client_id,
                        cognito_user_group=self.group.group_name,
                    )
                )
            ],
            notification_configuration=sagemaker.CfnWorkteam.NotificationConfigurationProperty(
                notification_topic_arn=self.notification_topic.topic_arn
            ),
        )
        if self.workforce is not None:
            self.workteam.node.add_dependency(self.workforce)

    @property
    def workteam_arn(self) -> str:
        return self.workteam.attr_workteam_arn

    @property
    def workteam_name(self) -> str:
        return cast(str, self.workteam.workteam_name)  # always set in __init__; the L1 types it optional

    def _new_pool(
        self, domain_prefix: str, threat_protection: bool, removal_policy: RemovalPolicy
    ) -> tuple[cognito.UserPool, cognito.UserPoolClient]:
        pool = cognito.UserPool(
            self,
            "UserPool",
            self_sign_up_enabled=False,  # workers are invited by an administrator
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                password_history_size=5,
                temp_password_validity=durations.days(3),
            ),
            feature_plan=cognito.FeaturePlan.PLUS if threat_protection else cognito.FeaturePlan.ESSENTIALS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION
            if threat_protection
            else None,
            deletion_protection=removal_policy == RemovalPolicy.RETAIN,
            removal_policy=removal_policy,
        )
        # OAuth code and implicit flows with the OpenID scopes the labeling portal asks for;
        # SageMaker replaces the callback URLs with the portal's when it creates the workforce.
        client = pool.add_client(
            "Client",
            generate_secret=True,
            prevent_user_existence_errors=True,
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True, implicit_code_grant=True),
                scopes=[cognito.OAuthScope.EMAIL, cognito.OAuthScope.OPENID, cognito.OAuthScope.PROFILE],
            ),
        )
        self.domain = pool.add_domain(
            "Domain", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=domain_prefix)
        )
        return pool, client


def _is_ipv4_network(value: str) -> bool:
    try:
        ipaddress.IPv4Network(value, strict=True)
        return True
    except (ValueError, TypeError):
        return False
