"""Per-run state: what one execution of a pipeline writes must not be where another execution looks.

The rule works on the rendered definition JSON (the form SageMaker runs and CloudFormation deploys),
so the builder at synth and the tests over deployed templates apply the same function.

- A training job's checkpoint prefix (``CheckpointConfig.S3Uri``, of a training step or of a tuning
  step's training definition) must vary with the execution: SageMaker copies what is under it into
  the container when the job starts and the container resumes from the newest checkpoint. With one
  prefix for every run, each run resumes from the previous run's last checkpoint; SageMaker's XGBoost,
  with all rounds already done, returns the loaded model untrained. Refused at synth.
- Processing outputs and batch transform output paths that are the same in every execution are
  reported as warnings: SageMaker adds objects to a prefix and never empties it, and batch transform
  names its results ``<input object>.out`` without the job name, so a later step can read files an
  earlier or concurrent execution left there. Training outputs (``OutputDataConfig.S3OutputPath``)
  need nothing: SageMaker writes them under ``<path>/<training job name>/``, unique per execution.

A value varies with the execution when it joins in the execution's id or ARN
(``ExecutionVariables.PIPELINE_EXECUTION_ID``) or the name or ARN of a job a step of the same
execution ran. Parameters do not count: an execution that does not set one gets its default.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

#: ``Get`` paths of the execution variables that differ in every execution.
PER_EXECUTION_VARIABLES = ("Execution.PipelineExecutionId", "Execution.PipelineExecutionArn")
_JOB_IDENTITY = re.compile(r"^Steps\.[A-Za-z0-9_-]+\.(?:[^.]+\.)*[A-Za-z]*Job(?:Name|Arn)$")

CHECKPOINT_WHY = (
    "must vary with the execution: join ExecutionVariables.PIPELINE_EXECUTION_ID into it, e.g. "
    "S3Join(location, ExecutionVariables.PIPELINE_EXECUTION_ID, 'checkpoints'). SageMaker copies the "
    "checkpoints under this prefix into the container when a job starts and the container resumes from "
    "the newest one, so a prefix shared by executions resumes every run from the previous run's model "
    "(XGBoost, all rounds done, returns it untrained) and every run registers the first run's model. "
    "A literal, an S3Location or a parameter is the same in every execution"
)
OUTPUT_WHY = (
    "is the same prefix in every execution: SageMaker adds objects to it and never empties it, so a "
    "later step can read files an earlier or concurrent execution left there; join "
    "ExecutionVariables.PIPELINE_EXECUTION_ID into it (S3Join(location, ExecutionVariables.PIPELINE_EXECUTION_ID, "
    "'<name>'))"
)
TRANSFORM_WHY = (
    "is the same prefix in every execution: batch transform writes '<input object>.out' there without the "
    "job name, so each execution overwrites the last one's results and concurrent executions mix them; join "
    "ExecutionVariables.PIPELINE_EXECUTION_ID into it"
)


@dataclass(frozen=True)
class RunState:
    """One place a step writes per-run state.

    :param step: the step's name.
    :param step_type: the step's ``Type``.
    :param argument: the builder's argument that sets it (``job.checkpoint_s3_uri``...).
    :param value: the rendered value (a URI or a ``Get``/``Std:Join`` expression).
    :param required: True where a shared location is refused (checkpoints), False where it is a warning.
    :param why: what goes wrong when it is shared, and the fix.
    """

    step: str
    step_type: str
    argument: str
    value: Any
    required: bool
    why: str

    @property
    def varies(self) -> bool:
        return varies_per_execution(self.value)


def varies_per_execution(value: Any) -> bool:
    """Whether a rendered value differs in every execution (see the module's docstring)."""
    if not isinstance(value, dict):
        return False
    expression = cast("dict[str, Any]", value)
    if len(expression) != 1:
        return False
    ((function, body),) = expression.items()
    if function == "Get":
        return isinstance(body, str) and (body in PER_EXECUTION_VARIABLES or bool(_JOB_IDENTITY.match(body)))
    if function == "Std:Join" and isinstance(body, dict):
        values: list[Any] = cast("dict[str, Any]", body).get("Values", [])
        return any(varies_per_execution(item) for item in values)
    return False


def run_state(steps: list[dict[str, Any]]) -> Iterator[RunState]:
    """Every place the rendered ``steps`` (condition branches included) write per-run state."""
    for step in steps:
        name: str = step["Name"]
        kind: str = step["Type"]
        arguments: dict[str, Any] = step.get("Arguments", {})
        if kind == "Condition":
            yield from run_state([*arguments.get("IfSteps", []), *arguments.get("ElseSteps", [])])
        elif kind in ("Training", "Tuning"):
            job = arguments if kind == "Training" else arguments.get("TrainingJobDefinition", {})
            checkpoint = job.get("CheckpointConfig", {}).get("S3Uri")
            if checkpoint is not None:
                yield RunState(name, kind, "job.checkpoint_s3_uri", checkpoint, True, CHECKPOINT_WHY)
        elif kind in ("Processing", "QualityCheck", "ClarifyCheck"):  # check steps run processing jobs
            for output in arguments.get("ProcessingOutputConfig", {}).get("Outputs", []):
                yield RunState(
                    name,
                    kind,
                    f"outputs[{output.get('OutputName')!r}].destination",
                    output.get("S3Output", {}).get("S3Uri"),
                    False,
                    OUTPUT_WHY,
                )
        elif kind == "Transform":
            path = arguments.get("TransformOutput", {}).get("S3OutputPath")
            if path is not None:
                yield RunState(name, kind, "output_path", path, False, TRANSFORM_WHY)


def shared_state(definition: dict[str, Any]) -> list[RunState]:
    """The per-run state of a rendered definition that is the same in every execution."""
    return [state for state in run_state(definition.get("Steps", [])) if not state.varies]
