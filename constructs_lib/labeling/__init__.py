"""Ground Truth labeling: built-in task types per region and the workflow that labels new data."""

from constructs_lib.labeling.labeling_workflow import (
    JOB_NAME_PREFIX_PATTERN,
    LABEL_EVENT_TIME,
    LABEL_FEATURES,
    LABEL_RECORD_IDENTIFIER,
    AutoLabeling,
    LabelingWorkflow,
    WorkerInstructions,
)
from constructs_lib.labeling.task_types import (
    GROUND_TRUTH_LAMBDA_ACCOUNTS,
    LabelingTaskType,
    ManifestLine,
)

__all__ = [
    "AutoLabeling",
    "GROUND_TRUTH_LAMBDA_ACCOUNTS",
    "JOB_NAME_PREFIX_PATTERN",
    "LABEL_EVENT_TIME",
    "LABEL_FEATURES",
    "LABEL_RECORD_IDENTIFIER",
    "LabelingTaskType",
    "LabelingWorkflow",
    "ManifestLine",
    "WorkerInstructions",
]
