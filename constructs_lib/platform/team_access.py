"""``TeamAccess``: a team's own prefix of the data bucket, its key grant, its tag and its role."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import jsii
from aws_cdk import CfnResource, Tags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_lib._core.grants import KMS_ENCRYPT
from constructs_lib._core.jsii_types import as_principals, as_role
from constructs_lib._core.roles import ManagedPolicyRole
from constructs_lib._core.s3_access import add_to_bucket_policy, list_prefix_statement, objects_arn, objects_statement
from constructs_lib._core.service_role import service_principal
from constructs_lib._core.stack_facts import construct_path, stack_facts, stack_of
from constructs_lib._core.validation import Problems
from constructs_lib._core.wildcards import acknowledge_resource_wildcards

#: The tag that names a principal's (and a resource's) team.
TEAM_TAG_KEY = "team"

#: Team names: 1-32 lowercase letters, digits or '-' (usable in S3 keys, tags and IAM names).
TEAM_NAME_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")
_PREFIX = re.compile(r"^[A-Za-z0-9!_.()'-]+(?:/[A-Za-z0-9!_.()'-]+)*/$")

#: What a team may do with the objects under its prefix.
TEAM_OBJECT_ACTIONS: tuple[str, ...] = (
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:GetObjectTagging",
    "s3:PutObject",
    "s3:PutObjectTagging",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
)
#: What the bucket policy denies everyone but the team (and the platform roles) under its prefix:
#: every object read and write, whatever version (a Deny may name action wildcards).
GUARDED_OBJECT_ACTIONS: tuple[str, ...] = (
    "s3:GetObject*",
    "s3:PutObject*",
    "s3:DeleteObject*",
    "s3:RestoreObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
)
#: The construct aws-cdk-lib adds to a stack whose buckets empty themselves on delete.
_AUTO_DELETE_PROVIDER = "Custom::S3AutoDeleteObjectsCustomResourceProvider"


@dataclass(frozen=True)
class _Registered:
    team_name: str
    prefix: str
    user_profile_names: frozenset[str]
    path: str


class _TeamRegistry(Construct):
    """The teams that share one bucket: a resource-less child of the bucket's construct, so that
    every ``TeamAccess`` on the bucket (in any stack of the app) sees the others."""

    ID = "TeamAccessRegistry"

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.teams: dict[str, _Registered] = {}

    @classmethod
    def of(cls, bucket: s3.IBucket) -> _TeamRegistry:
        found = bucket.node.try_find_child(cls.ID)
        return (
            found if isinstance(found, _TeamRegistry) else cls(cast(Construct, bucket), cls.ID)
        )  # a bucket is a construct

    def collisions(self, candidate: _Registered) -> list[tuple[str, str]]:
        """``(argument, message)`` for each way ``candidate`` collides with a registered team."""
        found: list[tuple[str, str]] = []
        for other in self.teams.values():
            if other.team_name == candidate.team_name:
                found.append(("team_name", f"is already a team of this bucket (at {other.path})"))
            if other.prefix.startswith(candidate.prefix) or candidate.prefix.startswith(other.prefix):
                found.append(
                    (
                        "prefix",
                        f"overlaps team {other.team_name!r}'s prefix {other.prefix!r} (at "
                        f"{other.path}); team prefixes must not contain one another",
                    )
                )
            shared = sorted(other.user_profile_names & candidate.user_profile_names)
            if shared:
                found.append(
                    (
                        "user_profile_names",
                        f"{shared} already belong to team {other.team_name!r} (at "
                        f"{other.path}); a user profile belongs to one team",
                    )
                )
        return found


@jsii.implements(iam.IGrantable)
class TeamAccess(Construct):
    """Defines a team's access to the shared data bucket, kept apart from every other team's.

    The team (a set of SageMaker Studio user profiles) gets:

    * its own key prefix of the bucket (default ``teams/<team>/``): a customer-managed policy
      allows reading, writing and listing there and nowhere else in the bucket;
    * its own use of the bucket's KMS key: decrypt and generate data keys only through S3 in this
      region (``kms:ViaService``) and only for this bucket or objects under its prefix
      (``kms:EncryptionContext:aws:s3:arn``; with S3 Bucket Keys the context is the bucket's ARN);
    * a role (default assumed by SageMaker: the execution role of the team's user profiles, jobs
      and pipelines) with that policy, tagged ``team=<team>``;
    * a guard in the bucket policy, whatever other policies grant: every principal whose ``team``
      tag is not this team (untagged ones included) is denied the prefix's objects and listing it
      or anything above it (``teams/``, the bucket root) except one level at a time (``s3:delimiter``
      ``/``, which shows the team's name, not its keys); the team's own principals may list only
      their prefix. The platform's own roles named in ``platform_principal_arns`` (and the
      bucket's auto-delete function) are the only exceptions (``aws:PrincipalArn``).

    Every ``TeamAccess`` on one bucket is registered with it: a team name used twice, prefixes that
    contain one another (``teams/a/`` and ``teams/a/b/``) or a user profile in two teams fail at synth.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        team_name: str,
        bucket: s3.IBucket,
        user_profile_names: Sequence[str] = (),
        prefix: str | None = None,
        encryption_key: kms.IKey | None = None,
        assumed_by: iam.IPrincipal | None = None,
        guard_bucket_policy: bool = True,
        platform_principal_arns: Sequence[str] = (),
    ) -> None:
        """
        :param team_name: the team, e.g. ``fraud-detection``: 1-32 lowercase letters, digits or
            '-'; also the value of its ``team`` tag.
        :param bucket: the shared data bucket.
        :param user_profile_names: default none; the team's SageMaker Studio user profiles, which
            use ``role`` as their execution role (``user_profile_tags`` for their tags).
        :param prefix: default ``teams/<team_name>/``; the team's key prefix (ends with '/', no
            wildcards).
        :param encryption_key: default, the bucket's key (a ``SecureBucket``'s or an
            ``s3.Bucket``'s); needed for an imported SSE-KMS bucket.
        :param assumed_by: default ``sagemaker.amazonaws.com``; who assumes the team's role.
        :param guard_bucket_policy: default True; deny this prefix to every principal not tagged
            with this team in the bucket policy (no effect on an imported bucket, whose policy is
            its owner's).
        :param platform_principal_arns: default none; ARNs or ARN patterns (``aws:PrincipalArn``) of
            platform roles outside every team that the guard lets through: a pipeline that reads
            every team's data, a break-glass administrator. Values of the bucket's stack or literals.
        """
        super().__init__(scope, construct_id)
        s3_bucket = bucket
        key = encryption_key or bucket.encryption_key
        prefix = prefix if prefix is not None else f"teams/{team_name}/"

        problems = Problems(self, "TeamAccess")
        problems.check_pattern(
            "team_name",
            team_name,
            TEAM_NAME_PATTERN,
            "must be 1-32 lowercase letters, digits or '-', starting and ending with a letter or digit",
        )
        problems.check_pattern(
            "prefix",
            prefix,
            _PREFIX,
            "must be S3 key segments separated by '/', ending with '/', without a leading '/' "
            "or wildcards, e.g. 'teams/fraud-detection/'",
        )
        for name in user_profile_names:
            problems.check_sagemaker_name("user_profile_names", name)
        problems.check_unique("user_profile_names", user_profile_names)
        registry = _TeamRegistry.of(s3_bucket)
        candidate = _Registered(team_name, prefix, frozenset(user_profile_names), construct_path(self))
        for prop, message in registry.collisions(candidate):
            problems.add(prop, {"team_name": team_name, "prefix": prefix}.get(prop, list(user_profile_names)), message)
        problems.raise_if_any()
        registry.teams[team_name] = candidate

        self.team_name = team_name
        self.prefix = prefix
        self.bucket = s3_bucket
        self.user_profile_names: tuple[str, ...] = tuple(user_profile_names)

        statements = [
            list_prefix_statement(s3_bucket.bucket_arn, prefix, f"{prefix}*", sid="ListTeamPrefix"),
            objects_statement(s3_bucket.bucket_arn, f"{prefix}*", TEAM_OBJECT_ACTIONS, sid="ReadWriteTeamObjects"),
        ]
        if key is not None:
            statements.append(
                iam.PolicyStatement(
                    sid="UseBucketKeyForTeamObjects",
                    actions=list(KMS_ENCRYPT),
                    resources=[key.key_arn],
                    conditions={
                        "StringEquals": {"kms:ViaService": f"s3.{stack_facts(self).region}.amazonaws.com"},
                        "StringLike": {
                            "kms:EncryptionContext:aws:s3:arn": [
                                s3_bucket.bucket_arn,
                                objects_arn(s3_bucket, f"{prefix}*"),
                            ]
                        },
                    },
                )
            )
        self.role = ManagedPolicyRole(
            self,
            "Role",
            assumed_by=assumed_by or service_principal(self, "sagemaker.amazonaws.com"),
            description=f"Team {team_name}: execution role of its user profiles, jobs and pipelines",
        )
        self.managed_policy = iam.ManagedPolicy(
            self,
            "Resource",
            description=f"Team {team_name}: its prefix {prefix} of the data bucket",
            statements=statements,
            roles=[as_role(self.role)],
        )
        acknowledge_resource_wildcards(
            self.managed_policy,
            f"Objects under the team's own prefix '{prefix}' only: an S3 key prefix is a wildcard by nature.",
            [f"/{prefix}*"],
        )
        Tags.of(self).add(TEAM_TAG_KEY, team_name)

        if guard_bucket_policy:
            self._guard(s3_bucket, team_name, prefix, platform_principal_arns)

    @property
    def user_profile_tags(self) -> Mapping[str, str]:
        """Tags for the team's user profiles (and anything else that belongs to the team)."""
        return {TEAM_TAG_KEY: self.team_name}

    @property
    def role_arn(self) -> str:
        return self.role.role_arn

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The team's role: pass this construct wherever a grantee goes (``bucket.grant_read(it)``)."""
        return self.role.grant_principal

    def s3_url(self, key: str = "") -> str:
        """``s3://<bucket>/<team prefix><key>``: where the team's jobs read and write."""
        return f"s3://{self.bucket.bucket_name}/{self.prefix}{key}"

    def attach_to(self, role: iam.IRole) -> None:
        """Give another role (e.g. an existing Studio execution role) the team's data access."""
        self.managed_policy.attach_to_role(role)

    @staticmethod
    def teams_of(bucket: s3.IBucket) -> Mapping[str, str]:
        """The teams registered on ``bucket``: team name to prefix."""
        s3_bucket = bucket
        found = s3_bucket.node.try_find_child(_TeamRegistry.ID)
        return {t.team_name: t.prefix for t in found.teams.values()} if isinstance(found, _TeamRegistry) else {}

    def _guard(self, bucket: s3.IBucket, team_name: str, prefix: str, platform: Sequence[str]) -> None:
        tag = f"aws:PrincipalTag/{TEAM_TAG_KEY}"
        exempt = [*platform, *_auto_delete_roles(bucket)]
        not_platform = {"ArnNotLike": {"aws:PrincipalArn": exempt}} if exempt else {}
        # StringNotEquals is true for a principal without the tag: untagged principals are outsiders.
        outsider = {**not_platform, "StringNotEquals": {tag: team_name}}
        above = _enclosing_prefixes(prefix)
        statements: list[iam.PolicyStatement] = []

        def deny(actions: Sequence[str], resource: str, conditions: Mapping[str, Any]) -> None:
            statements.append(
                iam.PolicyStatement(
                    effect=iam.Effect.DENY,
                    principals=as_principals([iam.AnyPrincipal()]),
                    actions=list(actions),
                    resources=[resource],
                    conditions=conditions,
                )
            )

        deny(GUARDED_OBJECT_ACTIONS, objects_arn(bucket, f"{prefix}*"), outsider)
        deny(["s3:ListBucket"], bucket.bucket_arn, {**outsider, "StringLike": {"s3:prefix": [f"{prefix}*"]}})
        # Listing above the prefix shows the team's keys unless one level at a time ("/" delimiter).
        deny(
            ["s3:ListBucket"],
            bucket.bucket_arn,
            {
                **not_platform,
                "StringNotEquals": {tag: team_name, "s3:delimiter": "/"},
                "StringEquals": {"s3:prefix": above},
            },
        )
        deny(
            ["s3:ListBucket"],
            bucket.bucket_arn,
            {**not_platform, "StringNotEquals": {tag: team_name, "s3:delimiter": "/"}, "Null": {"s3:prefix": "true"}},
        )
        # The team's own principals list their prefix only (a missing s3:prefix is "not like": denied).
        deny(
            ["s3:ListBucket"],
            bucket.bucket_arn,
            {**not_platform, "StringEquals": {tag: team_name}, "StringNotLike": {"s3:prefix": [prefix, f"{prefix}*"]}},
        )
        add_to_bucket_policy(bucket, statements)


def _enclosing_prefixes(prefix: str) -> list[str]:
    """Every listing prefix whose results include keys under ``prefix``: its proper prefixes, "" included."""
    return [prefix[:end] for end in range(len(prefix))]


def _auto_delete_roles(bucket: s3.IBucket) -> list[str]:
    """The role of aws-cdk-lib's auto-delete function in ``bucket``'s stack, when the bucket empties
    itself on delete (it deletes every object version, team prefixes included)."""
    if bucket.node.try_find_child("AutoDeleteObjectsCustomResource") is None:
        return []
    provider = stack_of(bucket).node.try_find_child(_AUTO_DELETE_PROVIDER)
    role = provider.node.try_find_child("Role") if provider is not None else None
    return [stack_of(bucket).resolve(role.get_att("Arn"))] if isinstance(role, CfnResource) else []
