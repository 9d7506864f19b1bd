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

from constructs_lib._core.nag import acknowledge
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


@jsii.implements(IValidation)
class _AcknowledgeWildcards:
    def __init__(self, policy: iam.ManagedPolicy) -> None:
        self.policy = policy
        self.reasons: dict[str, str] = {}
        self.by_actions: dict[frozenset[str], str] = {}
        self.by_suffix: list[tuple[tuple[str, ...], str]] = []
        self.done: set[str] = set()

    def validate(self) -> list[str]:
        cfn = cast(iam.CfnManagedPolicy, self.policy.node.default_child)
        document: dict[str, Any] = Stack.of(self.policy).resolve(cfn.policy_document)
        statements: list[dict[str, Any]] = document.get("Statement", [])
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
                    acknowledge(cfn, why, finding)
        return []


def _registry(policy: iam.ManagedPolicy) -> _AcknowledgeWildcards:
    existing = getattr(policy, "_constructs_lib_wildcards", None)
    if existing is None:
        existing = _AcknowledgeWildcards(policy)
        policy.node.add_validation(existing)
        object.__setattr__(policy, "_constructs_lib_wildcards", existing)
    return existing


@jsii.implements(IValidation)
class _AcknowledgeExactWildcard:
    def __init__(self, scope: IConstruct, resource: str, reason: str) -> None:
        self._scope = scope
        self._resource = resource
        self._reason = reason

    def validate(self) -> list[str]:
        flat = flatten_cfn_reference(Stack.of(self._scope).resolve(self._resource))
        if "*" in flat:
            acknowledge(self._scope, self._reason, f"AwsSolutions-IAM5[Resource::{flat}]")
        return []


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
        scope.node.add_validation(_AcknowledgeExactWildcard(scope, resource, reason))


def acknowledge_statement_resources(policy: Construct, reason: str, *statements: iam.PolicyStatement) -> None:
    """Acknowledge, on ``policy`` only, each wildcard resource of ``statements`` with ``reason``.

    ``policy`` is the construct holding the statements (an ``iam.ManagedPolicy``). Resources without
    a ``*`` are left alone; wildcard actions are never acknowledged here. A finding shared by several
    statements (``Resource::*``) is acknowledged once, with all their reasons.
    """
    _statement_acknowledger(policy).entries.extend((statement, reason) for statement in statements)


@jsii.implements(IValidation)
class _StatementWildcardAcknowledger:
    def __init__(self, policy: Construct) -> None:
        self.policy = policy
        self.entries: list[tuple[iam.PolicyStatement, str]] = []

    def validate(self) -> list[str]:
        stack = Stack.of(self.policy)
        reasons: dict[str, list[str]] = {}
        for statement, reason in self.entries:
            for resource in statement.resources:
                flat = flatten_cfn_reference(stack.resolve(resource))
                if "*" in flat and reason not in reasons.setdefault(flat, []):
                    reasons[flat].append(reason)
        for flat, why in reasons.items():
            acknowledge(self.policy, " ".join(why), f"AwsSolutions-IAM5[Resource::{flat}]")
        return []


def _statement_acknowledger(policy: Construct) -> _StatementWildcardAcknowledger:
    acknowledger = getattr(policy, "_constructs_lib_statement_wildcards", None)
    if acknowledger is None:
        acknowledger = _StatementWildcardAcknowledger(policy)
        policy._constructs_lib_statement_wildcards = acknowledger  # pyright: ignore[reportAttributeAccessIssue] - kept on the policy it acknowledges for
        policy.node.add_validation(acknowledger)
    return acknowledger


def wildcard_resource_finding(scope: IConstruct, resource: str, rule: str = "AwsSolutions-IAM5") -> str:
    """The finding id of wildcard ``resource`` (an ARN, maybe with tokens) in a policy of ``scope``'s
    stack, resolved now: right for values of the same stack; for values imported from another stack
    use ``acknowledge_exact_wildcard``, which resolves once references are final."""
    return f"{rule}[Resource::{flatten_cfn_reference(Stack.of(scope).resolve(resource))}]"
