"""Training: job roles, container images, the model registry and typed SageMaker Pipelines."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from constructs_lib.training.analysis_config_upload import AnalysisConfigUploads
    from constructs_lib.training.code import Code, ScriptSource
    from constructs_lib.training.container_images import (
        BUILT_IN_ALGORITHMS,
        SKLEARN_REPOSITORY,
        XGBOOST_REPOSITORY,
        AlgorithmCompute,
        AlgorithmImage,
        BuiltInAlgorithm,
        FrameworkImage,
        algorithm_registry_account,
        aws_owned_registry,
        deep_learning_containers_account,
        image_table_source,
        registry_table,
        sklearn_image_uri,
        xgboost_image_uri,
    )
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
else:
    from constructs_lib._core.lazy_exports import lazy_exports

    # Each exported name's module, imported when the name is first used: importing the package
    # imports none of them (see constructs_lib._core.lazy_exports).
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "constructs_lib.training.analysis_config_upload": ("AnalysisConfigUploads",),
            "constructs_lib.training.code": ("Code", "ScriptSource"),
            "constructs_lib.training.container_images": (
                "BUILT_IN_ALGORITHMS",
                "SKLEARN_REPOSITORY",
                "XGBOOST_REPOSITORY",
                "AlgorithmCompute",
                "AlgorithmImage",
                "BuiltInAlgorithm",
                "FrameworkImage",
                "algorithm_registry_account",
                "aws_owned_registry",
                "deep_learning_containers_account",
                "image_table_source",
                "registry_table",
                "sklearn_image_uri",
                "xgboost_image_uri",
            ),
            "constructs_lib.training.job_role": ("JOB_KINDS", "JobRole"),
            "constructs_lib.training.ml_pipeline": (
                "PIPELINE_METRICS_NAMESPACE",
                "IMlPipeline",
                "MlPipeline",
                "MlPipelineBase",
            ),
            "constructs_lib.training.model_package_group": (
                "IModelPackageGroup",
                "ModelPackageGroup",
                "ModelPackageGroupBase",
            ),
            "constructs_lib.training.pipeline.values": ("ModelApprovalStatus",),
        },
    )

__all__ = [
    "AnalysisConfigUploads",
    "AlgorithmCompute",
    "AlgorithmImage",
    "BUILT_IN_ALGORITHMS",
    "BuiltInAlgorithm",
    "FrameworkImage",
    "Code",
    "IMlPipeline",
    "IModelPackageGroup",
    "algorithm_registry_account",
    "aws_owned_registry",
    "image_table_source",
    "registry_table",
    "deep_learning_containers_account",
    "JOB_KINDS",
    "JobRole",
    "MlPipeline",
    "ModelApprovalStatus",
    "MlPipelineBase",
    "ModelPackageGroup",
    "ModelPackageGroupBase",
    "PIPELINE_METRICS_NAMESPACE",
    "ScriptSource",
    "sklearn_image_uri",
    "SKLEARN_REPOSITORY",
    "xgboost_image_uri",
    "XGBOOST_REPOSITORY",
]
