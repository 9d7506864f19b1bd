"""Ground Truth's built-in task types and the AWS-owned resources each uses, per region.

Source: the SageMaker API reference, ``HumanTaskConfig.PreHumanTaskLambdaArn``,
``AnnotationConsolidationConfig.AnnotationConsolidationLambdaArn``, ``UiConfig.HumanTaskUiArn`` and
``LabelingJobAlgorithmsConfig.LabelingJobAlgorithmSpecificationArn``, as shipped in botocore 1.44.8's
``sagemaker/2017-07-24/service-2.json`` (read 2026-12-01). Every built-in task type lists the same
12 regions there, each with one AWS account that owns the pre-annotation (``PRE-<task>``) and
annotation-consolidation (``ACS-<task>``) functions of that region; ``tests/constructs_lib/
test_labeling_task_types.py`` checks every region and task type of this table against botocore's
text, so a botocore update that adds a region shows up there.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

#: The account owning Ground Truth's ``PRE-*`` and ``ACS-*`` Lambda functions in each region.
GROUND_TRUTH_LAMBDA_ACCOUNTS: dict[str, str] = {
    "us-east-1": "432418664414",
    "us-east-2": "266458841044",
    "us-west-2": "081040173940",
    "ca-central-1": "918755190332",
    "eu-west-1": "568282634449",
    "eu-west-2": "487402164563",
    "eu-central-1": "203001061592",
    "ap-northeast-1": "477331159723",
    "ap-northeast-2": "845288260483",
    "ap-south-1": "565803892007",
    "ap-southeast-1": "377565633583",
    "ap-southeast-2": "454466003867",
}
#: The account of the built-in worker UIs (``human-task-ui/<name>``), the same in every region.
HUMAN_TASK_UI_ACCOUNT = "394669845002"
#: The account of the automated-labeling algorithms (``labeling-job-algorithm-specification/<name>``).
LABELING_ALGORITHM_ACCOUNT = "027400017018"


class ManifestLine(Enum):
    """How the labeling workflow turns a new object into its line of the input manifest."""

    #: ``{"source-ref": "s3://<bucket>/<key>"}``: images, video clips, video frame and 3D point cloud
    #: sequence files; Ground Truth reads the object with the job's role.
    SOURCE_REF = "source-ref"
    #: ``{"source": "<the object's text>"}``: text tasks take the text itself (a UTF-8 object).
    SOURCE = "source"
    #: The object is itself one manifest line (a JSON object with ``source-ref`` and the frame's
    #: metadata), as 3D point cloud frame tasks need.
    OBJECT = "object"


@dataclass(frozen=True)
class _TaskTypeSpec:
    #: The built-in worker UI (``HumanTaskUiArn``), or None: the job takes a UI template.
    human_task_ui: str | None = None
    #: The automated data labeling algorithm, or None: the task type has none.
    algorithm: str | None = None
    #: ``LabelAttributeName`` must end with ``-ref`` (the label is a file: masks, frames).
    ref_label_attribute: bool = False
    #: Fewest label categories (two for the classifications).
    min_labels: int = 1
    #: ``TaskTimeLimitInSeconds`` maximum: 8 hours for image and text, 30 days for video and 3D.
    max_task_seconds: int = 8 * 3600
    #: How an input object becomes its input-manifest line.
    manifest_line: ManifestLine = ManifestLine.SOURCE_REF
    #: The label category configuration carries worker instructions (named entity recognition).
    needs_instructions: bool = False


_DAYS_30 = 30 * 86400


class LabelingTaskType(Enum):
    """A built-in Ground Truth task type (``PRE-<value>`` and ``ACS-<value>`` in each region)."""

    IMAGE_CLASSIFICATION = "ImageMultiClass"
    IMAGE_MULTI_LABEL_CLASSIFICATION = "ImageMultiClassMultiLabel"
    BOUNDING_BOX = "BoundingBox"
    SEMANTIC_SEGMENTATION = "SemanticSegmentation"
    TEXT_CLASSIFICATION = "TextMultiClass"
    TEXT_MULTI_LABEL_CLASSIFICATION = "TextMultiClassMultiLabel"
    NAMED_ENTITY_RECOGNITION = "NamedEntityRecognition"
    VIDEO_CLASSIFICATION = "VideoMultiClass"
    VIDEO_OBJECT_DETECTION = "VideoObjectDetection"
    VIDEO_OBJECT_TRACKING = "VideoObjectTracking"
    POINT_CLOUD_OBJECT_DETECTION = "3DPointCloudObjectDetection"
    POINT_CLOUD_OBJECT_TRACKING = "3DPointCloudObjectTracking"
    POINT_CLOUD_SEMANTIC_SEGMENTATION = "3DPointCloudSemanticSegmentation"

    @property
    def _spec(self) -> _TaskTypeSpec:
        return _SPECS[self]

    @property
    def human_task_ui(self) -> str | None:
        """The built-in worker UI's name (``HumanTaskUiArn``), or None when the job takes a template."""
        return self._spec.human_task_ui

    @property
    def algorithm(self) -> str | None:
        """The automated data labeling algorithm's name, or None when the task type has none."""
        return self._spec.algorithm

    @property
    def ref_label_attribute(self) -> bool:
        """Whether ``LabelAttributeName`` must end with ``-ref``."""
        return self._spec.ref_label_attribute

    @property
    def min_labels(self) -> int:
        return self._spec.min_labels

    @property
    def max_task_seconds(self) -> int:
        """The largest ``TaskTimeLimitInSeconds`` of the task type."""
        return self._spec.max_task_seconds

    @property
    def manifest_line(self) -> ManifestLine:
        """How a new object becomes its input-manifest line."""
        return self._spec.manifest_line

    @property
    def needs_instructions(self) -> bool:
        return self._spec.needs_instructions

    def pre_annotation_lambda_arn(self, region: str, partition: str = "aws") -> str:
        """``PreHumanTaskLambdaArn`` in ``region``; ``KeyError`` where Ground Truth has no function."""
        return f"arn:{partition}:lambda:{region}:{GROUND_TRUTH_LAMBDA_ACCOUNTS[region]}:function:PRE-{self.value}"

    def annotation_consolidation_lambda_arn(self, region: str, partition: str = "aws") -> str:
        """``AnnotationConsolidationLambdaArn`` in ``region``; ``KeyError`` where Ground Truth has none."""
        return f"arn:{partition}:lambda:{region}:{GROUND_TRUTH_LAMBDA_ACCOUNTS[region]}:function:ACS-{self.value}"

    def human_task_ui_arn(self, region: str, partition: str = "aws") -> str | None:
        """``HumanTaskUiArn`` of the built-in worker UI in ``region`` (None without one)."""
        ui = self.human_task_ui
        return None if ui is None else f"arn:{partition}:sagemaker:{region}:{HUMAN_TASK_UI_ACCOUNT}:human-task-ui/{ui}"

    def algorithm_specification_arn(self, region: str, partition: str = "aws") -> str | None:
        """``LabelingJobAlgorithmSpecificationArn`` in ``region`` (None without automated labeling)."""
        algorithm = self.algorithm
        if algorithm is None:
            return None
        return (
            f"arn:{partition}:sagemaker:{region}:{LABELING_ALGORITHM_ACCOUNT}:"
            f"labeling-job-algorithm-specification/{algorithm}"
        )


