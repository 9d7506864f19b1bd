"""Training: job roles, container images, the model registry and typed SageMaker Pipelines."""

from constructs_lib.training.job_role import (
    JOB_KINDS,
    JobRole,
)
from constructs_lib.training.ml_pipeline import (
    MlPipeline,
)
from constructs_lib.training.model_package_group import (
    IModelPackageGroup,
    ModelPackageGroup,
    ModelPackageGroupBase,
)

__all__ = [
    "IModelPackageGroup",
    "JOB_KINDS",
    "JobRole",
    "MlPipeline",
    "ModelPackageGroup",
    "ModelPackageGroupBase",
]
