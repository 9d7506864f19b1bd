"""Foundations every other area builds on: keys, buckets, topics, the private network, compliance checks."""

from constructs_lib.foundation.access_log_bucket import (
    AccessLogBucket,
)
from constructs_lib.foundation.alert_topic import (
    AlertTopic,
)
from constructs_lib.foundation.compliance import (
    COMPLIANCE_PACKS,
    RUNTIME_CONTRACTS,
    acknowledge,
    acknowledge_runtime_contract,
    add_compliance_checks,
)
from constructs_lib.foundation.encryption_key import (
    EncryptionKey,
)
from constructs_lib.foundation.network import (
    S3_GATEWAY_ENDPOINT,
    INetwork,
)
from constructs_lib.foundation.private_network import (
    DEFAULT_INTERFACE_ENDPOINTS,
    INTERFACE_ENDPOINT_SERVICES,
    PrivateNetwork,
)
from constructs_lib.foundation.s3_location import (
    S3Location,
)
from constructs_lib.foundation.secure_bucket import (
    SecureBucket,
)

__all__ = [
    "AccessLogBucket",
    "acknowledge",
    "acknowledge_runtime_contract",
    "add_compliance_checks",
    "AlertTopic",
    "COMPLIANCE_PACKS",
    "DEFAULT_INTERFACE_ENDPOINTS",
    "EncryptionKey",
    "INetwork",
    "INTERFACE_ENDPOINT_SERVICES",
    "PrivateNetwork",
    "RUNTIME_CONTRACTS",
    "S3_GATEWAY_ENDPOINT",
    "S3Location",
    "SecureBucket",
]
