"""A small, offline evaluator of resource-policy statements (Allow only, as endpoint policies are):
enough to ask "would AWS let this request through?" of a synthesized template.

Intrinsics are resolved for one concrete environment (``Ref`` of pseudo parameters, ``Fn::Join``,
``Fn::Split``); actions and resources match with IAM's ``*``/``?`` wildcards; conditions support
``StringEquals``, ``StringLike``, ``ArnLike``, ``ArnEquals`` and ``Bool`` on the request context.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase


@dataclass
class Request:
    action: str
    resource: str
    context: dict[str, str] = field(default_factory=dict)


def resolve(value, pseudo: dict[str, str]):
    """``value`` with ``Ref`` of pseudo parameters, ``Fn::Join`` and ``Fn::Split`` evaluated."""
    if isinstance(value, list):
        return [resolve(v, pseudo) for v in value]
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in pseudo:
            return pseudo[value["Ref"]]
        if set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            parts = resolve(parts, pseudo)
            return separator.join(str(p) for p in parts)
        if set(value) == {"Fn::Split"}:
            separator, text = value["Fn::Split"]
            return str(resolve(text, pseudo)).split(separator)
        return {k: resolve(v, pseudo) for k, v in value.items()}
    return value


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _conditions_hold(conditions: dict, context: dict[str, str]) -> bool:
    for operator, tests in conditions.items():
        for key, expected in tests.items():
            actual = context.get(key)
            if actual is None:
                return False
            if operator in ("StringEquals", "ArnEquals", "Bool"):
                ok = actual in _as_list(expected)
            elif operator in ("StringLike", "ArnLike"):
                ok = any(fnmatchcase(actual, e) for e in _as_list(expected))
            else:
                raise NotImplementedError(operator)
            if not ok:
                return False
    return True


def allows(document: dict, request: Request) -> bool:
    """Whether some Allow statement of ``document`` (resolved) matches ``request``, none denying."""
    allowed = False
    for statement in document["Statement"]:
        if not any(fnmatchcase(request.action, a) for a in _as_list(statement.get("Action", []))):
            continue
        if not any(fnmatchcase(request.resource, r) for r in _as_list(statement.get("Resource", []))):
            continue
        if not _conditions_hold(statement.get("Condition", {}), request.context):
            continue
        if statement["Effect"] == "Deny":
            return False
        allowed = True
    return allowed
