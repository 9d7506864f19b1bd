"""Logical IDs that stay put when a construct's path moves.

CloudFormation knows a resource by its logical ID, which CDK derives from the construct path below
the stack. When a wrapper construct becomes the L2 itself (``Data/Resource/Resource`` becomes
``Data/Resource``), every resource under it would get a new ID and be replaced: for buckets, keys
and topics that is data lost. ``keep_logical_ids`` pins the IDs CDK gave the old paths.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from weakref import WeakValueDictionary

import jsii
from aws_cdk import Aspects, CfnElement, IAspect, Stack
from constructs import IConstruct

from constructs_lib._core.jsii_identity import object_ref
from constructs_lib._core.stack_facts import construct_path, stack_of

_HIDDEN_ID = "Default"
_HIDDEN_FROM_HUMAN_ID = "Resource"
_MAX_HUMAN_LEN = 240
_MAX_ID_LEN = 255
_HASH_LEN = 8
_NON_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")
#: The attribute that marks a construct whose descendants keep their legacy logical IDs.
_MARK = "_constructs_lib_logical_ids"


def unique_id(components: Sequence[str]) -> str:
    """The logical ID CDK gives the path ``components`` (below the stack): a port of aws-cdk-lib's
    ``makeUniqueId`` (``core/lib/private/uniqueid.ts``), the default of ``Stack.allocateLogicalId``."""
    components = [c for c in components if c != _HIDDEN_ID]
    if not components:
        raise ValueError("unable to calculate a unique id for an empty set of components")
    if len(components) == 1:
        candidate = _NON_ALPHANUMERIC.sub("", components[0])
        if len(candidate) <= _MAX_ID_LEN:
            return candidate
    digest = hashlib.md5("/".join(components).encode()).hexdigest()[:_HASH_LEN].upper()  # noqa: S324 (CDK's hash)
    human = "".join(_NON_ALPHANUMERIC.sub("", c) for c in _remove_dupes(components) if c != _HIDDEN_FROM_HUMAN_ID)[
        :_MAX_HUMAN_LEN
    ]
    return human + digest


def _remove_dupes(path: Sequence[str]) -> list[str]:
    """Components, without one that the previous component ends with (``Bucket/Bucket``)."""
    kept: list[str] = []
    for component in path:
        if not kept or not kept[-1].endswith(component):
            kept.append(component)
    return kept


def path_below_stack(construct: IConstruct) -> list[str]:
    """The ids of ``construct`` and its scopes below its stack, the path its logical ID hashes."""
    return _below(construct_path(stack_of(construct)), construct_path(construct))


def _below(base: str, path: str) -> list[str]:
    """The components of ``path`` below ``base`` (a construct id never holds a ``/``: CDK replaces it)."""
    return path[len(base) + 1 :].split("/")


class _StackOwners:
    """The constructs of one stack that keep legacy logical IDs, by path."""

    def __init__(self, stack: Stack) -> None:
        self.path = construct_path(stack)
        #: By path; ``KEEPS_CURRENT`` for a construct whose resources keep the IDs of their paths.
        self.owners: dict[str, _LegacyLogicalIds | object] = {}

    def nearest(self, path: str) -> _LegacyLogicalIds | object | None:
        """The owner nearest above ``path`` (a construct's path), if any."""
        while "/" in path:
            path = path.rsplit("/", 1)[0]
            owner = self.owners.get(path)
            if owner is not None:
                return owner
        return None


#: ``_StackOwners`` by stack (jsii's object reference: a stack Node created has a new proxy each time),
#: alive while one of its owners' aspects is.
_OWNERS: WeakValueDictionary[str, _StackOwners] = WeakValueDictionary()


def _stack_owners(construct: IConstruct) -> _StackOwners:
    stack = stack_of(construct)
    key = object_ref(stack)
    owners = _OWNERS.get(key)
    if owners is None:
        owners = _OWNERS[key] = _StackOwners(stack)
    return owners


#: The owner of the resources under a construct that keeps the IDs CDK gives their paths.
KEEPS_CURRENT = object()


def keep_current_logical_ids(construct: IConstruct) -> None:
    """Leave the resources under ``construct`` with the IDs CDK gives their paths, even where a
    construct above it keeps legacy IDs (where a library module makes a foundation at the path of the
    plain L2 it made until 0.2). Asks Node nothing where the construct's place is remembered."""
    _stack_owners(construct).owners[construct_path(construct)] = KEEPS_CURRENT


def keep_logical_ids(
    construct: IConstruct, *, formerly_under: IConstruct | None = None, formerly_named: str | None = None
) -> None:
    """Give every resource under ``construct`` the logical ID it had when ``construct`` was a wrapper
    named ``formerly_named`` under ``formerly_under`` (default: where it is now) holding its L2 as the
    child ``Resource``: ``X/Policy/Resource`` keeps the ID of ``X/Resource/Policy/Resource``.

    Called where ``construct`` is built (its resources are the library's own, so none carries an ID
    the user set yet), it pins them at once, so that code resolving an ID at construction sees the
    kept one; an aspect pins at synth what was added since (a topic's subscriptions, a bucket's
    notifications), except where the user overrode the ID. Resources under a descendant that keeps
    its own IDs (a bucket's access-log bucket) are left to it. Called again for the same construct,
    the last call's former place applies.
    """
    aspect: _LegacyLogicalIds | None = getattr(construct, _MARK, None)
    if aspect is None:
        aspect = _LegacyLogicalIds(construct, _stack_owners(construct))
        setattr(construct, _MARK, aspect)
        Aspects.of(construct).add(aspect)
    stack_path = aspect.owners.path
    if formerly_under is not None:
        parent = _below(stack_path, construct_path(formerly_under))
    else:
        parent = _below(stack_path, aspect.path)[:-1]
    aspect.wrapper = [*parent, formerly_named or aspect.path.rsplit("/", 1)[-1], _HIDDEN_FROM_HUMAN_ID]
    for child in construct.node.find_all():
        if isinstance(child, CfnElement):
            known = aspect.pinned.get(object_ref(child))  # pinned by an earlier call: its path is known
            aspect.pin(child, known[1] if known else child.node.path)


@jsii.implements(IAspect)
class _LegacyLogicalIds:
    def __init__(self, owner: IConstruct, owners: _StackOwners) -> None:
        self.owner = owner
        self.owners = owners
        self.path = construct_path(owner)
        owners.owners[self.path] = self
        #: The old path of the owner's L2 (below the stack): ``[..., <wrapper id>, "Resource"]``.
        self.wrapper: list[str] = []
        #: The elements this aspect gave an ID, by jsii object reference: (element, its path).
        self.pinned: dict[str, tuple[CfnElement, str]] = {}

    def visit(self, node: IConstruct) -> None:
        """At synth: pin what was added since, unless the user set its ID (what is pinned stays)."""
        if not isinstance(node, CfnElement) or object_ref(node) in self.pinned:
            return
        path = node.node.path
        if self.owners.nearest(path) is not self:
            return  # a nearer construct keeps the IDs of this one (asked before the override check's round trips)
        stack = node.stack
        if stack.resolve(node.logical_id) != stack.get_logical_id(node):
            return  # overridden by the user
        self.pin(node, path)

    def pin(self, element: CfnElement, path: str) -> None:
        if self.owners.nearest(path) is not self:
            return  # a nearer construct keeps the IDs of this one
        self.pinned[object_ref(element)] = (element, path)
        element.override_logical_id(unique_id([*self.wrapper, *_below(self.path, path)]))
