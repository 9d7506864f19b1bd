"""``PipelineExperimentConfig``: the SageMaker Experiments entities a pipeline's executions record to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from constructs_lib._core.validation import Problems, given, is_unresolved
from constructs_lib.training.pipeline import _service_model
from constructs_lib.training.pipeline.expressions import (
    STRING,
    ExecutionVariables,
    Expression,
    accepts,
    kind_of,
)

#: Public: the option of ``PipelineDefinition(experiment_config=...)``.
__all__ = ["PipelineExperimentConfig"]


@dataclass(frozen=True)
class PipelineExperimentConfig:
    """Which SageMaker experiment and trial (run group) an execution's jobs are recorded in.

    SageMaker Pipelines creates the experiment and the trial when they do not exist and adds a run
    (trial component) to the trial for every job a step starts, so executions are compared in Studio's
    Experiments view. Deleting the pipeline leaves these entities in place (the SageMaker Experiments
    API deletes them).

    :param experiment_name: default ``ExecutionVariables.PIPELINE_NAME``: one experiment per pipeline;
        a literal (1-120 letters, digits or hyphens, botocore ``ExperimentEntityName``) or a String
        expression (a parameter, a ``Join``).
    :param trial_name: default ``ExecutionVariables.PIPELINE_EXECUTION_ID``: one trial per execution;
        a literal or a String expression, as ``experiment_name``. A fixed name collects the runs of
        every execution in one trial.
    """

    experiment_name: str | Expression = ExecutionVariables.PIPELINE_NAME
    trial_name: str | Expression = ExecutionVariables.PIPELINE_EXECUTION_ID

    def to_definition(self) -> dict[str, Any]:
        """``PipelineExperimentConfig`` as the definition writes it (expressions still unrendered)."""
        return {"ExperimentName": self.experiment_name, "TrialName": self.trial_name}

    @property
    def names(self) -> dict[str, str | Expression]:
        return {"experiment_name": self.experiment_name, "trial_name": self.trial_name}

    def validate(self, problems: Problems, declared: frozenset[str]) -> None:
        """Each name a literal of botocore's ``ExperimentEntityName`` or a String expression whose
        parameters the pipeline declares; step properties are not known when the execution starts."""
        shape = _service_model.shape("ExperimentEntityName")
        pattern = re.compile(f"^(?:{shape['pattern']})$")
        for arg, value in self.names.items():
            where = f"experiment_config.{arg}"
            if isinstance(value, Expression):
                if not problems.check(
                    accepts(STRING, kind_of(value)),
                    where,
                    repr(value),
                    f"must be a String expression; got a {kind_of(value)} value",
                ):
                    continue
                problems.check(
                    not value.referenced_steps(),
                    where,
                    repr(value),
                    "must not read step properties: SageMaker creates the experiment and trial before any step runs",
                )
                for parameter in value.referenced_parameters():
                    problems.check(
                        parameter.name in declared,
                        where,
                        parameter.name,
                        f"uses parameter {parameter.name!r}, which is not declared in parameters",
                    )
                continue
            if isinstance(given(value), str) and is_unresolved(value):
                continue
            problems.check(
                isinstance(given(value), str) and bool(pattern.match(value)) and len(value) <= int(shape["max"]),
                where,
                value,
                f"must be 1-{shape['max']} letters, digits or hyphens, starting with a letter or digit "
                "(botocore ExperimentEntityName), or a String expression",
            )
