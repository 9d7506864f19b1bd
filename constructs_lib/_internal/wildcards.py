"""Acknowledging one exact IAM wildcard finding whose text is only known after references resolve.

cdk-nag names an ``AwsSolutions-IAM5`` finding after the flattened resource, for example
``Resource::<DataBucketB1A7365C.Arn>/raw/*``; a bucket of another stack shows as its cross-stack
output. That text exists only once CDK has prepared cross-stack references, so the acknowledgment is
registered from a construct validation (which runs after references are prepared and before the
cdk-nag packs check the tree). The finding is computed the way cdk-nag 3 flattens CloudFormation
references (``utils/flatten-cfn-reference``), so exactly that one resource is acknowledged.
"""

from __future__ import annotations

import json
from typing import Any

import jsii
from aws_cdk import Stack
from constructs import IConstruct, IValidation

from constructs_lib._internal.nag import acknowledge


def flatten_cfn_reference(node: Any) -> str:
    """A CloudFormation value as cdk-nag prints it in finding ids."""
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
class _WildcardAcknowledgments:
    def __init__(self, construct: IConstruct) -> None:
        self._construct = construct
        self.entries: list[tuple[str, str]] = []

    def validate(self) -> list[str]:
        stack = Stack.of(self._construct)
        for resource, reason in self.entries:
            flat = flatten_cfn_reference(stack.resolve(resource))
            if "*" in flat:
                acknowledge(self._construct, reason, f"AwsSolutions-IAM5[Resource::{flat}]")
        return []


def acknowledge_wildcard_resource(construct: IConstruct, resource: str, reason: str) -> None:
    """Acknowledge the IAM5 finding of exactly ``resource`` (a string or token) on ``construct``."""
    if len(reason.strip()) < 20:
        raise ValueError(f"acknowledgment of {resource!r} on {construct.node.path} needs a real reason")
    entry = _REGISTRY.get(id(construct))
    if entry is None or entry[0] is not construct:
        entry = (construct, _WildcardAcknowledgments(construct))
        construct.node.add_validation(entry[1])
        _REGISTRY[id(construct)] = entry
    holder = entry[1]
    if (resource, reason) not in holder.entries:
        holder.entries.append((resource, reason))


# One validation object per construct object (the construct is kept so that its id is not reused).
_REGISTRY: dict[int, tuple[IConstruct, _WildcardAcknowledgments]] = {}
