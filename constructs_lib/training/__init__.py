"""Training: job roles, container images, the model registry and typed SageMaker Pipelines."""

from constructs_lib.training.job_role import (
    JOB_KINDS,
    JobRole,
)
from constructs_lib.training.ml_pipeline import (
    MlPipeline,
)
from constructs_lib.training.model_package_group import (
    ModelPackageGroup,
)
from constructs_lib.training.pipeline.values import (
    ModelApprovalStatus,
)

__all__ = [
    "JOB_KINDS",
    "JobRole",
    "MlPipeline",
    "ModelApprovalStatus",
    "ModelPackageGroup",
]