_SPECS: dict[LabelingTaskType, _TaskTypeSpec] = {
    LabelingTaskType.IMAGE_CLASSIFICATION: _TaskTypeSpec(algorithm="image-classification", min_labels=2),
    LabelingTaskType.IMAGE_MULTI_LABEL_CLASSIFICATION: _TaskTypeSpec(min_labels=2),
    LabelingTaskType.BOUNDING_BOX: _TaskTypeSpec(algorithm="object-detection"),
    LabelingTaskType.SEMANTIC_SEGMENTATION: _TaskTypeSpec(algorithm="semantic-segmentation", ref_label_attribute=True),
    LabelingTaskType.TEXT_CLASSIFICATION: _TaskTypeSpec(
        algorithm="text-classification", min_labels=2, manifest_line=ManifestLine.SOURCE
    ),
    LabelingTaskType.TEXT_MULTI_LABEL_CLASSIFICATION: _TaskTypeSpec(min_labels=2, manifest_line=ManifestLine.SOURCE),
    LabelingTaskType.NAMED_ENTITY_RECOGNITION: _TaskTypeSpec(
        human_task_ui="NamedEntityRecognition", needs_instructions=True, manifest_line=ManifestLine.SOURCE
    ),
    LabelingTaskType.VIDEO_CLASSIFICATION: _TaskTypeSpec(min_labels=2),
    LabelingTaskType.VIDEO_OBJECT_DETECTION: _TaskTypeSpec(
        human_task_ui="VideoObjectDetection",
        ref_label_attribute=True,
        max_task_seconds=_DAYS_30,
    ),
    LabelingTaskType.VIDEO_OBJECT_TRACKING: _TaskTypeSpec(
        human_task_ui="VideoObjectTracking", ref_label_attribute=True, max_task_seconds=_DAYS_30
    ),
    LabelingTaskType.POINT_CLOUD_OBJECT_DETECTION: _TaskTypeSpec(
        human_task_ui="PointCloudObjectDetection",
        max_task_seconds=_DAYS_30,
        manifest_line=ManifestLine.OBJECT,
    ),
    LabelingTaskType.POINT_CLOUD_OBJECT_TRACKING: _TaskTypeSpec(
        human_task_ui="PointCloudObjectTracking",
        ref_label_attribute=True,
        max_task_seconds=_DAYS_30,
    ),
    LabelingTaskType.POINT_CLOUD_SEMANTIC_SEGMENTATION: _TaskTypeSpec(
        human_task_ui="PointCloudSemanticSegmentation",
        ref_label_attribute=True,
        max_task_seconds=_DAYS_30,
        manifest_line=ManifestLine.OBJECT,
    ),
}
