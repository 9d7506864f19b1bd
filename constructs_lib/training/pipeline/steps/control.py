"""Control flow: ``ConditionStep`` (branching on conditions) and ``FailStep`` (stop with an error)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from constructs_lib.training.pipeline.conditions import Condition
from constructs_lib.training.pipeline.expressions import STRING, Expression
from constructs_lib.training.pipeline.step import Step, StepValidator, given


class ConditionStep(Step):
    """Runs ``if_steps`` when every condition holds, ``else_steps`` otherwise.

    The branch steps are nested in this step's definition (as SageMaker expects): do not also list
    them among the pipeline's steps.
    """

    step_type = "Condition"

    def __init__(
        self,
        name: str,
        *,
        conditions: Sequence[Condition],
        if_steps: Sequence[Step] = (),
        else_steps: Sequence[Step] = (),
        **step_options: Any,
    ) -> None:
        """
        :param conditions: all must hold for ``if_steps`` to run.
        :param if_steps: default none; steps run when the conditions hold.
        :param else_steps: default none; steps run otherwise.
        :param step_options: ``display_name``, ``description``, ``depends_on``.
        """
        super().__init__(name, **step_options)
        self.conditions = list(conditions)
        self.if_steps = list(if_steps)
        self.else_steps = list(else_steps)

    @property
    def outcome(self) -> Any:
        """Not supported: a condition's outcome is its branches."""
        raise AttributeError("a ConditionStep's result is which branch runs; reference the branch steps instead")

    def children(self) -> list[Step]:
        return [*self.if_steps, *self.else_steps]

    def arguments(self) -> dict[str, Any]:
        # IfSteps/ElseSteps are filled with the nested steps' requests by the definition.
        return {"Conditions": [condition.request() for condition in self.conditions]}

    def validate(self, v: StepValidator) -> None:
        super().validate(v)
        v.check(bool(self.conditions), "conditions", [], "must list at least one condition")
        for index, condition in enumerate(self.conditions):
            if v.check(
                isinstance(given(condition), Condition), f"conditions[{index}]", condition, "must be a Condition"
            ):
                condition.validate(v, f"conditions[{index}]")
        v.check(
            bool(self.if_steps or self.else_steps),
            "if_steps/else_steps",
            [],
            "a condition needs at least one branch step",
        )
        for arg, steps in (("if_steps", self.if_steps), ("else_steps", self.else_steps)):
            for step in steps:
                v.check(isinstance(given(step), Step), arg, step, "must be steps")


class FailStep(Step):
    """Stops the execution with status ``Failed`` and ``error_message``."""

    step_type = "Fail"

    def __init__(self, name: str, *, error_message: str | Expression = "", **step_options: Any) -> None:
        """
        :param error_message: default empty; a string or String expression (``Join``) explaining why.
        :param step_options: ``display_name``, ``description``, ``depends_on``.
        """
        super().__init__(name, **step_options)
        self.error_message = error_message

    def arguments(self) -> dict[str, Any]:
        return {"ErrorMessage": self.error_message}

    def validate(self, v: StepValidator) -> None:
        super().validate(v)
        v.kind("error_message", self.error_message, STRING, required=True)
