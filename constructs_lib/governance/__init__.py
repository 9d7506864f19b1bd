"""Governance: model cards and the audit trail."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
else:
    from constructs_lib._core.lazy_exports import lazy_exports

    # Each exported name's module, imported when the name is first used: importing the package
    # imports none of them (see constructs_lib._core.lazy_exports).
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "constructs_lib.governance.audit_trail": ("DEFAULT_SENSITIVE_ACTIONS", "AuditTrail", "SensitiveAction"),
            "constructs_lib.governance.model_card": (
                "AdditionalInformation",
                "BusinessDetails",
                "EvaluationDetail",
                "EvaluationMetric",
                "IntendedUses",
                "MetricGroup",
                "ModelCard",
                "ModelCardStatus",
                "ModelOverview",
                "ObjectiveFunction",
                "RiskRating",
                "TrainingDetails",
                "TrainingMetric",
            ),
        },
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
