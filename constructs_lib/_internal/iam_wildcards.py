"""Acknowledging the unavoidable wildcard resources of a policy statement, one finding at a time.

cdk-nag reports each wildcard resource of an ``Allow`` statement as its own finding,
``AwsSolutions-IAM5[Resource::<flattened ARN>]``, where tokens are flattened from the template
(``arn:<AWS::Partition>:s3:::<DataBucketB1A7365C.Arn>/*``). The flattened text of a reference to a
resource in another stack (an ``Fn::ImportValue``) is only known once CDK has prepared the app, so
the acknowledgment is added then: by a construct validation, which CDK runs after preparing the app
and before the compliance plugins read the acknowledgments.
"""

from __future__ import annotations

import json
from typing import Any

import jsii
from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct, IValidation

from constructs_lib._internal.nag import acknowledge

_RULE = "AwsSolutions-IAM5"


def acknowledge_wildcard_resources(policy: Construct, statement: iam.PolicyStatement, reason: str) -> None:
    """Acknowledge, on ``policy`` only, each wildcard resource of ``statement`` with ``reason``.

    ``policy`` is the construct holding the statement (an ``iam.ManagedPolicy``). Resources without
    a ``*`` are left alone; wildcard actions are never acknowledged here.
    """
    _validator(policy).entries.append((statement, reason))


def flatten_reference(value: Any) -> str:
    """The text cdk-nag makes of a resolved CloudFormation value (its ``flattenCfnReference``)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    if isinstance(value, dict):
        if "Fn::Join" in value:
            delimiter, items = value["Fn::Join"]
            return delimiter.join(flatten_reference(item) for item in items)
        if "Fn::Sub" in value:
            return flatten_reference(value["Fn::Sub"])
        if "Fn::GetAtt" in value:
            resource, attribute = value["Fn::GetAtt"]
            return f"<{flatten_reference(resource)}.{flatten_reference(attribute)}>"
        if "Fn::ImportValue" in value:
            return flatten_reference(value["Fn::ImportValue"])
        if "Ref" in value:
            return f"<{flatten_reference(value['Ref'])}>"
    return json.dumps(value, separators=(",", ":"))


@jsii.implements(IValidation)
class _WildcardAcknowledger:
    def __init__(self, policy: Construct) -> None:
        self.policy = policy
        self.entries: list[tuple[iam.PolicyStatement, str]] = []

    def validate(self) -> list[str]:
        stack = Stack.of(self.policy)
        reasons: dict[str, list[str]] = {}
        for statement, reason in self.entries:
            for resource in statement.resources:
                flat = flatten_reference(stack.resolve(resource))
                if "*" in flat and reason not in reasons.setdefault(flat, []):
                    reasons[flat].append(reason)
        # One finding may come from several statements (Resource '*'): it gets all their reasons.
        for flat, why in reasons.items():
            acknowledge(self.policy, " ".join(why), f"{_RULE}[Resource::{flat}]")
        return []


_ATTRIBUTE = "_constructs_lib_wildcard_acknowledger"


def _validator(policy: Construct) -> _WildcardAcknowledger:
    validator: _WildcardAcknowledger | None = getattr(policy, _ATTRIBUTE, None)
    if validator is None:
        validator = _WildcardAcknowledger(policy)
        setattr(policy, _ATTRIBUTE, validator)
        policy.node.add_validation(validator)
    return validator
