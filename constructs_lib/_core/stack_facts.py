"""What the library asks of a construct's stack, read from Node once per stack instead of per resource.

Every ``Stack.of(scope)``, ``stack.region``, ``stack.account`` and ``Aws.PARTITION`` is a jsii round
trip to the Node process, as costly as a cheap resource, and the library asks them while building
nearly every ARN and condition. None of them can change once read: a construct never moves to
another stack, a stack's environment is fixed when it is created, and ``Aws.PARTITION`` is one
token string for the whole app. So they are cached here (by construct, weakly: the cache keeps
nothing alive) and the values are the very strings CDK would have returned.
"""

from __future__ import annotations

import functools
import re
from typing import Any
from weakref import WeakKeyDictionary

from aws_cdk import Aws, Stack
from constructs import IConstruct

_STACKS: WeakKeyDictionary[IConstruct, Stack] = WeakKeyDictionary()
_FACTS: WeakKeyDictionary[Stack, StackFacts] = WeakKeyDictionary()
_PATHS: WeakKeyDictionary[IConstruct, str] = WeakKeyDictionary()


def stack_of(scope: IConstruct) -> Stack:
    """``Stack.of(scope)``, asked of Node once per construct."""
    stack = _STACKS.get(scope)
    if stack is None:
        stack = _STACKS[scope] = Stack.of(scope)
    return stack


def same_stack(construct: IConstruct, scope: IConstruct) -> Stack:
    """``scope``'s stack, remembered as ``construct``'s too: for a construct just created in ``scope``
    that is no stack itself (``Stack.of`` answers the nearest stack above it, ``scope``'s), so that
    asking for its stack later costs no round trip."""
    stack = _STACKS[construct] = stack_of(scope)
    return stack


class StackFacts:
    """A stack's region, account and partition (tokens for an environment-agnostic stack), each read
    from Node the first time it is asked."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack

    @functools.cached_property
    def region(self) -> str:
        return self.stack.region

    @functools.cached_property
    def account(self) -> str:
        return self.stack.account

    @property
    def partition(self) -> str:
        return aws_partition()


def stack_facts(scope: IConstruct) -> StackFacts:
    """The ``StackFacts`` of ``scope``'s stack."""
    stack = stack_of(scope)
    facts = _FACTS.get(stack)
    if facts is None:
        facts = _FACTS[stack] = StackFacts(stack)
    return facts


@functools.cache
def aws_partition() -> str:
    """``Aws.PARTITION``: the same token string every time it is asked."""
    return Aws.PARTITION


def construct_path(construct: IConstruct) -> str:
    """``construct.node.path`` (two round trips), asked of Node once per construct: a path never changes."""
    path = _PATHS.get(construct)
    if path is None:
        path = _PATHS[construct] = construct.node.path
    return path


#: What the constructs library replaces by ``--`` in a construct id (``sanitizeId``: the path and
#: address separators).
_PATH_UNSAFE = re.compile(r"[/\n]")


def path_of(scope: IConstruct, construct_id: str) -> str:
    """The path a construct ``construct_id`` under ``scope`` has (or will have: a subclass of a CDK
    type validates its input, and names itself, before it exists): the scope's path and the id, with
    any ``/`` or newline made ``--`` as the constructs library's ``sanitizeId`` does, or the id alone
    under the app."""
    parent = construct_path(scope)
    name = _PATH_UNSAFE.sub("--", construct_id)
    return f"{parent}/{name}" if parent else name


def remember_place(construct: IConstruct, scope: IConstruct, construct_id: str) -> None:
    """Remember where ``construct``, just made as ``construct_id`` under ``scope``, is, so that
    ``construct_path`` and ``stack_of`` ask Node nothing: its path (``path_of``), and its stack, the
    scope's (where that is known already, as it is for a stack), unless it is a stack itself."""
    _PATHS[construct] = path_of(scope, construct_id)
    stack = scope if isinstance(scope, Stack) else _STACKS.get(scope)
    if stack is not None and not isinstance(construct, Stack):
        _STACKS[construct] = stack


_ATTRIBUTES: WeakKeyDictionary[object, dict[str, Any]] = WeakKeyDictionary()


def read_once(obj: object, attribute: str) -> Any:
    """``getattr(obj, attribute)`` for a jsii attribute fixed when ``obj`` was created (an L1's
    ``attr_*`` token, a bucket's key), asked of Node the first time only. An object that can be neither
    hashed nor weakly referenced (a user's dataclass implementing ``IGrantable``) is asked each time."""
    try:
        known = _ATTRIBUTES.setdefault(obj, {})
    except TypeError:
        return getattr(obj, attribute)
    if attribute not in known:
        known[attribute] = getattr(obj, attribute)
    return known[attribute]
