"""Tags that may change without replacing anything (``add_mutable_tags``).

CloudFormation replaces a resource when one of its create-only properties changes, and on some
resource types ``Tags`` is create-only (their resource schemas list it in ``createOnlyProperties``).
A tag whose value changes over time (an owner, a cost centre) would therefore replace those
resources, and a resource with a fixed name cannot be replaced at all: the stack update fails.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from aws_cdk import Tags
from constructs import IConstruct

#: The resource types the library emits whose ``Tags`` are create-only in their CloudFormation
#: resource schema: a changed tag replaces them. The suite checks this against the schemas cfn-lint
#: ships, for every type the library emits (tests/stacks/test_replacement_guard.py).
CREATE_ONLY_TAG_TYPES: frozenset[str] = frozenset(
    {
        "AWS::SageMaker::DataQualityJobDefinition",
        "AWS::SageMaker::FeatureGroup",
        "AWS::SageMaker::ModelBiasJobDefinition",
        "AWS::SageMaker::ModelExplainabilityJobDefinition",
        "AWS::SageMaker::ModelQualityJobDefinition",
        "AWS::SageMaker::StudioLifecycleConfig",
    }
)

#: The CDK type name of a Stack's own tags (CloudFormation stack tags, propagated to the stack's
#: resources by CloudFormation itself, create-only types included).
_STACK_TAGS = "aws:cdk:stack"


def add_mutable_tags(scope: IConstruct, tags: Mapping[str, str], *, exclude_resource_types: Iterable[str] = ()) -> None:
    """Tag every taggable resource under ``scope`` with tags whose values may change later.

    Resource types whose ``Tags`` are create-only (``CREATE_ONLY_TAG_TYPES``) are left out, so that a
    new value updates resources in place and replaces none; so are stack-level tags, which
    CloudFormation would propagate to those types anyway. Tags that never change for the resources
    under ``scope`` (a project, an environment) go everywhere with ``Tags.of(scope).add``.

    :param tags: the tags, key to value.
    :param exclude_resource_types: default none; more CloudFormation types to leave out (your own
        resources' types whose tags are create-only: the library lists only the types it emits).
    """
    excluded = sorted({*CREATE_ONLY_TAG_TYPES, *exclude_resource_types, _STACK_TAGS})
    for key, value in tags.items():
        Tags.of(scope).add(key, value, exclude_resource_types=excluded)
