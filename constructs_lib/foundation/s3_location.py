"""``S3Location``: a key prefix in a bucket, as SageMaker jobs read and write it."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from constructs_lib._core.stack_facts import read_once


@dataclass(frozen=True)
class S3Location:
    """A prefix (``raw/``) or object key (``code/train.py``) in a bucket.

    Job roles grant on it (``JobRole(inputs=[...])``) and pipeline steps take it wherever an S3 URI goes,
    so permissions and arguments name the same place.

    :param bucket: the bucket (its ``encryption_key``, if it has one, is granted along).
    :param prefix: key prefix or key, without a leading '/'; '' is the whole bucket.
    """

    bucket: s3.IBucket
    prefix: str = ""

    @property
    def encryption_key(self) -> kms.IKey | None:
        """The bucket's KMS key (known for a bucket created in the app with one, like a ``SecureBucket``)."""
        return read_once(self.bucket, "encryption_key")

    @property
    def uri(self) -> str:
        """``s3://<bucket>/<prefix>``."""
        return f"s3://{read_once(self.bucket, 'bucket_name')}/{self.prefix}"

    @property
    def objects_pattern(self) -> str:
        """The object key pattern of this location: ``<prefix>*``.

        That is SageMaker's own meaning of an S3 prefix (``S3DataType: S3Prefix`` reads every key that
        starts with it), and it covers a single object (``code/train.py``) as well as a folder.
        """
        return f"{self.prefix}*"

    def child(self, suffix: str) -> S3Location:
        """A location under this one: ``S3Location(b, "pipelines/").child("train")``."""
        base = self.prefix if not self.prefix or self.prefix.endswith("/") else f"{self.prefix}/"
        return S3Location(self.bucket, f"{base}{suffix.lstrip('/')}")
