"""IAM roles whose permissions live in a customer-managed policy, not an inline one.

HIPAA Security and NIST 800-53 (IAMNoInlinePolicy) reject inline policies, and every CDK ``grant_*``
adds to a role's inline ``DefaultPolicy``. ``ManagedPolicyRole`` routes those statements to one
customer-managed policy attached to the role, so grants work as usual and stay least-privilege.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from aws_cdk import aws_iam as iam
from constructs import Construct


class ManagedPolicyRole(iam.Role):
    """An ``iam.Role`` whose added statements go to a customer-managed policy named after it."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self._managed_policy: iam.ManagedPolicy | None = None

    @property
    def managed_policy(self) -> iam.ManagedPolicy:
        """The role's permissions policy (created with the first statement)."""
        if self._managed_policy is None:
            self._managed_policy = iam.ManagedPolicy(
                self, "Permissions", roles=[cast(iam.IRole, self)]
            )  # jsii: a Role is an IRole
        return self._managed_policy

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        self.managed_policy.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self.managed_policy)

    def add_to_policy(self, statement: iam.PolicyStatement) -> bool:
        self.managed_policy.add_statements(statement)
        return True


def add_statements(principal: iam.IPrincipal, statements: Sequence[iam.PolicyStatement]) -> None:
    """Add ``statements`` to ``principal``'s policy in this order: in one round trip to Node for a
    ``ManagedPolicyRole`` (to its managed policy, together), one ``add_to_principal_policy`` each
    for any other principal."""
    if isinstance(principal, ManagedPolicyRole):
        if statements:
            principal.managed_policy.add_statements(*statements)
        return
    for statement in statements:
        principal.add_to_principal_policy(statement)
