"""Steps that hand work to your code: ``LambdaStep`` (invoke a function) and ``CallbackStep``
(send a message to a queue and wait for ``SendPipelineExecutionStepSuccess``)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs

from constructs_lib._core.validation import invalid
from constructs_lib.training.pipeline import serializer
from constructs_lib.training.pipeline.expressions import BOOLEAN, FLOAT, INTEGER, STRING, Expression
from constructs_lib.training.pipeline.step import Step, StepRequirements, StepValidator, given

OUTPUT_KINDS = (STRING, INTEGER, BOOLEAN, FLOAT)
_OUTPUT_NAME = re.compile(r"^[A-Za-z0-9\-_]{1,64}$")


@dataclass(frozen=True)
class StepOutput:
    """An output parameter your code returns: ``name`` of kind String, Integer, Boolean or Float."""

    name: str
    kind: str = STRING


class OutputParameter(Expression):
    """``{"Get": "Steps.<step>.OutputParameters['<name>']"}``."""

    def __init__(self, step: Step, output: StepOutput) -> None:
        self.step = step
        self.output = output

    @property
    def kind(self) -> str:
        return self.output.kind

    def template(self) -> dict[str, Any]:
        return serializer.output_parameter(self.step.name, self.output.name)

    def referenced_steps(self) -> list[Step]:
        return [self.step]


class CallbackOutputs:
    """The output parameters of a Lambda or callback step, by name: ``step.outputs[\"name\"]``."""

    def __init__(self, step: LambdaStep | CallbackStep) -> None:
        self._step = step

    def __getitem__(self, name: str) -> OutputParameter:
        for output in self._step.output_parameters:
            if output.name == name:
                return OutputParameter(self._step, output)
        names = ", ".join(o.name for o in self._step.output_parameters) or "(none)"
        raise invalid(
            self._step.name,
            f"{self._step.step_type} step",
            "outputs[name]",
            name,
            f"has no such output; outputs: {names}",
        )


class _HandOffStep(Step):
    supports_cache = True

    def __init__(
        self, name: str, *, inputs: Mapping[str, Any] | None, outputs: Sequence[StepOutput], **step_options: Any
    ) -> None:
        super().__init__(name, **step_options)
        self.inputs = dict(inputs or {})
        self.output_parameters = list(outputs)

    @property
    def outputs(self) -> CallbackOutputs:
        """``step.outputs["name"]``: an output parameter, for later steps and conditions."""
        assert isinstance(self, (LambdaStep, CallbackStep))  # the hand-off steps; this base is never made
        return CallbackOutputs(self)

    def arguments(self) -> dict[str, Any]:
        return dict(self.inputs)

    def _output_request(self) -> dict[str, Any]:
        return {"OutputParameters": [{"OutputName": o.name, "OutputType": o.kind} for o in self.output_parameters]}

    def validate(self, v: StepValidator) -> None:
        super().validate(v)
        names = [output.name for output in self.output_parameters]
        v.check(len(names) == len(set(names)), "outputs", names, "names must be unique")
        for output in self.output_parameters:
            v.check(
                bool(_OUTPUT_NAME.match(output.name)),
                "outputs",
                output.name,
                "names must be 1-64 letters, digits, '-' or '_'",
            )
            v.one_of(f"outputs[{output.name!r}].kind", output.kind, OUTPUT_KINDS)
        for key, value in self.inputs.items():
            v.check(isinstance(given(key), str) and bool(key), "inputs", key, "keys must be non-empty strings")
            v.check(
                not isinstance(value, (set, bytes)), f"inputs[{key!r}]", value, "must be JSON values or expressions"
            )


class LambdaStep(_HandOffStep):
    """Invokes ``function`` with ``inputs`` (a JSON object); its returned keys become ``outputs``."""

    step_type = "Lambda"

    def __init__(
        self,
        name: str,
        *,
        function: lambda_.IFunction,
        inputs: Mapping[str, Any] | None = None,
        outputs: Sequence[StepOutput] = (),
        **step_options: Any,
    ) -> None:
        """
        :param function: the function to invoke (the pipeline's role may invoke this one only).
        :param inputs: default none; the event's keys (values may be expressions).
        :param outputs: default none; keys of the function's response that later steps read.
        :param step_options: ``display_name``, ``description``, ``depends_on``, ``cache``.
        """
        super().__init__(name, inputs=inputs, outputs=outputs, **step_options)
        self.function = function

    def extra_request(self) -> dict[str, Any]:
        return {"FunctionArn": self.function.function_arn, **self._output_request()}

    def requirements(self) -> StepRequirements:
        return StepRequirements(functions=[self.function])


class CallbackStep(_HandOffStep):
    """Sends ``inputs`` and a callback token to ``queue``; waits until your code reports success
    (``SendPipelineExecutionStepSuccess``) with the ``outputs``, or failure."""

    step_type = "Callback"

    def __init__(
        self,
        name: str,
        *,
        queue: sqs.IQueue,
        inputs: Mapping[str, Any] | None = None,
        outputs: Sequence[StepOutput] = (),
        **step_options: Any,
    ) -> None:
        """
        :param queue: the SQS queue your worker reads (the pipeline's role may send to this one only).
        :param inputs: default none; the message's arguments (values may be expressions).
        :param outputs: default none; output parameters your worker returns.
        :param step_options: ``display_name``, ``description``, ``depends_on``, ``cache``.
        """
        super().__init__(name, inputs=inputs, outputs=outputs, **step_options)
        self.queue = queue

    def extra_request(self) -> dict[str, Any]:
        return {"SqsQueueUrl": self.queue.queue_url, **self._output_request()}

    def requirements(self) -> StepRequirements:
        return StepRequirements(queues=[self.queue])
