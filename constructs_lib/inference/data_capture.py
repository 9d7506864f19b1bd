"""``DataCaptureOptions``: what a real-time or async endpoint records for Model Monitor."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from constructs_lib._core.stack_facts import read_once
from constructs_lib.foundation.secure_bucket import SecureBucket


@dataclass(frozen=True)
class DataCaptureOptions:
    """Endpoint data capture (``DataCaptureConfig``).

    :param bucket: where captured requests and responses go.
    :param prefix: default ``data-capture``; key prefix under the bucket (no leading or trailing '/').
    :param sampling_percentage: default 100; share of requests captured, 0 to 100.
    :param capture_request: default True; capture the request payload (``Input``).
    :param capture_response: default True; capture the response payload (``Output``).
    :param kms_key: default, the bucket's key (a ``SecureBucket``'s) or none for other buckets.
    """

    bucket: s3.IBucket
    prefix: str = "data-capture"
    sampling_percentage: int = 100
    capture_request: bool = True
    capture_response: bool = True
    kms_key: kms.IKey | None = None

    @property
    def destination_s3_uri(self) -> str:
        return f"s3://{read_once(self.bucket, 'bucket_name')}/{self.prefix}"

    @property
    def encryption_key(self) -> kms.IKey | None:
        if self.kms_key is not None:
            return self.kms_key
        return read_once(self.bucket, "encryption_key") if isinstance(self.bucket, SecureBucket) else None
