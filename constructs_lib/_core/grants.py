"""Least-privilege grants with exact actions (no ``s3:GetObject*``-style wildcards).

CDK's ``bucket.grant_read`` adds ``s3:GetObject*``, ``s3:GetBucket*`` and ``s3:List*``; SageMaker
needs far less. These helpers grant the exact actions on an object key pattern, the matching KMS
actions on the bucket's key, and acknowledge the one unavoidable wildcard (the key prefix) with its
reason on the grantee only.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from constructs_lib._core.wildcards import acknowledge_exact_wildcard

S3_READ = ("s3:GetObject",)
S3_WRITE = ("s3:PutObject", "s3:AbortMultipartUpload")
KMS_DECRYPT = ("kms:Decrypt",)
KMS_ENCRYPT = ("kms:GenerateDataKey", "kms:Decrypt")  # Decrypt: multipart uploads read data keys back


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
    resource = bucket.arn_for_objects(key_pattern)
    grant = iam.Grant.add_to_principal(grantee=grantee, actions=list(actions), resource_arns=[resource])
    if key is not None:
        iam.Grant.add_to_principal(grantee=grantee, actions=list(kms_actions), resource_arns=[key.key_arn])
    principal = grantee.grant_principal
    if "*" in key_pattern and isinstance(principal, iam.Role):
        # Imported roles (not iam.Role) keep their own policies: nothing is added to acknowledge.
        acknowledge_exact_wildcard(
            principal,
            resource,
            f"Objects under this prefix are named at run time ({why}); the grant is limited to the "
            "prefix and to the exact S3 actions needed.",
        )
    return grant
