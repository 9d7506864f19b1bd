"""Taking a KMS key from the user, or making one."""

from __future__ import annotations

from aws_cdk import aws_kms as kms
from constructs import Construct

from constructs_lib._core.jsii_types import as_key
from constructs_lib._core.service_role import publisher_source_arn
from constructs_lib.foundation.encryption_key import EncryptionKey


def key_or_new(scope: Construct, key: kms.IKey | None, description: str, construct_id: str = "Key") -> kms.IKey:
    """``key`` as a ``kms.IKey``; a new ``EncryptionKey`` (rotation, retained, usable by CloudWatch
    Logs, CloudWatch alarms and EventBridge of this account) under ``scope`` when None."""
    if key is None:
        return as_key(EncryptionKey(scope, construct_id, description=description))
    return key


def allow_publisher(scope: Construct, key: kms.IKey | None, service: str) -> None:
    """Let ``service`` (``events.amazonaws.com``: rules deliver to queues and dead-letter queues;
    ``cloudwatch.amazonaws.com``: alarms publish to topics) use ``key``, for this account's rules or
    alarms only (``aws:SourceAccount`` and ``aws:SourceArn``). Only an ``EncryptionKey``'s policy can be
    extended here; a key of your own must allow the service itself."""
    if isinstance(key, EncryptionKey):
        key.allow_service(service, source_arn=publisher_source_arn(scope, service))
