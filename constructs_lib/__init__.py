"""constructs_lib: AWS CDK v2 constructs for a complete, secure Amazon SageMaker ML platform."""

from constructs_lib._internal.validation import ConstructValidationError
from constructs_lib.access_log_bucket import AccessLogBucket
from constructs_lib.data_capture import DataCaptureOptions
from constructs_lib.compliance import COMPLIANCE_PACKS, acknowledge, add_compliance_checks
from constructs_lib.encryption_key import EncryptionKey
from constructs_lib.private_network import DEFAULT_INTERFACE_ENDPOINTS, INTERFACE_ENDPOINT_SERVICES, PrivateNetwork
from constructs_lib.secure_bucket import SecureBucket
from constructs_lib.async_endpoint import AsyncEndpoint
from constructs_lib.endpoint_options import (
    INSTANCE_STORAGE_FAMILIES,
    AsyncScalingOptions,
    AutoScalingOptions,
    CapacitySize,
    CapacityUnit,
    DeploymentGuardrails,
    DeploymentStrategy,
    InstanceType,
    InstanceVariant,
    ProvisionedConcurrencyScaling,
    ScalingMetric,
    ScheduledScaling,
    ServerlessVariant,
    TrafficRouting,
)
from constructs_lib.inference_api import ApiAuthorization, InferenceApi
from constructs_lib.model import ContainerDefinition, ContainerImage, InferenceExecutionMode, Model, ModelData
from constructs_lib.realtime_endpoint import RealtimeEndpoint
from constructs_lib.serverless_endpoint import ServerlessEndpoint

__version__ = "0.1.0"

__all__ = [
    "AccessLogBucket",
    "ApiAuthorization",
    "AsyncEndpoint",
    "AsyncScalingOptions",
    "AutoScalingOptions",
    "CapacitySize",
    "CapacityUnit",
    "COMPLIANCE_PACKS",
    "ConstructValidationError",
    "ContainerDefinition",
    "ContainerImage",
    "DataCaptureOptions",
    "DEFAULT_INTERFACE_ENDPOINTS",
    "DeploymentGuardrails",
    "DeploymentStrategy",
    "EncryptionKey",
    "InferenceApi",
    "InferenceExecutionMode",
    "INSTANCE_STORAGE_FAMILIES",
    "InstanceType",
    "InstanceVariant",
    "INTERFACE_ENDPOINT_SERVICES",
    "Model",
    "ModelData",
    "PrivateNetwork",
    "ProvisionedConcurrencyScaling",
    "RealtimeEndpoint",
    "ScalingMetric",
    "ScheduledScaling",
    "SecureBucket",
    "ServerlessEndpoint",
    "ServerlessVariant",
    "TrafficRouting",
    "acknowledge",
    "add_compliance_checks",
]
