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

import jsii
from aws_cdk import Aspects, CfnElement, IAspect, Stack
from constructs import IConstruct

from constructs_lib._core.jsii_identity import object_ref

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
    scopes = construct.node.scopes
    stack = Stack.of(construct)
    start = next(i for i, scope in enumerate(scopes) if scope is stack) + 1
    return [scope.node.id for scope in scopes[start:]]


def keep_logical_ids(
    construct: IConstruct, *, formerly_under: IConstruct | None = None, formerly_named: str | None = None
) -> None:
    """Give every resource under ``construct`` the logical ID it had when ``construct`` was a wrapper
    named ``formerly_named`` under ``formerly_under`` (default: where it is now) holding its L2 as the
    child ``Resource``: ``X/Policy/Resource`` keeps the ID of ``X/Resource/Policy/Resource``.

    Pinned now (code that resolves an ID at construction sees the kept one) and again at synth (an
    aspect), so that resources added later (a topic's subscriptions, a bucket's notifications) keep
    theirs too. Resources under a descendant that keeps its own IDs (a bucket's access-log bucket) are
    left to it, and an ID the user overrides wins. Called again for the same construct, the last
    call's former place applies.
    """
    aspect: _LegacyLogicalIds | None = getattr(construct, _MARK, None)
    if aspect is None:
        aspect = _LegacyLogicalIds(construct)
        setattr(construct, _MARK, aspect)
        Aspects.of(construct).add(aspect)
    parent = path_below_stack(formerly_under) if formerly_under is not None else path_below_stack(construct)[:-1]
    aspect.wrapper = [*parent, formerly_named or construct.node.id, _HIDDEN_FROM_HUMAN_ID]
    for child in construct.node.find_all():
        if isinstance(child, CfnElement):
            aspect.pin(child)


@jsii.implements(IAspect)
class _LegacyLogicalIds:
    def __init__(self, owner: IConstruct) -> None:
        self.owner = owner
        #: The old path of the owner's L2 (below the stack): ``[..., <wrapper id>, "Resource"]``.
        self.wrapper: list[str] = []
        #: The IDs this aspect set, by construct path.
        self.pinned: dict[str, str] = {}
        #: The Node objects of the elements in ``pinned`` (``object_ref``): what the synth visits skip
        #: without asking Node for each element's path.
        self._pinned_objects: set[str] = set()
        self.enabled = True

    def visit(self, node: IConstruct) -> None:
        """At synth: pin what was added since (what is pinned stays, or the user's override does)."""
        if (
            self.enabled
            and isinstance(node, CfnElement)
            and object_ref(node) not in self._pinned_objects
            and node.node.path not in self.pinned
        ):
            self.pin(node)

    def pin(self, element: CfnElement) -> None:
        scopes = element.node.scopes
        marked: list[_LegacyLogicalIds] = [a for a in (getattr(s, _MARK, None) for s in scopes) if a is not None]
        if marked[-1] is not self:
            return  # a nearer construct keeps the IDs of this one
        path = element.node.path
        stack = element.stack
        current = stack.resolve(element.logical_id)
        if current != stack.get_logical_id(element) and all(a.pinned.get(path) != current for a in marked):
            return  # overridden by the user
        start = next(i for i, scope in enumerate(scopes) if scope is self.owner) + 1
        self.pinned[path] = unique_id([*self.wrapper, *(scope.node.id for scope in scopes[start:])])
        self._pinned_objects.add(object_ref(element))
        element.override_logical_id(self.pinned[path])

    def clear(self) -> None:
        self.pinned.clear()
        self._pinned_objects.clear()


def use_current_logical_ids(construct: IConstruct) -> None:
    """Undo ``keep_logical_ids`` for ``construct``: where a library module replaces a plain L2 it
    created (an ``sns.Topic``) by one of the foundations at the same path, the IDs CDK gives that
    path are already the old ones."""
    aspect: _LegacyLogicalIds | None = getattr(construct, _MARK, None)
    if aspect is None:
        return
    aspect.enabled = False
    for child in construct.node.find_all():
        if isinstance(child, CfnElement) and child.node.path in aspect.pinned:
            child.override_logical_id(child.stack.get_logical_id(child))
    aspect.clear()
