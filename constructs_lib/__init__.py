"""constructs_lib: AWS CDK v2 constructs for a complete, secure Amazon SageMaker ML platform."""

from constructs_lib._internal.validation import ConstructValidationError
from constructs_lib.access_log_bucket import AccessLogBucket
from constructs_lib.data_capture import DataCaptureOptions
from constructs_lib.compliance import COMPLIANCE_PACKS, acknowledge, add_compliance_checks
from constructs_lib.encryption_key import EncryptionKey
from constructs_lib.private_network import DEFAULT_INTERFACE_ENDPOINTS, INTERFACE_ENDPOINT_SERVICES, PrivateNetwork
from constructs_lib.secure_bucket import SecureBucket
from constructs_lib.audit_trail import DEFAULT_SENSITIVE_ACTIONS, AuditTrail, SensitiveAction
from constructs_lib.labeling_workforce import LabelingWorkforce
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
from constructs_lib.team_access import TEAM_TAG_KEY, TeamAccess
from constructs_lib.alert_topic import AlertTopic
from constructs_lib.feature_group import DataCatalogOptions, FeatureDefinition, FeatureGroup, FeatureType, TableFormat
from constructs_lib.mlflow_tracking_server import MlflowTrackingServer, TrackingServerSize
from constructs_lib.platform_budget import PlatformBudget

__version__ = "0.1.0"

__all__ = [
    "AccessLogBucket",
    "acknowledge",
    "add_compliance_checks",
    "AdditionalInformation",
    "AlertTopic",
    "AuditTrail",
    "BusinessDetails",
    "COMPLIANCE_PACKS",
    "ConstructValidationError",
    "DataCaptureOptions",
    "DataCatalogOptions",
    "DEFAULT_INTERFACE_ENDPOINTS",
    "DEFAULT_SENSITIVE_ACTIONS",
    "EncryptionKey",
    "EvaluationDetail",
    "EvaluationMetric",
    "FeatureDefinition",
    "FeatureGroup",
    "FeatureType",
    "IntendedUses",
    "INTERFACE_ENDPOINT_SERVICES",
    "LabelingWorkforce",
    "MetricGroup",
    "MlflowTrackingServer",
    "ModelCard",
    "ModelCardStatus",
    "ModelOverview",
    "ObjectiveFunction",
    "PlatformBudget",
    "PrivateNetwork",
    "RiskRating",
    "SecureBucket",
    "SensitiveAction",
    "TableFormat",
    "TEAM_TAG_KEY",
    "TeamAccess",
    "TrackingServerSize",
    "TrainingDetails",
    "TrainingMetric",
]
