"""A small IAM policy evaluator: does a set of identity policies allow one request?

Enough of IAM's evaluation logic to prove run-time grants offline: ``Action``/``NotAction``,
``Resource``/``NotResource`` with ``*`` and ``?`` wildcards (case-insensitive actions, case-sensitive
resources), explicit ``Deny`` over ``Allow``, and the condition operators the library writes
(``String*``, ``Arn*``, ``Bool``, ``Null``, with ``ForAnyValue:``/``ForAllValues:`` and ``IfExists``).

Conditions are treated conservatively: a condition this evaluator cannot decide (an operator it does
not know, a key the request context does not carry) makes an ``Allow`` not apply and a ``Deny`` apply,
so "allowed" is only ever answered when IAM would allow too.

Values are the comparable strings of ``cfn_values``: tokens a template cannot resolve appear as
``{{...}}`` placeholders, literal text that a policy's ``*`` matches like any other characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast


@lru_cache(maxsize=8192)
def _pattern(text: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile(f"^{body}$", re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's glob: ``*`` any run of characters (``/`` and ``:`` included), ``?`` one character."""
    if pattern == "*":
        return True
    if "*" not in pattern and "?" not in pattern:
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return bool(_pattern(pattern, ignore_case).match(value))


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(cast("Sequence[Any]", value)) if isinstance(value, (list, tuple)) else [value]


@dataclass(frozen=True)
class Request:
    """One call AWS makes with a role: an action on a resource, with the condition keys it carries."""

    action: str
    resource: str
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict[str, "str | Sequence[str]"])
    #: The context holds every key the call carries: a key it lacks is missing (IAM's rules: positive
    #: operators false, negated ones true), not unknown. False for contracts, whose context is partial.
    complete: bool = False

    def context_values(self, key: str) -> list[str] | None:
        for k, v in self.context.items():
            if k.lower() == key.lower():
                return [v] if isinstance(v, str) else [str(x) for x in v]
        return None


_UNKNOWN = None  # a condition this evaluator cannot decide


def _number(text: Any) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return float("nan")  # compares false: a placeholder is no number


#: A condition operator's test of a policy value against a request value.
_Test = Callable[[str, str], bool]


def _string_test(operator: str) -> tuple[bool, _Test] | None:
    """(negated, test(policy_value, request_value)) for the string and ARN operators."""
    tests: dict[str, tuple[bool, _Test]] = {
        "StringEquals": (False, lambda p, v: p == v),
        "StringNotEquals": (True, lambda p, v: p == v),
        "StringEqualsIgnoreCase": (False, lambda p, v: p.lower() == v.lower()),
        "StringNotEqualsIgnoreCase": (True, lambda p, v: p.lower() == v.lower()),
        "StringLike": (False, lambda p, v: wildcard_match(p, v)),
        "StringNotLike": (True, lambda p, v: wildcard_match(p, v)),
        "ArnEquals": (False, lambda p, v: wildcard_match(p, v)),
        "ArnLike": (False, lambda p, v: wildcard_match(p, v)),
        "ArnNotEquals": (True, lambda p, v: wildcard_match(p, v)),
        "ArnNotLike": (True, lambda p, v: wildcard_match(p, v)),
        "Bool": (False, lambda p, v: str(p).lower() == str(v).lower()),
        "NumericEquals": (False, lambda p, v: _number(v) == _number(p)),
        "NumericNotEquals": (True, lambda p, v: _number(v) == _number(p)),
        "NumericLessThan": (False, lambda p, v: _number(v) < _number(p)),
        "NumericLessThanEquals": (False, lambda p, v: _number(v) <= _number(p)),
        "NumericGreaterThan": (False, lambda p, v: _number(v) > _number(p)),
        "NumericGreaterThanEquals": (False, lambda p, v: _number(v) >= _number(p)),
    }
    return tests.get(operator)


