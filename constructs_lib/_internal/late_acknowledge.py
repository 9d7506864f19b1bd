"""Acknowledging one exact IAM5 wildcard whose text is only known once references are resolved.

cdk-nag names a wildcard finding after the resource string of the synthesized template, for example
``AwsSolutions-IAM5[Resource::<ArtifactBucket.Arn>/models/*]``. When the resource points into another
stack, CDK turns the reference into an export/import (or ``Fn::GetStackOutput``) while preparing
the app, after every construct was built, so the exact finding text cannot be written down when
the policy is made. ``acknowledge_resource_wildcard`` registers a construct validation on the
policy: validations run after references are resolved and before the cdk-nag plugins, so it can
resolve the resource, flatten it exactly as cdk-nag does, and acknowledge that one finding.
"""

from __future__ import annotations

import json
from typing import Any

import jsii
from aws_cdk import Stack
from constructs import IConstruct, IValidation

from constructs_lib._internal.nag import acknowledge


def flatten_cfn_reference(node: Any) -> str:
    """The text cdk-nag's ``flattenCfnReference`` makes of a resolved CloudFormation value."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return delimiter.join(flatten_cfn_reference(item) for item in items)
        if "Fn::Sub" in node:
            return flatten_cfn_reference(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{flatten_cfn_reference(resource)}.{flatten_cfn_reference(attribute)}>"
        if "Fn::ImportValue" in node:
            return flatten_cfn_reference(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{flatten_cfn_reference(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))


@jsii.implements(IValidation)
class _AcknowledgeWildcard:
    def __init__(self, scope: IConstruct, resource: str, reason: str) -> None:
        self._scope = scope
        self._resource = resource
        self._reason = reason

    def validate(self) -> list[str]:
        flat = flatten_cfn_reference(Stack.of(self._scope).resolve(self._resource))
        acknowledge(self._scope, self._reason, f"AwsSolutions-IAM5[Resource::{flat}]")
        return []


def acknowledge_resource_wildcard(scope: IConstruct, resource: str, reason: str) -> None:
    """Acknowledge the IAM5 finding of exactly ``resource`` (a wildcard ARN) on ``scope`` only."""
    if "*" not in resource:
        raise ValueError(f"{resource!r} holds no wildcard: nothing to acknowledge on {scope.node.path}")
    if len(reason.strip()) < 20:
        raise ValueError(f"acknowledgment of {resource!r} on {scope.node.path} needs a real reason")
    scope.node.add_validation(_AcknowledgeWildcard(scope, resource, reason))
