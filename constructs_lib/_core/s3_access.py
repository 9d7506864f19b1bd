"""Least-privilege S3 access to object prefixes, written out (CDK's ``grant_read`` adds
``s3:GetObject*``, ``s3:List*``... action wildcards), with the one unavoidable object wildcard
acknowledged: the one path of the library's S3 object and prefix grants.

- ``objects_statement``: exact actions on the objects matching a key pattern of one bucket.
- ``list_prefix_statement`` (``list_prefix_conditions``): ``s3:ListBucket`` limited to key
  prefixes (``s3:prefix``), the whole bucket only when no prefix is given.
- ``grant_objects``: objects (and the bucket key's actions) to any grantee, wildcard acknowledged.
- ``grant_prefix``: read or write one prefix and list it, for a role.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from constructs_lib._core.grants import S3_READ, S3_WRITE
from constructs_lib._core.roles import ManagedPolicyRole, add_statements, add_to_principal, permissions_policy
from constructs_lib._core.stack_facts import aws_partition, read_once
from constructs_lib._core.validation import is_unresolved
from constructs_lib._core.wildcards import acknowledge_exact_wildcard, acknowledge_statement_wildcards


@dataclass(frozen=True)
class S3Uri:
    """A parsed ``s3://<bucket>/<key>`` URI (either part may hold a token); not to be confused with
    the public ``constructs_lib.S3Location``, a bucket object and a prefix."""

    bucket: str
    key: str

    @classmethod
    def parse(cls, uri: object) -> S3Uri | None:
        """None unless ``uri`` is ``s3://bucket[/key]`` (tokens allowed inside the parts)."""
        if not isinstance(uri, str) or not uri.startswith("s3://"):
            return None
        bucket, _, key = uri[len("s3://") :].partition("/")
        if not bucket or (not is_unresolved(bucket) and not _valid_bucket(bucket)):
            return None
        return cls(bucket=bucket, key=key)

    @property
    def bucket_arn(self) -> str:
        return f"arn:{aws_partition()}:s3:::{self.bucket}"

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def _valid_bucket(name: str) -> bool:
    return 3 <= len(name) <= 63 and all(c.islower() or c.isdigit() or c in ".-" for c in name)


def list_prefix_conditions(*prefixes: str) -> dict[str, Any] | None:
    """The condition limiting ``s3:ListBucket`` to keys under ``prefixes`` (``s3:prefix``, StringLike
    patterns such as ``models/*``); None, the whole bucket, when every prefix is empty."""
    patterns = [prefix for prefix in prefixes if prefix]
    return {"StringLike": {"s3:prefix": patterns}} if patterns else None


def list_prefix_statement(bucket_arn: str, *prefixes: str, sid: str | None = None) -> iam.PolicyStatement:
    """``s3:ListBucket`` on the bucket, limited to keys under ``prefixes`` (``list_prefix_conditions``)."""
    return iam.PolicyStatement(
        sid=sid, actions=["s3:ListBucket"], resources=[bucket_arn], conditions=list_prefix_conditions(*prefixes)
    )


def objects_statement(
    bucket_arn: str,
    key_pattern: str,
    actions: Sequence[str],
    *,
    sid: str | None = None,
    conditions: dict[str, Any] | None = None,
) -> iam.PolicyStatement:
    """Exactly ``actions`` on the objects of a bucket matching ``key_pattern`` (``bucket.arn_for_objects``)."""
    return iam.PolicyStatement(
        sid=sid, actions=list(actions), resources=[f"{bucket_arn}/{key_pattern}"], conditions=conditions
    )


def objects_arn(bucket: s3.IBucket, key_pattern: str) -> str:
    """``bucket.arn_for_objects(key_pattern)``; for an ``s3.Bucket`` (whose objects' ARN is its ARN, "/"
    and the pattern) built here from the ARN read once."""
    if isinstance(bucket, s3.Bucket):
        return f"{read_once(bucket, 'bucket_arn')}/{key_pattern}"
    return bucket.arn_for_objects(key_pattern)


def add_to_bucket_policy(bucket: s3.IBucket, statements: Sequence[iam.PolicyStatement]) -> None:
    """``bucket.add_to_resource_policy`` of each statement, in order, without their results. For an
    ``s3.Bucket`` (not a subclass with its own ``add_to_resource_policy``), the first makes the bucket
    policy where there is none and the rest go to its document in one call, where aws-cdk-lib's
    ``Bucket`` adds them too: jsii reads each result's two fields back, three round trips a statement."""
    if not statements:
        return
    first, *rest = statements
    bucket.add_to_resource_policy(first)
    policy = (
        bucket.policy
        if rest
        and isinstance(bucket, s3.Bucket)
        and type(bucket).add_to_resource_policy is s3.Bucket.add_to_resource_policy
        else None
    )
    if policy is not None:
        policy.document.add_statements(*rest)
    else:
        for statement in rest:
            bucket.add_to_resource_policy(statement)


def grant_objects(
    grantee: iam.IGrantable,
    bucket: s3.IBucket,
    key_pattern: str,
    actions: Sequence[str],
    *,
    key: kms.IKey | None,
    kms_actions: Sequence[str],
    why: str,
) -> iam.Grant:
    """Grant ``actions`` on ``bucket``'s objects matching ``key_pattern`` (and ``kms_actions`` on ``key``).

    ``why`` says what the prefix holds; it becomes the reason of the wildcard acknowledgment.
    """
    resource = objects_arn(bucket, key_pattern)
    grant = iam.Grant.add_to_principal(grantee=grantee, actions=list(actions), resource_arns=[resource])
    if key is not None:
        key_arn: str = read_once(key, "key_arn")
        add_to_principal(grantee, kms_actions, [key_arn])
    principal = grantee if isinstance(grantee, ManagedPolicyRole) else read_once(grantee, "grant_principal")
    if "*" in key_pattern and isinstance(principal, iam.Role):
        # Imported roles (not iam.Role) keep their own policies: nothing is added to acknowledge.
        acknowledge_exact_wildcard(
            principal,
            f"Objects under this prefix are named at run time ({why}); the grant is limited to the "
            "prefix and to the exact S3 actions needed.",
            resource,
        )
    return grant


def grant_prefix(role: iam.IRole, *, bucket_arn: str, key_prefix: str, write: bool, sid: str, why: str) -> None:
    """Let ``role`` read (or write) the objects under ``key_prefix`` of a bucket, and list that prefix.

    ``key_prefix`` without a trailing '*': a folder ends with '/' (``model-monitor/``); an object key
    (``baselines/constraints.json``) covers that object and objects whose key starts with it.
    """
    prefix = key_prefix.lstrip("/")
    add_statements(
        role,
        [
            objects_statement(bucket_arn, f"{prefix}*", S3_WRITE if write else S3_READ, sid=sid),
            list_prefix_statement(bucket_arn, f"{prefix}*" if prefix else "", sid=f"{sid}List"),
        ],
    )
    if isinstance(role, ManagedPolicyRole):
        acknowledge_statement_wildcards(
            permissions_policy(role),
            f"{why}: object permissions name the objects under one key prefix, which S3 expresses only with "
            "a trailing '*'; the statement is limited to that prefix of that bucket.",
            sid,
        )


def s3_uri(bucket: s3.IBucket, prefix: str = "") -> str:
    """``s3://<bucket>/<prefix>`` (``s3://<bucket>`` without a prefix), for any bucket."""
    return bucket.s3_url_for_object(prefix) if prefix else f"s3://{bucket.bucket_name}"
