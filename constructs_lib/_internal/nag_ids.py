"""Finding ids as cdk-nag writes them, to acknowledge one exact wildcard (``AwsSolutions-IAM5[...]``).

cdk-nag names a policy's resource by flattening its CloudFormation value: ``Fn::Join`` is joined,
``Fn::GetAtt`` becomes ``<LogicalId.Attribute>``, ``Ref`` becomes ``<LogicalId>`` and ``Fn::Sub``
placeholders ``<...>``. ``wildcard_resource_finding`` computes that id for a value used in the
policy of ``scope``'s stack. Values imported from another stack resolve differently at synthesis
(``Fn::GetStackOutput``), so acknowledge those where the stacks are composed.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Stack
from constructs import IConstruct


def flatten_cfn_reference(value: Any) -> str:
    """The flat string cdk-nag makes of a resolved CloudFormation value."""
    if value is None:
        return ""
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


def wildcard_resource_finding(scope: IConstruct, resource: str, rule: str = "AwsSolutions-IAM5") -> str:
    """The finding id of wildcard ``resource`` (an ARN, maybe with tokens) in a policy of ``scope``'s stack."""
    return f"{rule}[Resource::{flatten_cfn_reference(Stack.of(scope).resolve(resource))}]"
