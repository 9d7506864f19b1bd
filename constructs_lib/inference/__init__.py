"""Serving: models and real-time, serverless and asynchronous endpoints, inference components, the
inference API, idle capacity and working-hours schedules, idle cost."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from constructs_lib.inference.async_endpoint import (
        AsyncEndpoint,
    )
    from constructs_lib.inference.cost_summary import (
        PRICE_SOURCES,
        PRICE_TABLE,
        AlwaysOnCapacity,
        CostedConstruct,
        CostLine,
        CostSummary,
        idle_cost_summary,
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
        AsyncScalingOptions,
        CapacitySize,
        CapacityUnit,
        DeploymentGuardrails,
        DeploymentStrategy,
        GuardrailOptions,
        InstanceVariant,
        ScalingMetric,
        ScheduledScaling,
        ServerlessVariant,
        TrafficRouting,
    )
    from constructs_lib.inference.idle_capacity import (
        IdleCapacity,
        IdleOptions,
    )
    from constructs_lib.inference.inference_api import (
        ApiAuthorization,
        AuthorizationKind,
        InferenceApi,
    )
    from constructs_lib.inference.inference_component import (
        ComponentRollingUpdate,
        ComponentScaling,
        ComputeReservation,
        CopyBatch,
        CopyBatchUnit,
        IInferenceComponent,
        InferenceComponent,
        InferenceComponentEndpoint,
        RoutingStrategy,
    )
    from constructs_lib.inference.instance_capacity import (
        INSTANCE_CAPACITY,
        INSTANCE_CAPACITY_SOURCE,
        InstanceCapacity,
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
    from constructs_lib.inference.schedules import (
        WEEKDAYS,
        WorkingHours,
        scheduled_hours_per_week,
    )
    from constructs_lib.inference.serverless_endpoint import (
        ServerlessEndpoint,
        ServerlessProductionVariant,
    )
else:
    from constructs_lib._core.lazy_exports import lazy_exports

    # Each exported name's module, imported when the name is first used: importing the package
    # imports none of them (see constructs_lib._core.lazy_exports).
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "constructs_lib.inference.async_endpoint": ("AsyncEndpoint",),
            "constructs_lib.inference.cost_summary": (
                "PRICE_SOURCES",
                "PRICE_TABLE",
                "AlwaysOnCapacity",
                "CostedConstruct",
                "CostLine",
                "CostSummary",
                "idle_cost_summary",
            ),
            "constructs_lib.inference.data_capture": ("DataCaptureOptions",),
            "constructs_lib.inference.endpoint": ("IEndpoint", "InstanceProductionVariant", "ProductionVariant"),
            "constructs_lib.inference.endpoint_options": (
                "AsyncScalingOptions",
                "CapacitySize",
                "CapacityUnit",
                "DeploymentGuardrails",
                "DeploymentStrategy",
                "GuardrailOptions",
                "InstanceVariant",
                "ScalingMetric",
                "ScheduledScaling",
                "ServerlessVariant",
                "TrafficRouting",
            ),
            "constructs_lib.inference.idle_capacity": ("IdleCapacity", "IdleOptions"),
            "constructs_lib.inference.inference_api": ("ApiAuthorization", "AuthorizationKind", "InferenceApi"),
            "constructs_lib.inference.inference_component": (
                "ComponentRollingUpdate",
                "ComponentScaling",
                "ComputeReservation",
                "CopyBatch",
                "CopyBatchUnit",
                "IInferenceComponent",
                "InferenceComponent",
                "InferenceComponentEndpoint",
                "RoutingStrategy",
            ),
            "constructs_lib.inference.instance_capacity": (
                "INSTANCE_CAPACITY",
                "INSTANCE_CAPACITY_SOURCE",
                "InstanceCapacity",
            ),
            "constructs_lib.inference.model": (
                "ContainerDefinition",
                "ContainerImage",
                "IModel",
                "InferenceExecutionMode",
                "Model",
                "ModelData",
                "ModelPackageSources",
            ),
            "constructs_lib.inference.realtime_endpoint": ("RealtimeEndpoint",),
            "constructs_lib.inference.schedules": ("WEEKDAYS", "WorkingHours", "scheduled_hours_per_week"),
            "constructs_lib.inference.serverless_endpoint": ("ServerlessEndpoint", "ServerlessProductionVariant"),
        },
    )

__all__ = [
    "ComponentRollingUpdate",
    "ComponentScaling",
    "ComputeReservation",
    "CopyBatch",
    "CopyBatchUnit",
    "IInferenceComponent",
    "InferenceComponent",
    "InferenceComponentEndpoint",
    "RoutingStrategy",
    "IdleCapacity",
    "IdleOptions",
    "WorkingHours",
    "WEEKDAYS",
    "scheduled_hours_per_week",
    "INSTANCE_CAPACITY",
    "INSTANCE_CAPACITY_SOURCE",
    "InstanceCapacity",
    "AlwaysOnCapacity",
    "ApiAuthorization",
    "AsyncEndpoint",
    "AsyncScalingOptions",
    "AuthorizationKind",
    "IEndpoint",
    "IModel",
    "InstanceProductionVariant",
    "ProductionVariant",
    "ServerlessProductionVariant",
    "CapacitySize",
    "CapacityUnit",
    "ContainerDefinition",
    "ContainerImage",
    "CostedConstruct",
    "CostLine",
    "CostSummary",
    "DataCaptureOptions",
    "DeploymentGuardrails",
    "DeploymentStrategy",
    "GuardrailOptions",
    "idle_cost_summary",
    "InferenceApi",
    "InferenceExecutionMode",
    "InstanceVariant",
    "Model",
    "ModelData",
    "ModelPackageSources",
    "PRICE_SOURCES",
    "PRICE_TABLE",
    "RealtimeEndpoint",
    "ScalingMetric",
    "ScheduledScaling",
    "ServerlessEndpoint",
    "ServerlessVariant",
    "TrafficRouting",
]
