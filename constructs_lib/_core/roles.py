"""IAM roles whose permissions live in a customer-managed policy, not an inline one.

HIPAA Security and NIST 800-53 (IAMNoInlinePolicy) reject inline policies, and every CDK ``grant_*``
adds to a role's inline ``DefaultPolicy``. ``ManagedPolicyRole`` routes those statements to one
customer-managed policy attached to the role, so grants work as usual and stay least-privilege.

Each statement handed to aws-cdk-lib is a round trip to its Node process, and a role gets a dozen
on average (its constructs' statements and aws-cdk-lib's grants, each a callback into the role). So
a role keeps the statements it is given, in order, and adds them to its policy in one call when they
are needed: when ``managed_policy`` is read, before anything else is added to the policy, and at
synth, when aspects run (before aws-cdk-lib resolves cross-stack references, validates the policy
and renders the template). After that a statement goes straight to the policy.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeGuard, cast

import jsii
from aws_cdk import Aspects, CfnElement, IAspect, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct, IValidation

from constructs_lib._core.jsii_identity import object_ref
from constructs_lib._core.stack_facts import same_stack, stack_of


class ManagedPolicyRole(iam.Role):
    """An ``iam.Role`` whose added statements go to a customer-managed policy named after it."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self._managed_policy: _RolePolicy | None = None
        #: Statements given but not yet added to the policy, in the order given.
        self._pending: list[iam.PolicyStatement] = []
        stack_statements = _stack_statements(self, scope)
        #: Whether each statement goes straight to the policy: once synth has added the kept ones (a
        #: role made by an aspect after its stack's aspect ran starts so).
        self._direct = stack_statements.ran
        stack_statements.roles.append(self)

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


class _RolePolicy(iam.ManagedPolicy):
    """A ``ManagedPolicyRole``'s policy: whatever is added to it directly (``policy.add_statements``, a
    grant to the policy) comes after the statements the role kept, as it did when each was added at once."""

    def __init__(self, role: ManagedPolicyRole) -> None:
        super().__init__(role, "Permissions", roles=[cast(iam.IRole, role)])  # jsii: a Role is an IRole
        self._role = role

    def add_statements(self, *statement: iam.PolicyStatement) -> None:
        self._role.add_pending_statements()
        super().add_statements(*statement)


def permissions_policy(role: ManagedPolicyRole) -> iam.ManagedPolicy:
    """``role``'s managed policy, created if it does not exist yet, without adding the statements it
    keeps: for the library's constructs, which name the policy (a dependency, an acknowledgment) while
    they add statements, and must not cost a round trip each time."""
    policy = role._managed_policy  # pyright: ignore[reportPrivateUsage] (the role's own helper)
    if policy is None:
        policy = role._managed_policy = _RolePolicy(role)  # pyright: ignore[reportPrivateUsage]
        same_stack(policy, role)
    return policy


def _keep(role: ManagedPolicyRole, statements: Sequence[iam.PolicyStatement]) -> None:
    """Give ``role`` ``statements``: kept until synth, or added at once once synth has added the rest."""
    policy = permissions_policy(role)  # created with the first statement, where it always was
    if role._direct:  # pyright: ignore[reportPrivateUsage]
        policy.add_statements(*statements)
    else:
        role._pending.extend(statements)  # pyright: ignore[reportPrivateUsage]


def add_statements(principal: iam.IPrincipal, statements: Sequence[iam.PolicyStatement]) -> None:
    """Add ``statements`` to ``principal``'s policy in this order: kept for one call to Node for a
    ``ManagedPolicyRole`` (with the rest it is given), one ``add_to_principal_policy`` each for any
    other principal (a subclass's own ``add_to_principal_policy`` included)."""
    if keeps_statements(principal):
        if statements:
            _keep(principal, statements)
        return
    for statement in statements:
        principal.add_to_principal_policy(statement)


def add_to_principal(grantee: iam.IGrantable, actions: Sequence[str], resource_arns: Sequence[str]) -> None:
    """What ``iam.Grant.add_to_principal`` adds, where nobody reads the ``iam.Grant``. Where the
    grantee's principal (asked each time: a grantee of one's own may change it) is a
    ``ManagedPolicyRole``, the role keeps the statement: one round trip to Node instead of a call to
    aws-cdk-lib that calls the role back. Any other principal gets the grant from aws-cdk-lib."""
    principal = grantee if isinstance(grantee, ManagedPolicyRole) else grantee.grant_principal
    if keeps_statements(principal):
        _keep(principal, [kept_statement(principal, actions=list(actions), resources=list(resource_arns))])
    else:
        iam.Grant.add_to_principal(grantee=grantee, actions=list(actions), resource_arns=list(resource_arns))


