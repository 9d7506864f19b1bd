"""``StudioUserProfile``: a data scientist's profile in a Studio domain."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import jsii
from aws_cdk import IResource, Resource
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk.interfaces import aws_sagemaker as sagemaker_refs
from constructs import Construct
from typing_extensions import Protocol, runtime_checkable

from constructs_lib._core.arns import sagemaker_arn
from constructs_lib._core.service_model import check_shape
from constructs_lib._core.validation import Problems
from constructs_lib._core.vpc_access import security_group_ids


class AuthMode(StrEnum):
    """How users sign in to a Studio domain (botocore ``AuthMode``)."""

    #: IAM: presigned URLs (``sagemaker:CreatePresignedDomainUrl``).
    IAM = "IAM"
    #: IAM Identity Center: each user profile names its Identity Center user.
    SSO = "SSO"


@runtime_checkable
class IUserProfile(IResource, sagemaker_refs.IUserProfileRef, Protocol):
    """A user profile of a Studio domain: made here (``StudioUserProfile``) or imported
    (``StudioUserProfile.from_user_profile_attributes``)."""

    @property
    def user_profile_name(self) -> str: ...

    @property
    def user_profile_arn(self) -> str: ...

    @property
    def domain_id(self) -> str: ...

    def grant_sign_in(self, grantee: iam.IGrantable) -> iam.Grant: ...


@jsii.implements(sagemaker_refs.IUserProfileRef)
class UserProfileBase(Resource):
    """What every user profile offers, made here or imported."""

    _name: str
    _domain_id: str

    @property
    def user_profile_name(self) -> str:
        return self._name

    @property
    def domain_id(self) -> str:
        return self._domain_id

    @property
    def user_profile_arn(self) -> str:
        raise NotImplementedError

    @property
    def user_profile_ref(self) -> sagemaker_refs.UserProfileReference:
        return sagemaker_refs.UserProfileReference(
            domain_id=self.domain_id, user_profile_arn=self.user_profile_arn, user_profile_name=self.user_profile_name
        )

    def grant_sign_in(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` (a person's IAM role) open Studio as this profile (IAM domains:
        ``sagemaker:CreatePresignedDomainUrl``, which the console also uses)."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["sagemaker:CreatePresignedDomainUrl"], resource_arns=[self.user_profile_arn]
        )


class StudioUserProfile(UserProfileBase):
    """Defines a user profile of a Studio domain, with the domain's defaults or its own role.

    Usually created with ``StudioDomain.add_user_profile``. In an SSO domain, each profile names its
    IAM Identity Center user (``sso_user_name``); in an IAM domain it must not.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain_id: str,
        user_profile_name: str,
        auth_mode: AuthMode = AuthMode.IAM,
        sso_user_name: str | None = None,
        execution_role: iam.IRole | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] = (),
    ) -> None:
        """
        :param domain_id: the domain's id.
        :param user_profile_name: 1-63 letters, digits or hyphens (SageMaker's pattern).
        :param auth_mode: default ``AuthMode.IAM``; the domain's authentication mode.
        :param sso_user_name: IAM Identity Center user name; required in SSO domains, refused in IAM ones.
        :param execution_role: default, the domain's execution role; a role of this profile's own.
        :param security_groups: default, the domain's; the profile's apps' security groups (with
            ``execution_role``).
        """
        super().__init__(scope, construct_id, physical_name=user_profile_name)
        problems = Problems(self, "StudioUserProfile")
        problems.check_sagemaker_name("user_profile_name", user_profile_name)
        check_shape(problems, "auth_mode", auth_mode, "CreateDomainRequest.AuthMode")
        if auth_mode == AuthMode.SSO:
            problems.check(
                bool(sso_user_name),
                "sso_user_name",
                sso_user_name,
                "is required in an SSO (IAM Identity Center) domain: the user's Identity Center user name",
            )
        else:
            problems.check(
                sso_user_name is None,
                "sso_user_name",
                sso_user_name,
                "is only for SSO domains (auth_mode=AuthMode.SSO)",
            )
        if sso_user_name is not None:
            problems.check(1 <= len(sso_user_name) <= 256, "sso_user_name", sso_user_name, "must be 1-256 characters")
        problems.check(len(security_groups) <= 5, "security_groups", len(security_groups), "must be at most 5")
        problems.raise_if_any()

        self._name = user_profile_name
        self._domain_id = domain_id
        self.execution_role = execution_role
        user_settings = None
        if execution_role is not None or security_groups:
            user_settings = sagemaker.CfnUserProfile.UserSettingsProperty(
                execution_role=execution_role.role_arn if execution_role else None,
                security_groups=security_group_ids(security_groups) or None,
            )
        self.resource = sagemaker.CfnUserProfile(
            self,
            "Resource",
            domain_id=domain_id,
            user_profile_name=user_profile_name,
            single_sign_on_user_identifier="UserName" if sso_user_name else None,
            single_sign_on_user_value=sso_user_name,
            user_settings=user_settings,
        )

    @property
    def user_profile_arn(self) -> str:
        return self.resource.attr_user_profile_arn

    @classmethod
    def from_user_profile_attributes(
        cls, scope: Construct, construct_id: str, *, domain_id: str, user_profile_name: str
    ) -> IUserProfile:
        """An existing profile of the domain ``domain_id`` in this stack's account and region."""
        return _ImportedUserProfile(scope, construct_id, domain_id=domain_id, user_profile_name=user_profile_name)


class _ImportedUserProfile(UserProfileBase):
    def __init__(self, scope: Construct, construct_id: str, *, domain_id: str, user_profile_name: str) -> None:
        super().__init__(scope, construct_id)
        self._name = user_profile_name
        self._domain_id = domain_id

    @property
    def user_profile_arn(self) -> str:
        return sagemaker_arn(self, "user-profile", f"{self._domain_id}/{self._name}")
