"""Bad input outside a constructor (a method's argument, a lookup, an acknowledgment) fails with
``ConstructValidationError`` naming the construct, the property, the value and what is allowed, as
constructors do; never a bare ``KeyError``, ``TypeError`` or ``ValueError``."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3

from constructs_lib import ConstructValidationError, MonitoringImage
from constructs_lib._core.nag import acknowledge
from constructs_lib._core.validation import invalid
from constructs_lib._core.wildcards import acknowledge_exact_wildcard
from constructs_lib.foundation.container_image import ContainerImage
from constructs_lib.training.pipeline import PipelineDefinition, ProcessingOutput, ProcessingStep
from tests.conftest import new_stack
from tests.constructs_lib.pipeline.conftest import ROLE_ARN, SKLEARN


def test_invalid_names_kind_path_property_value_and_what_is_allowed():
    stack = new_stack()
    bucket = s3.Bucket(stack, "Data")
    error = invalid(bucket, "SecureBucket", "prefix", "/x", "must not start with '/'")
    assert isinstance(error, ConstructValidationError)
    assert str(error) == "SecureBucket 'Test/Data' has invalid input:\n  - prefix='/x': must not start with '/'"


def test_an_acknowledgment_without_a_real_reason_names_the_reason():
    bucket = s3.Bucket(new_stack(), "Data")
    with pytest.raises(ConstructValidationError, match=r"(?s)acknowledge 'Test/Data' .*reason='because': needs a real"):
        acknowledge(bucket, "because", "AwsSolutions-S1")
    with pytest.raises(ConstructValidationError, match=r"rule_ids=\(\): name at least one rule"):
        acknowledge(bucket, "a reason that is long enough to be one")
    with pytest.raises(ConstructValidationError, match=r"resource='arn:aws:s3:::b': holds no wildcard"):
        acknowledge_exact_wildcard(bucket, "a reason that is long enough to be one", "arn:aws:s3:::b")


def test_a_value_the_pipeline_definition_cannot_hold_is_one_of_the_definitions_problems():
    step = ProcessingStep(
        "Prep",
        role=cdk.aws_iam.Role.from_role_arn(new_stack(), "R", ROLE_ARN),
        image=ContainerImage.from_uri(SKLEARN),
        instance_type="ml.m5.large",
        environment={"X": object()},  # type: ignore[dict-item]
    )
    with pytest.raises(
        ConstructValidationError, match=r"steps\['Prep'\].*Environment\.X=<object object at .*>: cannot be"
    ):
        PipelineDefinition(steps=[step]).render()


def test_indexing_a_step_property_that_is_not_a_list_or_map_names_the_key():
    step = ProcessingStep(
        "Prep",
        role=cdk.aws_iam.Role.from_role_arn(new_stack(), "R", ROLE_ARN),
        image=ContainerImage.from_uri(SKLEARN),
        instance_type="ml.m5.large",
        outputs=[ProcessingOutput("train", "s3://b/train")],
    )
    with pytest.raises(
        ConstructValidationError, match=r"(?s)Pipeline step 'Prep' .*ProcessingOutputConfig\[key\]=0: a "
    ):
        step.properties.ProcessingOutputConfig[0]


def test_a_monitoring_image_in_a_region_without_one_names_the_region():
    stack = cdk.Stack(cdk.App(), "Far", env=cdk.Environment(region="xx-nowhere-1"))
    with pytest.raises(ConstructValidationError, match=r"region \(of the stack\)='xx-nowhere-1': must be a region of"):
        MonitoringImage.model_monitor_analyzer().image_uri(stack)
