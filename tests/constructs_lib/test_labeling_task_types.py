"""The per-region table of Ground Truth's AWS-owned resources, checked against the SageMaker API
reference text that botocore ships (``HumanTaskConfig``, ``AnnotationConsolidationConfig``,
``UiConfig``, ``LabelingJobAlgorithmsConfig``): every region and every task type."""

import re

import pytest

from constructs_lib import GROUND_TRUTH_LAMBDA_ACCOUNTS, LabelingTaskType
from constructs_lib._core.service_model import shape


def _documented(shape_name: str, member: str) -> str:
    return shape(shape_name)["members"][member]["documentation"]


def _lambda_arns(shape_name: str, member: str) -> set[str]:
    return set(re.findall(r"arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9-]+", _documented(shape_name, member)))


PRE = _lambda_arns("HumanTaskConfig", "PreHumanTaskLambdaArn")
ACS = _lambda_arns("AnnotationConsolidationConfig", "AnnotationConsolidationLambdaArn")
CASES = [(task, region) for task in LabelingTaskType for region in GROUND_TRUTH_LAMBDA_ACCOUNTS]


@pytest.mark.parametrize(("task", "region"), CASES, ids=[f"{t.name}-{r}" for t, r in CASES])
def test_the_pre_annotation_and_consolidation_functions_are_the_documented_ones(task, region):
    assert task.pre_annotation_lambda_arn(region) in PRE
    assert task.annotation_consolidation_lambda_arn(region) in ACS


def test_the_table_has_every_documented_region_and_no_other():
    regions = {arn.split(":")[3] for arn in PRE | ACS}
    assert regions == set(GROUND_TRUTH_LAMBDA_ACCOUNTS)
    for arn in PRE | ACS:
        assert arn.split(":")[4] == GROUND_TRUTH_LAMBDA_ACCOUNTS[arn.split(":")[3]]


def test_every_documented_built_in_task_type_is_covered_but_verification_adjustment_and_custom():
    documented = {arn.rsplit(":function:PRE-", 1)[1] for arn in PRE}
    left_out = {name for name in documented if name.startswith(("Verification", "Adjustment")) or name == "PassThrough"}
    assert documented - left_out == {task.value for task in LabelingTaskType}


def test_an_unknown_region_has_no_functions():
    with pytest.raises(KeyError):
        LabelingTaskType.BOUNDING_BOX.pre_annotation_lambda_arn("eu-north-1")


def test_built_in_worker_uis_are_the_documented_ones():
    text = _documented("UiConfig", "HumanTaskUiArn")
    documented = set(re.findall(r"arn:aws:sagemaker:(?:aws-)?region:(\d{12}):human-task-ui/(\w+)", text))
    with_ui = {task for task in LabelingTaskType if task.human_task_ui is not None}
    assert {("394669845002", task.human_task_ui) for task in with_ui} == documented
    assert with_ui == {
        LabelingTaskType.NAMED_ENTITY_RECOGNITION,
        LabelingTaskType.VIDEO_OBJECT_DETECTION,
        LabelingTaskType.VIDEO_OBJECT_TRACKING,
        LabelingTaskType.POINT_CLOUD_OBJECT_DETECTION,
        LabelingTaskType.POINT_CLOUD_OBJECT_TRACKING,
        LabelingTaskType.POINT_CLOUD_SEMANTIC_SEGMENTATION,
    }
    assert (
        LabelingTaskType.VIDEO_OBJECT_TRACKING.human_task_ui_arn("us-east-1")
        == "arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/VideoObjectTracking"
    )
    assert LabelingTaskType.BOUNDING_BOX.human_task_ui_arn("us-east-1") is None


def test_automated_labeling_algorithms_are_the_documented_ones():
    text = re.sub(r"</?i>", "", _documented("LabelingJobAlgorithmsConfig", "LabelingJobAlgorithmSpecificationArn"))
    documented = set(
        re.findall(r"arn:aws:sagemaker:region:(\d{12}):labeling-job-algorithm-specification/([\w-]+)", text)
    )
    assert {("027400017018", t.algorithm) for t in LabelingTaskType if t.algorithm} == documented
    assert (
        LabelingTaskType.BOUNDING_BOX.algorithm_specification_arn("eu-west-1")
        == "arn:aws:sagemaker:eu-west-1:027400017018:labeling-job-algorithm-specification/object-detection"
    )
    assert LabelingTaskType.NAMED_ENTITY_RECOGNITION.algorithm_specification_arn("eu-west-1") is None


def test_label_attributes_that_must_end_with_ref_are_the_documented_ones():
    text = re.sub(r"<[^>]+>", "", _documented("CreateLabelingJobRequest", "LabelAttributeName"))
    for task in LabelingTaskType:
        assert task.ref_label_attribute == (f"({task.value})" in text), task
