"""IAM roles whose permissions live in a customer-managed policy, not an inline one.

HIPAA Security and NIST 800-53 (IAMNoInlinePolicy) reject inline policies, and every CDK ``grant_*``
adds to a role's inline ``DefaultPolicy``. ``ManagedPolicyRole`` routes those statements to one
customer-managed policy attached to the role, so grants work as usual and stay least-privilege.

Each statement handed to aws-cdk-lib is a round trip to its Node process, and a role gets a dozen
on average (its constructs' statements and aws-cdk-lib's grants, each a callback into the role). So
a role keeps the statements it is given, in order, and adds them to its policy in one call when they
are needed: when ``managed_policy`` is read, and at synth, when aspects run (before aws-cdk-lib
resolves cross-stack references, validates the policy and renders the template). After that a
statement goes straight to the policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast
from weakref import WeakValueDictionary

import jsii
from aws_cdk import Aspects, IAspect
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from constructs_lib._core.jsii_identity import object_ref
from constructs_lib._core.stack_facts import same_stack


class ManagedPolicyRole(iam.Role):
    """An ``iam.Role`` whose added statements go to a customer-managed policy named after it."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self._managed_policy: iam.ManagedPolicy | None = None
        #: Statements given but not yet added to the policy, in the order given.
        self._pending: list[iam.PolicyStatement] = []
        #: Whether synth has added the pending statements: from then on each goes straight to the policy.
        self._direct = False
        _stack_roles(self, scope).append(self)

    @property
    def managed_policy(self) -> iam.ManagedPolicy:
        """The role's permissions policy (created with the first statement), holding every statement
        the role was given."""
        self.add_pending_statements()
        return permissions_policy(self)

    def add_pending_statements(self) -> None:
        """Add the statements kept so far to the policy, in one call (nothing when there are none)."""
        if self._pending:
            statements, self._pending = self._pending, []
            permissions_policy(self).add_statements(*statements)

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        _keep(self, [statement])
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=permissions_policy(self))

    def add_to_policy(self, statement: iam.PolicyStatement) -> bool:
        _keep(self, [statement])
        return True


def permissions_policy(role: ManagedPolicyRole) -> iam.ManagedPolicy:
    """``role``'s managed policy, created if it does not exist yet, without adding the statements it
    keeps: for the library's constructs, which name the policy (a dependency, an acknowledgment) while
    they add statements, and must not cost a round trip each time."""
    policy = role._managed_policy  # pyright: ignore[reportPrivateUsage] (the role's own helper)
    if policy is None:
        policy = role._managed_policy = iam.ManagedPolicy(  # pyright: ignore[reportPrivateUsage]
            role, "Permissions", roles=[cast(iam.IRole, role)]
        )  # jsii: a Role is an IRole
        same_stack(policy, role)
    return policy


def _keep(role: ManagedPolicyRole, statements: Sequence[iam.PolicyStatement]) -> None:
    """Give ``role`` ``statements``: kept until synth, or added at once once synth has added the rest."""
    permissions_policy(role)  # created with the first statement, where it always was
    if role._direct:  # pyright: ignore[reportPrivateUsage]
        permissions_policy(role).add_statements(*statements)
    else:
        role._pending.extend(statements)  # pyright: ignore[reportPrivateUsage]


def add_statements(principal: iam.IPrincipal, statements: Sequence[iam.PolicyStatement]) -> None:
    """Add ``statements`` to ``principal``'s policy in this order: kept for one call to Node for a
    ``ManagedPolicyRole`` (with the rest it is given), one ``add_to_principal_policy`` each for any
    other principal."""
    if isinstance(principal, ManagedPolicyRole):
        if statements:
            _keep(principal, statements)
        return
    for statement in statements:
        principal.add_to_principal_policy(statement)


@jsii.implements(IAspect)
class _AddPendingStatements:
    """At synth, adds the statements every ``ManagedPolicyRole`` of one stack keeps to its policy: an
    aspect, because aspects run before aws-cdk-lib looks for cross-stack references in the templates
    and before it validates them, even where validation is skipped. It sits on the first role's
    ``CfnRole``, a construct without children, so it costs one callback per stack."""

    def __init__(self) -> None:
        self.roles: list[ManagedPolicyRole] = []

    def visit(self, node: IConstruct) -> None:
        for role in self.roles:
            role.add_pending_statements()
            role._direct = True  # pyright: ignore[reportPrivateUsage]


#: The aspect of each stack holding a ``ManagedPolicyRole``, by the stack's jsii object reference (a
#: stack Node created has a new proxy each time), alive while Node holds it.
_STACK_ASPECTS: WeakValueDictionary[str, _AddPendingStatements] = WeakValueDictionary()


def _stack_roles(role: ManagedPolicyRole, scope: Construct) -> list[ManagedPolicyRole]:
    """The roles of ``role``'s stack (its ``scope``'s, usually known already) whose statements the
    stack's aspect adds (created with the stack's first role)."""
    key = object_ref(same_stack(role, scope))
    aspect = _STACK_ASPECTS.get(key)
    if aspect is None:
        aspect = _STACK_ASPECTS[key] = _AddPendingStatements()
        Aspects.of(cast(IConstruct, role.node.default_child)).add(aspect)
    return aspect.roles
