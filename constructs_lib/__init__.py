"""constructs_lib: AWS CDK v2 constructs for a complete, secure Amazon SageMaker ML platform."""

from constructs_lib._internal.tags import CREATE_ONLY_TAG_TYPES, add_mutable_tags
from constructs_lib._internal.validation import ConstructValidationError
from constructs_lib.access_log_bucket import AccessLogBucket
from constructs_lib.alert_topic import AlertTopic
from constructs_lib.async_endpoint import AsyncEndpoint
from constructs_lib.audit_trail import AuditTrail, DEFAULT_SENSITIVE_ACTIONS, SensitiveAction
from constructs_lib.compliance import (
    COMPLIANCE_PACKS,
    RUNTIME_CONTRACTS,
    acknowledge,
    acknowledge_runtime_contract,
    add_compliance_checks,
)
from constructs_lib.data_capture import DataCaptureOptions
from constructs_lib.deploy_on_approval import DeploymentTarget, DeployOnApproval, ServedModelPackage
from constructs_lib.encryption_key import EncryptionKey
from constructs_lib.endpoint_options import (
    AsyncScalingOptions,
    AutoScalingOptions,
    CapacitySize,
    CapacityUnit,
    DeploymentGuardrails,
    DeploymentStrategy,
    INSTANCE_STORAGE_FAMILIES,
    InstanceType,
    InstanceVariant,
    ProvisionedConcurrencyScaling,
    ScalingMetric,
    ScheduledScaling,
    ServerlessVariant,
    TrafficRouting,
)
from constructs_lib.feature_group import (
    DataCatalogOptions,
    FeatureDefinition,
    FeatureGroup,
    FeatureType,
    TableFormat,
)
from constructs_lib.inference_api import ApiAuthorization, InferenceApi
from constructs_lib.job_role import JOB_KINDS, JobRole
from constructs_lib.labeling_workforce import LabelingWorkforce
from constructs_lib.ml_pipeline import MlPipeline
from constructs_lib.mlflow_tracking_server import MlflowTrackingServer, TrackingServerSize
from constructs_lib.model import (
    ContainerDefinition,
    ContainerImage,
    InferenceExecutionMode,
    Model,
    ModelData,
    ModelPackageSources,
)
from constructs_lib.model_card import (
    AdditionalInformation,
    BusinessDetails,
    EvaluationDetail,
    EvaluationMetric,
    IntendedUses,
    MetricGroup,
    ModelCard,
    ModelCardStatus,
    ModelOverview,
    ObjectiveFunction,
    RiskRating,
    TrainingDetails,
    TrainingMetric,
)
from constructs_lib.model_monitor import (
    BiasDriftMonitorOptions,
    DataQualityMonitorOptions,
    FeatureAttributionMonitorOptions,
    ModelMonitor,
    ModelQualityMonitorOptions,
    MonitoringBaseline,
    MonitorSchedule,
    PROBLEM_TYPES,
)
from constructs_lib.model_package_group import ModelPackageGroup
from constructs_lib.monitoring_alarms import ModelQualityThreshold, MonitoringAlarms
from constructs_lib.monitoring_images import MonitoringImage
from constructs_lib.notebook_instance import NotebookInstance
from constructs_lib.platform_budget import PlatformBudget
from constructs_lib.private_network import (
    DEFAULT_INTERFACE_ENDPOINTS,
    INTERFACE_ENDPOINT_SERVICES,
    PrivateNetwork,
)
from constructs_lib.realtime_endpoint import RealtimeEndpoint
from constructs_lib.retraining_trigger import DriftRetraining, NewDataRetraining, ScheduledRetraining
from constructs_lib.s3_location import S3Location
from constructs_lib.secure_bucket import SecureBucket
from constructs_lib.serverless_endpoint import ServerlessEndpoint
from constructs_lib.studio_domain import IdleShutdown, NotebookSharing, StudioDomain
from constructs_lib.studio_execution_role import StudioExecutionRole
from constructs_lib.studio_lifecycle_config import StudioLifecycleConfig
from constructs_lib.studio_space import StudioSpace
from constructs_lib.studio_teardown import StudioTeardown
from constructs_lib.studio_user_profile import StudioUserProfile
from constructs_lib.team_access import TEAM_TAG_KEY, TeamAccess

__version__ = "0.1.0"

__all__ = [
    "AccessLogBucket",
    "acknowledge",
    "add_compliance_checks",
    "acknowledge_runtime_contract",
    "RUNTIME_CONTRACTS",
    "add_mutable_tags",
    "AdditionalInformation",
    "AlertTopic",
    "ApiAuthorization",
    "AsyncEndpoint",
    "AsyncScalingOptions",
    "AuditTrail",
    "AutoScalingOptions",
    "BiasDriftMonitorOptions",
    "BusinessDetails",
    "CapacitySize",
    "CapacityUnit",
    "COMPLIANCE_PACKS",
    "CREATE_ONLY_TAG_TYPES",
    "ConstructValidationError",
    "ContainerDefinition",
    "ContainerImage",
    "DataCaptureOptions",
    "DataCatalogOptions",
    "DataQualityMonitorOptions",
    "DEFAULT_INTERFACE_ENDPOINTS",
    "DEFAULT_SENSITIVE_ACTIONS",
    "DeploymentGuardrails",
    "DeploymentStrategy",
    "DeploymentTarget",
    "DeployOnApproval",
    "ServedModelPackage",
    "DriftRetraining",
    "EncryptionKey",
    "EvaluationDetail",
    "EvaluationMetric",
    "FeatureAttributionMonitorOptions",
    "FeatureDefinition",
    "FeatureGroup",
    "FeatureType",
    "IdleShutdown",
    "InferenceApi",
    "InferenceExecutionMode",
    "INSTANCE_STORAGE_FAMILIES",
    "InstanceType",
    "InstanceVariant",
    "IntendedUses",
    "INTERFACE_ENDPOINT_SERVICES",
    "JOB_KINDS",
    "JobRole",
    "LabelingWorkforce",
    "MetricGroup",
    "MlflowTrackingServer",
    "MlPipeline",
    "Model",
    "ModelCard",
    "ModelCardStatus",
    "ModelData",
    "ModelPackageSources",
    "ModelMonitor",
    "ModelOverview",
    "ModelPackageGroup",
    "ModelQualityMonitorOptions",
    "ModelQualityThreshold",
    "MonitoringAlarms",
    "MonitoringBaseline",
    "MonitoringImage",
    "MonitorSchedule",
    "NewDataRetraining",
    "NotebookInstance",
    "NotebookSharing",
    "ObjectiveFunction",
    "PlatformBudget",
    "PrivateNetwork",
    "PROBLEM_TYPES",
    "ProvisionedConcurrencyScaling",
    "RealtimeEndpoint",
    "RiskRating",
    "S3Location",
    "ScalingMetric",
    "ScheduledRetraining",
    "ScheduledScaling",
    "SecureBucket",
    "SensitiveAction",
    "ServerlessEndpoint",
    "ServerlessVariant",
    "StudioDomain",
    "StudioExecutionRole",
    "StudioLifecycleConfig",
    "StudioSpace",
    "StudioTeardown",
    "StudioUserProfile",
    "TableFormat",
    "TEAM_TAG_KEY",
    "TeamAccess",
    "TrackingServerSize",
    "TrafficRouting",
    "TrainingDetails",
    "TrainingMetric",
]