#: The statements ``kept_statement`` made, by stack (jsii's object reference) and properties (JSON).
_MADE: dict[tuple[str, str], iam.PolicyStatement] = {}


def kept_statement(principal: object, **props: Any) -> iam.PolicyStatement:
    """``iam.PolicyStatement(**props)`` for ``principal``. For a principal that keeps the statements it
    is given (a ``ManagedPolicyRole``), the same object for every such role of its stack given the
    same properties (the models of one network, key or registry image): one round trip to Node
    instead of one per role. Safe to share there: the role only keeps a statement and adds it to its
    policy, the library changes no statement it has made, and aws-cdk-lib only reads one when it
    renders a policy (it copies statements to merge them). Any other principal (a user's own may
    change what it is given) gets a statement of its own, and so does a subclass with its own
    ``add_pending_statements`` (it is handed the statements), and properties that are not plain data
    (a principal object)."""
    if not (
        keeps_statements(principal)
        and type(principal).add_pending_statements is ManagedPolicyRole.add_pending_statements
    ):
        return iam.PolicyStatement(**props)
    try:
        text = json.dumps(props, sort_keys=True)
    except TypeError:  # not plain data: not comparable, not shared
        return iam.PolicyStatement(**props)
    key = (object_ref(stack_of(principal)), text)
    statement = _MADE.get(key)
    if statement is None:
        statement = _MADE[key] = iam.PolicyStatement(**props)
    return statement


def keeps_statements(principal: object) -> TypeGuard[ManagedPolicyRole]:
    """Whether ``principal`` is a ``ManagedPolicyRole`` whose ``add_to_principal_policy`` is the one
    that keeps statements (a subclass may add its own: it is called for each statement then)."""
    return (
        isinstance(principal, ManagedPolicyRole)
        and type(principal).add_to_principal_policy is ManagedPolicyRole.add_to_principal_policy
    )


@jsii.implements(IAspect, IValidation)
class _StackStatements:
    """At synth, adds the statements every ``ManagedPolicyRole`` of one stack keeps to its policy.

    An aspect, because aspects run before aws-cdk-lib looks for cross-stack references in the
    templates and before it validates them, even where validation is skipped. It sits on the stack's
    first leaf (following first children down from the stack, when the stack's first role is made):
    aspect invocation visits it before any role's policy in the stack, so an aspect of the user's
    reading a policy finds it whole. A leaf has no children, so it costs one callback per stack.
    Also a validation of the stack, for a role whose statements no aspect added (one made by an
    aspect that ran after this one had been passed by)."""

    def __init__(self) -> None:
        self.roles: list[ManagedPolicyRole] = []
        #: Whether the aspect ran: roles made later send their statements straight to their policy.
        self.ran = False

    def visit(self, node: IConstruct) -> None:
        self.add_all()

    def validate(self) -> list[str]:
        self.add_all()
        return []

    def add_all(self) -> None:
        self.ran = True
        for role in self.roles:
            role.add_pending_statements()
            role._direct = True  # pyright: ignore[reportPrivateUsage]


#: The ``_StackStatements`` of each stack holding a ``ManagedPolicyRole``, by the stack's jsii object
#: reference (a stack Node created has a new proxy each time). jsii keeps every object it handed to
#: Node, so an entry lives as long as the process; object references are never reused.
_STACKS: dict[str, _StackStatements] = {}


def _stack_statements(role: ManagedPolicyRole, scope: Construct) -> _StackStatements:
    """The ``_StackStatements`` of ``role``'s stack (its ``scope``'s, usually known already), made
    with the stack's first role."""
    stack = same_stack(role, scope)
    key = object_ref(stack)
    found = _STACKS.get(key)
    if found is None:
        found = _STACKS[key] = _StackStatements()
        Aspects.of(_first_leaf(stack)).add(found)
        stack.node.add_validation(found)
    return found


def _first_leaf(stack: Stack) -> IConstruct:
    """The construct at the end of the stack's chain of first children, or the first CloudFormation
    element on it (an L1 holds no children). Children keep the order they were made in, so this stays
    the first construct below the stack that aspect invocation visits."""
    node: IConstruct = stack
    while not isinstance(node, CfnElement) and (children := node.node.children):
        node = children[0]
    return node
