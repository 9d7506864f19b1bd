"""Least-privilege S3 access to one prefix, written out (``grant_read`` adds ``s3:GetObject*``,
``s3:List*``... action wildcards), with the one unavoidable object wildcard acknowledged."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Aws
from aws_cdk import aws_iam as iam

from constructs_lib._core.roles import ManagedPolicyRole
from constructs_lib._core.validation import is_unresolved
from constructs_lib._core.wildcards import acknowledge_statement_wildcards


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
        return f"arn:{Aws.PARTITION}:s3:::{self.bucket}"

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def _valid_bucket(name: str) -> bool:
    return 3 <= len(name) <= 63 and all(c.islower() or c.isdigit() or c in ".-" for c in name)


def grant_prefix(role: iam.IRole, *, bucket_arn: str, key_prefix: str, write: bool, sid: str, why: str) -> None:
    """Let ``role`` read (or write) the objects under ``key_prefix`` of a bucket, and list that prefix.

    ``key_prefix`` without a trailing '*': a folder ends with '/' (``model-monitor/``); an object key
    (``baselines/constraints.json``) covers that object and objects whose key starts with it.
    """
    prefix = key_prefix.lstrip("/")
    actions = ["s3:PutObject", "s3:AbortMultipartUpload"] if write else ["s3:GetObject"]
    role.add_to_principal_policy(iam.PolicyStatement(sid=sid, actions=actions, resources=[f"{bucket_arn}/{prefix}*"]))
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid=f"{sid}List",
            actions=["s3:ListBucket"],
            resources=[bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}} if prefix else None,
        )
    )
    if isinstance(role, ManagedPolicyRole):
        acknowledge_statement_wildcards(
            role.managed_policy,
            sid,
            f"{why}: object permissions name the objects under one key prefix, which S3 expresses only with "
            "a trailing '*'; the statement is limited to that prefix of that bucket.",
        )
