"""Ground Truth labeling: built-in task types per region and the workflow that labels new data."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
else:
    from constructs_lib._core.lazy_exports import lazy_exports

    # Each exported name's module, imported when the name is first used: importing the package
    # imports none of them (see constructs_lib._core.lazy_exports).
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "constructs_lib.labeling.labeling_workflow": (
                "JOB_NAME_PREFIX_PATTERN",
                "LABEL_EVENT_TIME",
                "LABEL_FEATURES",
                "LABEL_RECORD_IDENTIFIER",
                "AutoLabeling",
                "LabelingWorkflow",
                "WorkerInstructions",
            ),
            "constructs_lib.labeling.task_types": ("GROUND_TRUTH_LAMBDA_ACCOUNTS", "LabelingTaskType", "ManifestLine"),
        },
    )

__all__ = [
    "LABEL_EVENT_TIME",
    "LABEL_FEATURES",
    "LABEL_RECORD_IDENTIFIER",
    "AutoLabeling",
    "GROUND_TRUTH_LAMBDA_ACCOUNTS",
    "JOB_NAME_PREFIX_PATTERN",
    "LabelingTaskType",
    "LabelingWorkflow",
    "ManifestLine",
    "WorkerInstructions",
]
