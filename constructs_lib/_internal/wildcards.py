"""Acknowledging an IAM5 wildcard whose exact text is only known once references are resolved.

A policy in one stack that names an object prefix of a bucket in another stack (``<bucket ARN>/
teams/a/*``) is reported by cdk-nag with the cross-stack import in the finding id. That text only
exists after CDK has resolved references, so the acknowledgment is computed then, in a construct
validation (which runs after references are resolved and before the compliance plugins), and only
for resources that end with the expected suffix: one exact finding at a time, as if written by hand.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import jsii
from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import IValidation

from constructs_lib._internal.nag import acknowledge


def flatten_cfn_reference(value: Any) -> str:
    """The text cdk-nag puts in a finding id for a (resolved) CloudFormation value."""
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    if isinstance(value, dict):
        if "Fn::Join" in value:
            delimiter, items = value["Fn::Join"]
            return delimiter.join(flatten_cfn_reference(item) for item in items)
        if "Fn::Sub" in value:
            return flatten_cfn_reference(value["Fn::Sub"])
        if "Fn::GetAtt" in value:
            resource, attribute = value["Fn::GetAtt"]
            return f"<{flatten_cfn_reference(resource)}.{flatten_cfn_reference(attribute)}>"
        if "Fn::ImportValue" in value:
            return flatten_cfn_reference(value["Fn::ImportValue"])
        if "Ref" in value:
            return f"<{flatten_cfn_reference(value['Ref'])}>"
    return json.dumps(value, separators=(",", ":"))


def acknowledge_resource_wildcards(policy: iam.ManagedPolicy, reason: str, suffixes: Sequence[str]) -> None:
    """Acknowledge ``AwsSolutions-IAM5[Resource::...]`` on ``policy`` for each allowed resource
    whose flattened text ends with one of ``suffixes`` (e.g. ``/teams/a/*``), once resolved."""
    policy.node.add_validation(_AcknowledgeWildcards(policy, reason, tuple(suffixes)))


@jsii.implements(IValidation)
class _AcknowledgeWildcards:
    def __init__(self, policy: iam.ManagedPolicy, reason: str, suffixes: tuple[str, ...]) -> None:
        self._policy = policy
        self._reason = reason
        self._suffixes = suffixes

    def validate(self) -> list[str]:
        cfn = self._policy.node.default_child
        document = Stack.of(self._policy).resolve(cfn.policy_document)  # type: ignore[union-attr]
        for statement in document.get("Statement", []):
            if statement.get("Effect") != "Allow":
                continue
            resources = statement.get("Resource", [])
            for resource in resources if isinstance(resources, list) else [resources]:
                flat = flatten_cfn_reference(resource)
                if "*" in flat and flat.endswith(self._suffixes):
                    acknowledge(self._policy, self._reason, f"AwsSolutions-IAM5[Resource::{flat}]")
        return []
