"""Acknowledging the unavoidable wildcard of an IAM statement, one exact cdk-nag finding at a time.

Every function takes the scope first, the reason second, then what it acknowledges, as the public
``acknowledge`` family of ``constructs_lib.foundation.compliance`` does.

Object-level S3 permissions need ``<bucket ARN>/<prefix>/*`` and some actions accept only ``*``. cdk-nag
reports each such resource as ``AwsSolutions-IAM5[Resource::<flattened resource>]``, where the flattened
text depends on how the ARN resolves in the final template (a cross-stack reference only becomes
``Fn::GetStackOutput`` / ``Fn::ImportValue`` when the app is prepared). So the finding ids are computed
at validation time, after references are final, from the statements named by ``Sid``: exactly the
wildcards of those statements are acknowledged, each with its reason, nothing else. Statements can
be named by ``Sid``, by their exact action set, or (for prefixes a construct owns) by the suffix every
acknowledged resource must end with.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

import jsii
from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct, IValidation

from constructs_lib._core.jsii_identity import object_ref
from constructs_lib._core.nag import record_acknowledgments
from constructs_lib._core.stack_facts import stack_of
from constructs_lib._core.validation import invalid, is_unresolved


def acknowledge_statement_wildcards(policy: iam.ManagedPolicy, reason: str, *sids: str) -> None:
    """Acknowledge the wildcard resources of the statements ``sids`` (their ``Sid``) of ``policy``, for
    ``reason``: exactly the IAM5 findings of those resources, computed at validation time, when
    cross-stack references are final."""
    if not sids:
        raise invalid(policy, "acknowledge_statement_wildcards", "sids", sids, "name at least one statement")
    validation = _registry(policy)
    for sid in sids:
        validation.reasons[sid] = reason


def acknowledge_action_wildcards(policy: iam.ManagedPolicy, reason: str, actions: frozenset[str]) -> None:
    """Acknowledge the wildcard resources of the statements of ``policy`` whose actions are exactly
    ``actions`` (statements aws-cdk writes without a ``Sid``, e.g. ``lambda:InvokeFunction`` on
    ``<function ARN>:*`` for its versions)."""
    validation = _registry(policy)
    validation.by_actions[frozenset(actions)] = reason


def acknowledge_resource_wildcards(policy: iam.ManagedPolicy, reason: str, suffixes: Sequence[str]) -> None:
    """Acknowledge the wildcard resources of ``policy``'s Allow statements that end with one of
    ``suffixes`` (e.g. ``/teams/a/*``: the construct's own prefix), whatever the statement."""
    _registry(policy).by_suffix.append((tuple(suffixes), reason))


def flatten_cfn_reference(node: Any) -> str:
    """cdk-nag's ``flattenCfnReference``: how a resolved resource appears in an IAM5 finding id."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        node = cast("dict[str, Any]", node)
        if "Fn::Join" in node:
            delimiter, items = cast("tuple[str, list[Any]]", node["Fn::Join"])
            return delimiter.join(flatten_cfn_reference(item) for item in items)
        if "Fn::Sub" in node:
            return flatten_cfn_reference(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = cast("tuple[Any, Any]", node["Fn::GetAtt"])
            return f"<{flatten_cfn_reference(resource)}.{flatten_cfn_reference(attribute)}>"
        if "Fn::ImportValue" in node:
            return flatten_cfn_reference(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{flatten_cfn_reference(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))


#: What an acknowledger found: for each construct, its ``(finding id, reason)`` pairs.
_Found = list[tuple[IConstruct, list[tuple[str, str]]]]


class _PolicyWildcards:
    """The acknowledgments of one managed policy's statements (by ``Sid``, actions or suffix)."""

    def __init__(self, policy: iam.ManagedPolicy) -> None:
        self.policy = policy
        self.reasons: dict[str, str] = {}
        self.by_actions: dict[frozenset[str], str] = {}
        self.by_suffix: list[tuple[tuple[str, ...], str]] = []
        self.done: set[str] = set()
        self._cfn: iam.CfnManagedPolicy | None = None

    def unresolved(self) -> object:
        self._cfn = cast(iam.CfnManagedPolicy, self.policy.node.default_child)
        return self._cfn.policy_document

    def apply(self, document: Any) -> _Found:
        assert self._cfn is not None
        resolved: dict[str, Any] = document or {}
        statements: list[dict[str, Any]] = resolved.get("Statement", [])
        found: list[tuple[str, str]] = []
        for statement in statements:
            actions = statement.get("Action", [])
            reason = self.reasons.get(statement.get("Sid", "")) or self.by_actions.get(
                frozenset(cast("list[str]", actions) if isinstance(actions, list) else [actions])
            )
            if statement.get("Effect") != "Allow":
                continue
            resources = statement.get("Resource", [])
            for resource in cast("list[Any]", resources) if isinstance(resources, list) else [resources]:
                flat = flatten_cfn_reference(resource)
                finding = f"AwsSolutions-IAM5[Resource::{flat}]"
                why = reason or next((r for suffixes, r in self.by_suffix if flat.endswith(suffixes)), None)
                if why is not None and "*" in flat and finding not in self.done:
                    self.done.add(finding)
                    found.append((finding, why))
        return [(self._cfn, found)]


class _ExactWildcard:
    """The acknowledgment of one wildcard resource (maybe a token) on one construct."""

    def __init__(self, scope: IConstruct, resource: str, reason: str) -> None:
        self._scope = scope
        self._resource = resource
        self._reason = reason

    def unresolved(self) -> object:
        return self._resource

    def apply(self, resource: Any) -> _Found:
        flat = flatten_cfn_reference(resource)
        return [(self._scope, [(f"AwsSolutions-IAM5[Resource::{flat}]", self._reason)])] if "*" in flat else []


class _StatementWildcards:
    """The acknowledgments of the wildcard resources of given statements, on the policy holding them."""

    def __init__(self, policy: Construct) -> None:
        self.policy = policy
        self.entries: list[tuple[iam.PolicyStatement, str]] = []
        #: Each entry's resources, as its statement renders them (``_StackWildcards`` reads them).
        self.resources: list[list[Any]] = []

    def unresolved(self) -> object:
        return self.resources

    def apply(self, resolved: Any) -> _Found:
        reasons: dict[str, list[str]] = {}
        for resources, (_, reason) in zip(cast("list[list[Any]]", resolved), self.entries, strict=True):
            for resource in resources:
                flat = flatten_cfn_reference(resource)
                if "*" in flat and reason not in reasons.setdefault(flat, []):
                    reasons[flat].append(reason)
        return [
            (self.policy, [(f"AwsSolutions-IAM5[Resource::{flat}]", " ".join(why)) for flat, why in reasons.items()])
        ]


_Acknowledger = _PolicyWildcards | _ExactWildcard | _StatementWildcards


@jsii.implements(IValidation)
class _StackWildcards:
    """Every wildcard acknowledgment of one stack, computed once references are final: one
    validation per stack that resolves all their values in one call and acknowledges on each
    construct once, rather than one validation (a callback from Node, then a ``Stack.of``, a
    ``resolve`` and an ``acknowledge`` each) per acknowledgment."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        #: In the order they were made, the order their acknowledgments are recorded in.
        self.acknowledgers: list[_Acknowledger] = []

    def validate(self) -> list[str]:
        self._read_statement_resources()
        # A map, not a list: CDK drops the items of a list that resolve to nothing (an empty policy).
        resolved: dict[str, Any] = self.stack.resolve(
            {str(i): acknowledger.unresolved() for i, acknowledger in enumerate(self.acknowledgers)}
        )
        # Gathered by construct (in the order found), so each construct costs one acknowledge call.
        by_construct: dict[str, tuple[IConstruct, list[tuple[str, str]]]] = {}
        for i, acknowledger in enumerate(self.acknowledgers):
            for construct, findings in acknowledger.apply(resolved.get(str(i))):
                by_construct.setdefault(object_ref(construct), (construct, []))[1].extend(findings)
        for construct, findings in by_construct.values():
            record_acknowledgments(construct, findings)
        return []

    def _read_statement_resources(self) -> None:
        """The resources of every statement acknowledged by ``acknowledge_statement_resources`` in this
        stack, in two round trips (one document rendering them all) instead of one per statement.
        Read now, when the statements are final: a statement may get resources after it is named."""
        holders = [a for a in self.acknowledgers if isinstance(a, _StatementWildcards)]
        statements = [statement for holder in holders for statement, _ in holder.entries]
        if not statements:
            return
        rendered = iter(cast("list[dict[str, Any]]", iam.PolicyDocument(statements=statements).to_json()["Statement"]))
        for holder in holders:
            holder.resources = [_as_list(next(rendered).get("Resource")) for _ in holder.entries]


def _as_list(value: Any) -> list[Any]:
    """A rendered statement's ``Resource``: none, one value, or a list."""
    if value is None:
        return []
    return cast("list[Any]", value) if isinstance(value, list) else [value]


def _stack_wildcards(scope: IConstruct) -> _StackWildcards:
    stack = stack_of(scope)
    existing: _StackWildcards | None = getattr(stack, _STACK_MARK, None)
    if existing is None:
        existing = _StackWildcards(stack)
        stack.node.add_validation(existing)
        setattr(stack, _STACK_MARK, existing)
    return existing


#: The attributes under which a stack keeps its acknowledgments and a policy its own.
_STACK_MARK = "_constructs_lib_stack_wildcards"
_POLICY_MARK = "_constructs_lib_wildcards"
_STATEMENTS_MARK = "_constructs_lib_statement_wildcards"


def _registry(policy: iam.ManagedPolicy) -> _PolicyWildcards:
    existing: _PolicyWildcards | None = getattr(policy, _POLICY_MARK, None)
    if existing is None:
        existing = _PolicyWildcards(policy)
        _stack_wildcards(policy).acknowledgers.append(existing)
        object.__setattr__(policy, _POLICY_MARK, existing)
    return existing


def acknowledge_exact_wildcard(scope: IConstruct, reason: str, *resources: str) -> None:
    """Acknowledge the IAM5 finding of exactly each of ``resources`` (wildcard ARNs, possibly tokens)
    on ``scope`` only, once references are resolved."""
    if not resources:
        raise invalid(scope, "acknowledge_exact_wildcard", "resources", resources, "name at least one resource")
    if len(reason.strip()) < 20:
        raise invalid(
            scope, "acknowledge_exact_wildcard", "reason", reason, "needs a real reason (at least 20 characters)"
        )
    for resource in resources:
        if "*" not in resource and not is_unresolved(resource):
            raise invalid(
                scope, "acknowledge_exact_wildcard", "resource", resource, "holds no wildcard: nothing to acknowledge"
            )
        _stack_wildcards(scope).acknowledgers.append(_ExactWildcard(scope, resource, reason))


def acknowledge_statement_resources(policy: Construct, reason: str, *statements: iam.PolicyStatement) -> None:
    """Acknowledge, on ``policy`` only, each wildcard resource of ``statements`` with ``reason``.

    ``policy`` is the construct holding the statements (an ``iam.ManagedPolicy``). Resources without
    a ``*`` are left alone; wildcard actions are never acknowledged here. A finding shared by several
    statements (``Resource::*``) is acknowledged once, with all their reasons.
    """
    _statement_acknowledger(policy).entries.extend((statement, reason) for statement in statements)


def _statement_acknowledger(policy: Construct) -> _StatementWildcards:
    acknowledger: _StatementWildcards | None = getattr(policy, _STATEMENTS_MARK, None)
    if acknowledger is None:
        acknowledger = _StatementWildcards(policy)
        _stack_wildcards(policy).acknowledgers.append(acknowledger)
        setattr(policy, _STATEMENTS_MARK, acknowledger)
    return acknowledger


def wildcard_resource_finding(scope: IConstruct, resource: str, rule: str = "AwsSolutions-IAM5") -> str:
    """The finding id of wildcard ``resource`` (an ARN, maybe with tokens) in a policy of ``scope``'s
    stack, resolved now: right for values of the same stack; for values imported from another stack
    use ``acknowledge_exact_wildcard``, which resolves once references are final."""
    return f"{rule}[Resource::{flatten_cfn_reference(stack_of(scope).resolve(resource))}]"
