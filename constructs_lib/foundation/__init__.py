"""Foundations every other area builds on: keys, buckets, topics, the private network, compliance checks,
and the security helpers every nag-compliant stack needs (managed-policy roles, service principals
pinned to the account, dead-letter queues)."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from constructs_lib._core.queues import dead_letter_queue
    from constructs_lib._core.roles import ManagedPolicyRole
    from constructs_lib._core.service_role import pin_provider_roles, pin_role_trust, service_principal
    from constructs_lib.foundation.access_log_bucket import (
        AccessLogBucket,
    )
    from constructs_lib.foundation.alert_topic import (
        AlertTopic,
        allow_service_to_publish,
    )
    from constructs_lib.foundation.compliance import (
        COMPLIANCE_PACKS,
        RUNTIME_CONTRACTS,
        acknowledge,
        acknowledge_runtime_contract,
        acknowledge_statement_wildcards,
        acknowledge_wildcard_resources,
        add_compliance_checks,
    )
    from constructs_lib.foundation.container_image import (
        ContainerImage,
        grant_repository_pull,
    )
    from constructs_lib.foundation.encryption_key import (
        EncryptionKey,
    )
    from constructs_lib.foundation.instance_type import (
        INSTANCE_STORAGE_FAMILIES,
        InstanceType,
        InstanceTypeApi,
    )
    from constructs_lib.foundation.network import (
        FEATURE_STORE_RUNTIME_ENDPOINT,
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
else:
    from constructs_lib._core.lazy_exports import lazy_exports

    # Each exported name's module, imported when the name is first used: importing the package
    # imports none of them (see constructs_lib._core.lazy_exports).
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "constructs_lib._core.queues": ("dead_letter_queue",),
            "constructs_lib._core.roles": ("ManagedPolicyRole",),
            "constructs_lib._core.service_role": ("pin_provider_roles", "pin_role_trust", "service_principal"),
            "constructs_lib.foundation.access_log_bucket": ("AccessLogBucket",),
            "constructs_lib.foundation.alert_topic": ("AlertTopic", "allow_service_to_publish"),
            "constructs_lib.foundation.compliance": (
                "COMPLIANCE_PACKS",
                "RUNTIME_CONTRACTS",
                "acknowledge",
                "acknowledge_runtime_contract",
                "acknowledge_statement_wildcards",
                "acknowledge_wildcard_resources",
                "add_compliance_checks",
            ),
            "constructs_lib.foundation.container_image": ("ContainerImage", "grant_repository_pull"),
            "constructs_lib.foundation.encryption_key": ("EncryptionKey",),
            "constructs_lib.foundation.instance_type": ("INSTANCE_STORAGE_FAMILIES", "InstanceType", "InstanceTypeApi"),
            "constructs_lib.foundation.network": ("FEATURE_STORE_RUNTIME_ENDPOINT", "S3_GATEWAY_ENDPOINT", "INetwork"),
            "constructs_lib.foundation.private_network": (
                "DEFAULT_INTERFACE_ENDPOINTS",
                "INTERFACE_ENDPOINT_SERVICES",
                "PrivateNetwork",
            ),
            "constructs_lib.foundation.s3_location": ("S3Location",),
            "constructs_lib.foundation.secure_bucket": ("SecureBucket",),
        },
    )

__all__ = [
    "allow_service_to_publish",
    "AccessLogBucket",
    "acknowledge",
    "acknowledge_runtime_contract",
    "acknowledge_statement_wildcards",
    "acknowledge_wildcard_resources",
    "add_compliance_checks",
    "AlertTopic",
    "COMPLIANCE_PACKS",
    "ContainerImage",
    "dead_letter_queue",
    "DEFAULT_INTERFACE_ENDPOINTS",
    "FEATURE_STORE_RUNTIME_ENDPOINT",
    "EncryptionKey",
    "grant_repository_pull",
    "INSTANCE_STORAGE_FAMILIES",
    "InstanceType",
    "InstanceTypeApi",
    "INetwork",
    "INTERFACE_ENDPOINT_SERVICES",
    "ManagedPolicyRole",
    "pin_provider_roles",
    "pin_role_trust",
    "PrivateNetwork",
    "RUNTIME_CONTRACTS",
    "S3_GATEWAY_ENDPOINT",
    "S3Location",
    "SecureBucket",
    "service_principal",
]
