"""Conditions of a ``ConditionStep``: comparisons, membership, negation and disjunction.

The request formats follow the SageMaker Python SDK (``sagemaker/workflow/conditions.py``):
comparisons ``{"Type", "LeftValue", "RightValue"}``, ``In`` ``{"Type", "QueryValue", "Values"}``,
``Not`` ``{"Type", "Expression"}``, ``Or`` ``{"Type", "Conditions"}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from constructs_lib.training.pipeline.expressions import ANY, FLOAT, INTEGER, OBJECT, Expression, accepts, kind_of
from constructs_lib.training.pipeline.step import StepValidator, given

_NUMERIC = (INTEGER, FLOAT, ANY)


class Condition:
    condition_type: ClassVar[str] = ""

    def request(self) -> dict[str, Any]:
        raise NotImplementedError

    def operands(self) -> list[Any]:
        """The values (and nested conditions' values) the condition reads."""
        raise NotImplementedError

    def validate(self, v: StepValidator, arg: str) -> None:
        raise NotImplementedError


class _Comparison(Condition):
    ordering: ClassVar[bool] = False

    def __init__(self, left: Any, right: Any) -> None:
        self.left = left
        self.right = right

    def request(self) -> dict[str, Any]:
        return {"Type": self.condition_type, "LeftValue": self.left, "RightValue": self.right}

    def operands(self) -> list[Any]:
        return [self.left, self.right]

    def validate(self, v: StepValidator, arg: str) -> None:
        arg = f"{arg} ({self.condition_type})"
        left, right = kind_of(self.left), kind_of(self.right)
        for side, value, kind in (("left", self.left, left), ("right", self.right, right)):
            v.check(
                value is not None and kind != OBJECT,
                f"{arg}.{side}",
                value,
                "must be a number, string, boolean, parameter, property or JsonGet",
            )
        if OBJECT in (left, right) or None in (self.left, self.right):
            return
        if self.ordering:
            v.check(
                left in _NUMERIC and right in _NUMERIC,
                arg,
                _describe(self.left, self.right),
                f"{self.condition_type} compares numbers; operands are {left} and {right}",
            )
        else:
            v.check(
                accepts(left, right) or accepts(right, left),
                arg,
                _describe(self.left, self.right),
                f"{self.condition_type} needs operands of one type; got {left} and {right}",
            )


class ConditionEquals(_Comparison):
    condition_type = "Equals"


class ConditionNotEquals(_Comparison):
    condition_type = "NotEquals"


class ConditionGreaterThan(_Comparison):
    condition_type = "GreaterThan"
    ordering = True


class ConditionGreaterThanOrEqualTo(_Comparison):
    condition_type = "GreaterThanOrEqualTo"
    ordering = True


class ConditionLessThan(_Comparison):
    condition_type = "LessThan"
    ordering = True


class ConditionLessThanOrEqualTo(_Comparison):
    condition_type = "LessThanOrEqualTo"
    ordering = True


class ConditionIn(Condition):
    """True when ``value`` is one of ``in_values``."""

    condition_type = "In"

    def __init__(self, value: Any, in_values: Sequence[Any]) -> None:
        self.value = value
        self.in_values = list(in_values)

    def request(self) -> dict[str, Any]:
        return {"Type": self.condition_type, "QueryValue": self.value, "Values": self.in_values}

    def operands(self) -> list[Any]:
        return [self.value, *self.in_values]

    def validate(self, v: StepValidator, arg: str) -> None:
        arg = f"{arg} (In)"
        v.check(bool(self.in_values), f"{arg}.in_values", self.in_values, "must list at least one value")
        kind = kind_of(self.value)
        v.check(kind != OBJECT, f"{arg}.value", self.value, "must be a value, parameter, property or JsonGet")
        for index, item in enumerate(self.in_values):
            item_kind = kind_of(item)
            v.check(
                item_kind != OBJECT and (accepts(kind, item_kind) or accepts(item_kind, kind)),
                f"{arg}.in_values[{index}]",
                item if not isinstance(item, Expression) else repr(item),
                f"must be of the value's type ({kind}); got {item_kind}",
            )


class ConditionNot(Condition):
    """The negation of ``condition``."""

    condition_type = "Not"

    def __init__(self, condition: Condition) -> None:
        self.condition = condition

    def request(self) -> dict[str, Any]:
        return {"Type": self.condition_type, "Expression": self.condition.request()}

    def operands(self) -> list[Any]:
        return self.condition.operands()

    def validate(self, v: StepValidator, arg: str) -> None:
        if v.check(
            isinstance(given(self.condition), Condition),
            f"{arg} (Not).condition",
            self.condition,
            "must be a Condition",
        ):
            self.condition.validate(v, f"{arg}.condition")


class ConditionOr(Condition):
    """True when any of ``conditions`` is."""

    condition_type = "Or"

    def __init__(self, conditions: Sequence[Condition]) -> None:
        self.conditions = list(conditions)

    def request(self) -> dict[str, Any]:
        return {"Type": self.condition_type, "Conditions": [c.request() for c in self.conditions]}

    def operands(self) -> list[Any]:
        return [value for condition in self.conditions for value in condition.operands()]

    def validate(self, v: StepValidator, arg: str) -> None:
        v.check(
            len(self.conditions) >= 2,
            f"{arg} (Or).conditions",
            len(self.conditions),
            "must list at least two conditions",
        )
        for index, condition in enumerate(self.conditions):
            if v.check(
                isinstance(given(condition), Condition), f"{arg}.conditions[{index}]", condition, "must be a Condition"
            ):
                condition.validate(v, f"{arg}.conditions[{index}]")


class _Operands:
    def __init__(self, left: Any, right: Any) -> None:
        self.text = f"{left!r} vs {right!r}"

    def __repr__(self) -> str:
        return self.text


def _describe(left: Any, right: Any) -> _Operands:
    return _Operands(left, right)
