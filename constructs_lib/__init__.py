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

__version__ = "0.1.0"

__all__ = [
    "AccessLogBucket",
    "AdditionalInformation",
    "AuditTrail",
    "BusinessDetails",
    "COMPLIANCE_PACKS",
    "ConstructValidationError",
    "DataCaptureOptions",
    "DEFAULT_INTERFACE_ENDPOINTS",
    "DEFAULT_SENSITIVE_ACTIONS",
    "EncryptionKey",
    "EvaluationDetail",
    "EvaluationMetric",
    "INTERFACE_ENDPOINT_SERVICES",
    "IntendedUses",
    "LabelingWorkforce",
    "MetricGroup",
    "ModelCard",
    "ModelCardStatus",
    "ModelOverview",
    "ObjectiveFunction",
    "PrivateNetwork",
    "RiskRating",
    "SecureBucket",
    "SensitiveAction",
    "TEAM_TAG_KEY",
    "TeamAccess",
    "TrainingDetails",
    "TrainingMetric",
    "acknowledge",
    "add_compliance_checks",
]
