"""add_mutable_tags: tags that may change reach every resource whose tags update in place, and no other."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk.assertions import Template

import constructs_lib as lib
from constructs_lib import CREATE_ONLY_TAG_TYPES, add_mutable_tags
from tests.conftest import ROOT, new_app, new_stack


def _stack(app: cdk.App | None = None) -> cdk.Stack:
    stack = new_stack(app)
    s3.CfnBucket(stack, "Bucket")
    sagemaker.CfnFeatureGroup(
        stack,
        "Group",
        feature_group_name="g",
        record_identifier_feature_name="id",
        event_time_feature_name="t",
        feature_definitions=[],
    )
    return stack


def _tags(stack: cdk.Stack, type_name: str) -> dict:
    [resource] = Template.from_stack(stack).find_resources(type_name).values()
    return {t["Key"]: t["Value"] for t in resource.get("Properties", {}).get("Tags", [])}


def test_mutable_tags_skip_types_whose_tags_are_create_only():
    stack = _stack()
    cdk.Tags.of(stack).add("project", "p")
    add_mutable_tags(stack, {"owner": "team-a", "cost-centre": "42"})
    assert _tags(stack, "AWS::S3::Bucket") == {"project": "p", "owner": "team-a", "cost-centre": "42"}
    assert _tags(stack, "AWS::SageMaker::FeatureGroup") == {"project": "p"}
    assert "AWS::SageMaker::FeatureGroup" in CREATE_ONLY_TAG_TYPES


def test_mutable_tags_are_never_stack_tags_which_cloudformation_would_propagate():
    """Without the app's ``@aws-cdk/core:explicitStackTags`` flag, ``Tags.of`` also tags stacks."""
    app = new_app()
    app.node.set_context("@aws-cdk/core:explicitStackTags", False)
    stack = _stack(app)
    add_mutable_tags(app, {"owner": "team-a"})
    cdk.Tags.of(app).add("project", "p")
    artifact = app.synth().get_stack_artifact(stack.artifact_id)
    assert artifact.tags == {"project": "p"}


def test_more_types_can_be_left_out():
    stack = _stack(new_app())
    add_mutable_tags(stack, {"owner": "team-a"}, exclude_resource_types=["AWS::S3::Bucket"])
    assert _tags(stack, "AWS::S3::Bucket") == {}


def test_readme_tag_example_runs():
    section = (ROOT / "README.md").read_text().split("### Which changes replace what", 1)[1]
    example = section.split("```python\n", 1)[1].split("```", 1)[0]
    stack = _stack()
    exec(compile(example, "README.md", "exec"), {"lib": lib, "cdk": cdk, "stack": stack})
    assert _tags(stack, "AWS::S3::Bucket") == {
        "owner": "ml-platform-team",
        "cost-centre": "4711",
        "project": "ml-platform",
    }
    assert _tags(stack, "AWS::SageMaker::FeatureGroup") == {"project": "ml-platform"}
