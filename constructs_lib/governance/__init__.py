"""Governance: model cards and the audit trail."""

from constructs_lib.governance.audit_trail import (
    DEFAULT_SENSITIVE_ACTIONS,
    AuditTrail,
    SensitiveAction,
)
from constructs_lib.governance.model_card import (
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

__all__ = [
    "AdditionalInformation",
    "AuditTrail",
    "BusinessDetails",
    "DEFAULT_SENSITIVE_ACTIONS",
    "EvaluationDetail",
    "EvaluationMetric",
    "IntendedUses",
    "MetricGroup",
    "ModelCard",
    "ModelCardStatus",
    "ModelOverview",
    "ObjectiveFunction",
    "RiskRating",
    "SensitiveAction",
    "TrainingDetails",
    "TrainingMetric",
]
