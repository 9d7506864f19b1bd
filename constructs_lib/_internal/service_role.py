"""The role an AWS service assumes on the platform's behalf, pinned to this account."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from constructs_lib._internal.roles import ManagedPolicyRole


def service_role(scope: Construct, construct_id: str, *, service: str, description: str) -> ManagedPolicyRole:
    """A ``ManagedPolicyRole`` that only ``service`` (e.g. ``sagemaker.amazonaws.com``) may assume,
    for this account (``aws:SourceAccount``: the confused-deputy guard)."""
    return ManagedPolicyRole(
        scope,
        construct_id,
        assumed_by=iam.ServicePrincipal(
            service, conditions={"StringEquals": {"aws:SourceAccount": Stack.of(scope).account}}
        ),
        description=description,
    )
