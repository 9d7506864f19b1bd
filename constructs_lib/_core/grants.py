"""The exact actions of the library's grants: S3 object actions and the one KMS action table.

CDK's ``bucket.grant_read`` adds ``s3:GetObject*``, ``s3:GetBucket*`` and ``s3:List*`` and
``key.grant_encrypt_decrypt`` ``kms:ReEncrypt*`` and ``kms:GenerateDataKey*``; SageMaker needs far
less. The S3 statements built from these live in ``_core/s3_access.py``.
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

S3_READ = ("s3:GetObject",)
S3_WRITE = ("s3:PutObject", "s3:AbortMultipartUpload")

# The KMS actions of every grant and key-policy statement of the library, by what the key is used
# for: the one table (no construct spells out KMS actions of its own). Exact actions for roles;
# wildcards only in key policies, where a service principal's calls are not ours to enumerate.
#: Read what the key encrypted: SSE-KMS objects, encrypted messages, a function's environment.
KMS_DECRYPT = ("kms:Decrypt",)
#: Write SSE-KMS objects or send encrypted messages (Decrypt: multipart uploads read data keys back).
KMS_ENCRYPT = ("kms:GenerateDataKey", "kms:Decrypt")
#: Describe the key (SageMaker checks a volume key before it creates grants).
KMS_DESCRIBE = ("kms:DescribeKey",)
#: Let an AWS service (SageMaker, for volumes) create grants; always with ``kms:GrantIsForAWSResource``.
KMS_CREATE_GRANT = ("kms:CreateGrant",)
#: ``grant_key_use(encrypt=False)``: decrypt and describe, what jobs and functions reading data need.
KMS_KEY_READ = ("kms:Decrypt", "kms:DescribeKey")
#: ``grant_key_use(encrypt=True)`` and Studio roles: encrypt, decrypt and make data keys.
KMS_KEY_USE = (*KMS_KEY_READ, "kms:Encrypt", "kms:GenerateDataKey")
#: SageMaker job roles: what the jobs' encrypted volumes and outputs call besides ``KMS_KEY_USE``.
KMS_JOB_KEY_USE = (*KMS_KEY_USE, "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo")
#: Key policy, service principals of this account (alarms, rules): publish to encrypted topics and queues.
KMS_SERVICE_PUBLISH = ("kms:Decrypt", "kms:GenerateDataKey*")
#: Key policy, CloudWatch Logs (the statement the CloudWatch Logs guide prescribes).
KMS_CLOUDWATCH_LOGS = ("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*")
#: Key policy, CloudTrail: encrypt log files (digests included).
KMS_CLOUDTRAIL_ENCRYPT = ("kms:GenerateDataKey*",)


def grant_key_use(key: kms.IKey, grantee: iam.IGrantable, *, encrypt: bool) -> iam.Grant:
    """Decrypt (and with ``encrypt``, encrypt and make data keys) with ``key``: the exact actions S3
    SSE-KMS and SageMaker jobs call, not ``grant_encrypt_decrypt``'s ``kms:ReEncrypt*`` and
    ``kms:GenerateDataKey*`` wildcards."""
    return key.grant(grantee, *(KMS_KEY_USE if encrypt else KMS_KEY_READ))
