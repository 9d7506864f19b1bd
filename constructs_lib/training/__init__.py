"""Training: job roles, container images, the model registry and typed SageMaker Pipelines."""

from constructs_lib.training.job_role import (
    JOB_KINDS,
    JobRole,
)
from constructs_lib.training.ml_pipeline import (
    PIPELINE_METRICS_NAMESPACE,
    IMlPipeline,
    MlPipeline,
    MlPipelineBase,
)
from constructs_lib.training.model_package_group import (
    IModelPackageGroup,
    ModelPackageGroup,
    ModelPackageGroupBase,
)
from constructs_lib.training.pipeline.values import (
    ModelApprovalStatus,
)

__all__ = [
    "IMlPipeline",
    "IModelPackageGroup",
    "JOB_KINDS",
    "JobRole",
    "MlPipeline",
    "ModelApprovalStatus",
    "MlPipelineBase",
    "ModelPackageGroup",
    "ModelPackageGroupBase",
    "PIPELINE_METRICS_NAMESPACE",
]
