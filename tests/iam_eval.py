"""A small IAM policy evaluator for tests: does a synthesized policy allow or deny one request?

Enough of IAM for the platform's own statements: Action and Resource globs (``*``, ``?``),
NotResource is not used; conditions StringEquals/StringNotEquals/StringLike/StringNotLike,
ArnLike/ArnNotLike, Bool, Null, with the ``...IfExists`` suffix and IAM's rules for a key the
request lacks (a negated operator is then true, a positive one false). Tokens are compared as
cdk-nag flattens them (``<Bucket.Arn>/teams/a/*``, ``arn:<AWS::Partition>:...``), so requests are
written the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from constructs_lib._internal.wildcards import flatten_cfn_reference


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    #: Condition keys of the request (``aws:PrincipalTag/team``, ``s3:prefix``...); a list for multi-valued keys.
    context: Mapping[str, str | list[str]] = field(default_factory=dict)


def _glob(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def _list(value) -> list:
    return value if isinstance(value, list) else [value]


def _operator(name: str, wanted: list[str], present: list[str] | None) -> bool:
    if_exists = name.endswith("IfExists")
    base = name[: -len("IfExists")] if if_exists else name
    if base == "Null":
        return (present is None) == (str(wanted[0]).lower() == "true")
    if present is None:
        return if_exists or base.startswith(("StringNot", "ArnNot"))
    if base == "Bool":
        return any(str(v).lower() == str(w).lower() for v in present for w in wanted)
    negated = base in ("StringNotEquals", "StringNotLike", "ArnNotLike", "ArnNotEquals")
    like = base in ("StringLike", "StringNotLike", "ArnLike", "ArnNotLike", "ArnEquals", "ArnNotEquals")
    match = any(_glob(w, v) if like else w == v for v in present for w in wanted)
    return not match if negated else match


def _conditions_hold(conditions: Mapping, context: Mapping) -> bool:
    for name, keys in conditions.items():
        qualifier, _, operator = name.rpartition(":")
        for key, wanted in keys.items():
            wanted = [flatten_cfn_reference(w) for w in _list(wanted)]
            present = context.get(key)
            present = None if present is None else [str(v) for v in _list(present)]
            if qualifier == "ForAnyValue":
                ok = present is not None and any(_operator(operator, wanted, [v]) for v in present)
            else:
                ok = _operator(operator, wanted, present)
            if not ok:
                return False
    return True


def _matches(statement: Mapping, request: Request) -> bool:
    actions = _list(statement.get("Action", []))
    if not any(_glob(a, request.action, ignore_case=True) for a in actions):
        return False
    resources = [flatten_cfn_reference(r) for r in _list(statement.get("Resource", []))]
    if not any(_glob(r, request.resource) for r in resources):
        return False
    return _conditions_hold(statement.get("Condition", {}), request.context)


def denied(statements: list[Mapping], request: Request) -> bool:
    """Whether an explicit Deny of ``statements`` matches ``request``."""
    return any(s["Effect"] == "Deny" and _matches(s, request) for s in statements)


def allowed(statements: list[Mapping], request: Request) -> bool:
    """Whether ``statements`` (one principal's identity policies) allow ``request``: an Allow
    matches and no Deny does."""
    return any(s["Effect"] == "Allow" and _matches(s, request) for s in statements) and not denied(
        statements, request)
