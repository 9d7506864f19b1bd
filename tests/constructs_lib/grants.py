"""What a role's synthesized identity policies allow: its statements, for ``tests.iam_eval``."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

#: How ``tests.iam_eval`` writes this account and region's SageMaker ARNs (the test stacks' region).
SAGEMAKER = "arn:<AWS::Partition>:sagemaker:eu-west-1:<AWS::AccountId>"


def role_statements(template: Template, role_prefix: str) -> list[dict[str, Any]]:
    """Every statement of the inline and managed policies attached to the role whose logical id
    starts with ``role_prefix``."""
    statements: list[dict[str, Any]] = []
    for kind, key in (("AWS::IAM::Policy", "Roles"), ("AWS::IAM::ManagedPolicy", "Roles")):
        for policy in template.find_resources(kind).values():
            roles = policy["Properties"].get(key, [])
            if any(isinstance(r, dict) and r.get("Ref", "").startswith(role_prefix) for r in roles):
                statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def actions_of(statements: list[dict[str, Any]]) -> set[str]:
    return {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
