"""Serving: models and real-time, serverless and asynchronous endpoints, the inference API, idle cost."""

from constructs_lib.inference.async_endpoint import (
    AsyncEndpoint,
)
from constructs_lib.inference.data_capture import (
    DataCaptureOptions,
)
from constructs_lib.inference.endpoint import (
    IEndpoint,
    InstanceProductionVariant,
    ProductionVariant,
)
from constructs_lib.inference.endpoint_options import (
    INSTANCE_STORAGE_FAMILIES,
    AsyncScalingOptions,
    CapacitySize,
    CapacityUnit,
    DeploymentGuardrails,
    DeploymentStrategy,
    InstanceType,
    InstanceVariant,
    ScalingMetric,
    ScheduledScaling,
    ServerlessVariant,
    TrafficRouting,
)
from constructs_lib.inference.inference_api import (
    ApiAuthorization,
    InferenceApi,
)
from constructs_lib.inference.model import (
    ContainerDefinition,
    ContainerImage,
    IModel,
    InferenceExecutionMode,
    Model,
    ModelData,
    ModelPackageSources,
)
from constructs_lib.inference.realtime_endpoint import (
    RealtimeEndpoint,
)
from constructs_lib.inference.serverless_endpoint import (
    ServerlessEndpoint,
    ServerlessProductionVariant,
)

__all__ = [
    "IEndpoint",
    "IModel",
    "InstanceProductionVariant",
    "ProductionVariant",
    "ServerlessProductionVariant",
    "ApiAuthorization",
    "AsyncEndpoint",
    "AsyncScalingOptions",
    "CapacitySize",
    "CapacityUnit",
    "ContainerDefinition",
    "ContainerImage",
    "DataCaptureOptions",
    "DeploymentGuardrails",
    "DeploymentStrategy",
    "InferenceApi",
    "InferenceExecutionMode",
    "INSTANCE_STORAGE_FAMILIES",
    "InstanceType",
    "InstanceVariant",
    "Model",
    "ModelData",
    "ModelPackageSources",
    "RealtimeEndpoint",
    "ScalingMetric",
    "ScheduledScaling",
    "ServerlessEndpoint",
    "ServerlessVariant",
    "TrafficRouting",
]