def _condition_holds(operator: str, key: str, expected: Any, request: Request) -> bool | None:
    """True, False, or None when undecidable."""
    qualifier = None
    if ":" in operator:
        qualifier, operator = operator.split(":", 1)
    if_exists = operator.endswith("IfExists")
    operator = operator[: -len("IfExists")] if if_exists else operator
    values = request.context_values(key)
    expected_values = [str(e) for e in as_list(expected)]
    if operator == "Null":
        wants_missing = any(e.lower() == "true" for e in expected_values)  # a value or a list of one
        return (values is None) == wants_missing
    test = _string_test(operator)
    if test is None:
        return _UNKNOWN
    negated, match = test
    if values is None:
        if if_exists:
            return True
        # IAM: a missing key makes positive operators false and negated ones true; the context of a
        # contract request holds the keys SageMaker sends, others are unknown.
        return negated if request.complete else _UNKNOWN

    def one(value: str) -> bool:
        hit = any(match(e, value) for e in expected_values)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(one(v) for v in values)
    return (
        any(one(v) for v in values) if qualifier == "ForAnyValue" or len(values) <= 1 else all(one(v) for v in values)
    )


def conditions_hold(conditions: Mapping[str, Mapping[str, Any]] | None, request: Request) -> bool | None:
    """All conditions hold (True), one fails (False), or one is undecidable (None)."""
    result: bool | None = True
    for operator, keys in (conditions or {}).items():
        if not isinstance(keys, Mapping):  # pyright: ignore[reportUnnecessaryIsInstance] - a policy's JSON may hold anything
            return _UNKNOWN
        for key, expected in keys.items():
            holds = _condition_holds(operator, key, expected, request)
            if holds is False:
                return False
            if holds is None:
                result = None
    return result


@dataclass(frozen=True)
class Statement:
    """One resolved statement (strings only; tokens as ``{{...}}`` placeholders)."""

    effect: str
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    conditions: Mapping[str, Mapping[str, Any]] | None = None
    sid: str | None = None

    @staticmethod
    def from_json(statement: Mapping[str, Any]) -> Statement:
        return Statement(
            effect=str(statement.get("Effect", "Allow")),
            actions=tuple(str(a) for a in as_list(statement.get("Action"))),
            not_actions=tuple(str(a) for a in as_list(statement.get("NotAction"))),
            resources=tuple(str(r) for r in as_list(statement.get("Resource"))),
            not_resources=tuple(str(r) for r in as_list(statement.get("NotResource"))),
            conditions=statement.get("Condition"),
            sid=statement.get("Sid"),
        )

    def matches_action(self, action: str) -> bool:
        if self.not_actions:
            return not any(wildcard_match(a, action, ignore_case=True) for a in self.not_actions)
        return any(wildcard_match(a, action, ignore_case=True) for a in self.actions)

    def matches_resource(self, resource: str) -> bool:
        if self.not_resources:
            return not any(wildcard_match(r, resource) for r in self.not_resources)
        return any(wildcard_match(r, resource) for r in self.resources)


def statements_of(documents: Iterable[Mapping[str, Any]]) -> list[Statement]:
    return [
        Statement.from_json(cast("Mapping[str, Any]", s))
        for d in documents
        for s in as_list(d.get("Statement"))
        if isinstance(s, Mapping)
    ]


def decide(statements: Sequence[Statement], request: Request) -> str:
    """``"allowed"``, ``"denied"`` (an explicit or conservatively assumed Deny), or ``"implicit"``
    (no Allow applies)."""
    allowed = False
    for s in statements:
        if not (s.matches_action(request.action) and s.matches_resource(request.resource)):
            continue
        holds = conditions_hold(s.conditions, request)
        if s.effect == "Deny":
            if holds is not False:
                return "denied"
        elif holds is True:
            allowed = True
    return "allowed" if allowed else "implicit"


def is_allowed(statements: Sequence[Statement], request: Request) -> bool:
    return decide(statements, request) == "allowed"
