"""``PipelineDefinition``: parameters and steps, checked as a whole and rendered as the SageMaker
pipeline definition JSON (``Version`` 2020-12-01)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from constructs import Construct

from constructs_lib._core.validation import Problems
from constructs_lib.training.pipeline import _service_model
from constructs_lib.training.pipeline.experiments import PipelineExperimentConfig
from constructs_lib.training.pipeline.expressions import PARAMETER_NAME, Expression, JsonGet, Parameter, Property
from constructs_lib.training.pipeline.lineage import LineageOptions, tag_list
from constructs_lib.training.pipeline.per_run import shared_state
from constructs_lib.training.pipeline.serializer import Renderable, prune, render
from constructs_lib.training.pipeline.step import Step, StepRequirements, StepValidator, given
from constructs_lib.training.pipeline.steps.callbacks import OutputParameter
from constructs_lib.training.pipeline.steps.control import ConditionStep
from constructs_lib.training.pipeline.steps.model import RegisterModelStep
from constructs_lib.training.pipeline.steps.processing import ProcessingStep

VERSION = "2020-12-01"


class PipelineDefinition:
    """A SageMaker pipeline: its parameters and steps.

    ``render()`` checks everything at once and raises one ``ConstructValidationError`` listing every
    problem (step, argument, value, what is allowed): step names unique; references only to steps and
    parameters of this pipeline; no cycles through ``depends_on`` and data references; property files
    read by ``JsonGet`` declared on the processing step that writes them; checkpoint prefixes that vary
    with the execution (``per_run``); every step's own arguments.

    :param steps: the top-level steps (a condition's branch steps are nested in it, not listed here).
    :param parameters: default none; the pipeline's parameters.
    :param lineage: default none (SageMaker's automatic lineage tracking only); tag every job with
        the code version, image, data and hyperparameters, and add them to every registered model
        version's metadata (``LineageOptions``).
    :param experiment_config: default none (no ``PipelineExperimentConfig``: SageMaker's own default
        applies); record every execution's jobs in a SageMaker experiment and trial
        (``PipelineExperimentConfig()``: the pipeline's name and the execution's ID). ``MlPipeline``
        lets its role create and describe that experiment and trial.
    """

    def __init__(
        self,
        *,
        steps: Sequence[Step],
        parameters: Sequence[Parameter] = (),
        lineage: LineageOptions | None = None,
        experiment_config: PipelineExperimentConfig | None = None,
    ) -> None:
        self._job_tags: list[tuple[str, Any]] = []
        self.steps = list(steps)
        self.parameters = list(parameters)
        self.lineage = lineage
        self.experiment_config = experiment_config

    @property
    def parameter_names(self) -> frozenset[str]:
        return frozenset(parameter.name for parameter in self.parameters)

    def all_steps(self) -> list[Step]:
        """Every step, nested branch steps included (depth first, in definition order)."""
        found: list[Step] = []

        def visit(step: Step) -> None:
            found.append(step)
            for child in step.children():
                visit(child)

        for step in self.steps:
            visit(step)
        return found

    def requirements(self) -> StepRequirements:
        """What a role running this pipeline needs, merged over every step."""
        merged = StepRequirements()
        for step in self.all_steps():
            need = step.requirements()
            merged.job_kinds |= need.job_kinds
            merged.lists_model_packages = merged.lists_model_packages or need.lists_model_packages
            for attr in (
                "pass_roles",
                "register_into",
                "read_from",
                "read_locations",
                "functions",
                "queues",
                "pass_roles_to",
                "images",
            ):
                target = getattr(merged, attr)
                for item in getattr(need, attr):
                    if not any(item is existing for existing in target):
                        target.append(item)
            for permission in need.permissions:
                if permission not in merged.permissions:
                    merged.permissions.append(permission)
        return merged

    def to_json(self, scope: Construct | str | None = None) -> str:
        return json.dumps(self.render(scope), separators=(",", ":"))

    def render(
        self,
        scope: Construct | str | None = None,
        *,
        kind: str = "PipelineDefinition",
        job_tags: Sequence[tuple[str, Any]] = (),
    ) -> dict[str, Any]:
        """The definition as JSON-ready data (CDK tokens stay tokens). Raises
        ``ConstructValidationError`` with every problem found.

        :param job_tags: default none; ``(key, value)`` tags every job and model a step creates
            carries, after the lineage tags (``MlPipeline(scope_tag=...)``).
        """
        problems = Problems(scope if scope is not None else "pipeline", kind)
        self._job_tags = list(job_tags)
        self._check_parameters(problems)
        if isinstance(self.experiment_config, PipelineExperimentConfig):
            self.experiment_config.validate(problems, self.parameter_names)
        elif self.experiment_config is not None:
            problems.add("experiment_config", self.experiment_config, "must be a PipelineExperimentConfig")
        steps = self.all_steps()
        by_name: dict[str, Step] = {}
        duplicates: list[str] = []
        for step in steps:
            if step.name in by_name:
                duplicates.append(step.name)
            by_name.setdefault(step.name, step)
        problems.check(
            not duplicates,
            "steps (names)",
            sorted(set(duplicates)),
            "step names must be unique in a pipeline (branch steps of conditions included; "
            "list a branch step only in its ConditionStep)",
        )
        problems.check(bool(self.steps), "steps", [], "a pipeline needs at least one step")

        references: list[tuple[Step, str, Expression]] = []
        rendered_steps: list[dict[str, Any]] = []
        for step in self.steps:
            rendered_steps.append(self._render_step(step, problems, references))
        if self.lineage is not None:
            self.lineage.validate(problems)
        for step in steps:
            step.validate(StepValidator(problems, step))
            if self.lineage is not None:
                self.lineage.validate_step(step, StepValidator(problems, step))

        edges = self._check_references(problems, steps, by_name, references)
        self._check_cycles(problems, steps, edges)
        for state in shared_state({"Steps": rendered_steps}):
            if state.required:
                problems.add(f"steps[{state.step!r}] ({state.step_type}) {state.argument}", state.value, state.why)
        problems.raise_if_any()

        definition: dict[str, Any] = {"Version": VERSION}
        if self.parameters:
            definition["Parameters"] = [parameter.to_definition() for parameter in self.parameters]
        if self.experiment_config is not None:
            definition["PipelineExperimentConfig"] = render(self.experiment_config.to_definition())
        definition["Steps"] = rendered_steps
        return definition

    # --- internals ----------------------------------------------------------------------------------

    def _render_step(
        self, step: Step, problems: Problems, references: list[tuple[Step, str, Expression]]
    ) -> dict[str, Any]:
        def collect(path: str, expression: Renderable) -> None:
            if isinstance(expression, Expression):  # every Renderable is one
                references.append((step, path, expression))

        try:
            request = prune(step.request())
            if self.lineage is not None:
                self._add_lineage(step, request)
            if self._job_tags and step.requirements().job_kinds:
                self._add_job_tags(step, request, problems)
            if isinstance(step, ConditionStep):
                request.setdefault("Arguments", {})
                request["Arguments"]["IfSteps"] = [self._render_step(s, problems, references) for s in step.if_steps]
                request["Arguments"]["ElseSteps"] = [
                    self._render_step(s, problems, references) for s in step.else_steps
                ]
            return render(request, collect)
        except (TypeError, AttributeError) as error:
            problems.add(f"steps[{step.name!r}] ({step.step_type})", type(error).__name__, str(error))
            return {"Name": step.name, "Type": step.step_type}

    def _add_lineage(self, step: Step, request: dict[str, Any]) -> None:
        assert self.lineage is not None
        arguments = request.setdefault("Arguments", {})
        tags = self.lineage.job_tags(step)
        if tags:
            arguments["Tags"] = [*arguments.get("Tags", []), *tag_list(tags)]
        if isinstance(step, RegisterModelStep):
            entries = self.lineage.model_metadata_entries(step)
            if entries:
                arguments["CustomerMetadataProperties"] = {**arguments.get("CustomerMetadataProperties", {}), **entries}

    def _add_job_tags(self, step: Step, request: dict[str, Any], problems: Problems) -> None:
        arguments = request.setdefault("Arguments", {})
        tags = [*arguments.get("Tags", []), *tag_list(self._job_tags)]
        keys = [tag["Key"] for tag in tags]
        where = f"steps[{step.name!r}] ({step.step_type}) Tags"
        problems.check(
            len(keys) == len(set(keys)),
            where,
            sorted({k for k in keys if keys.count(k) > 1}),
            "tag keys must be unique per job: the pipeline's scope tag is also a lineage tag",
        )
        most = _service_model.most_items("TagList")
        problems.check(
            len(tags) <= most,
            where,
            len(tags),
            f"at most {most} tags per job (botocore TagList), the scope tag included",
        )
        arguments["Tags"] = tags

    def _check_parameters(self, problems: Problems) -> None:
        names = [parameter.name for parameter in self.parameters]
        problems.check_unique("parameters", names)
        for parameter in self.parameters:
            arg = f"parameters[{parameter.name!r}]"
            problems.check(
                isinstance(given(parameter.name), str) and bool(PARAMETER_NAME.match(parameter.name)),
                f"{arg}.name",
                parameter.name,
                "must be 1-64 letters, digits, '-' or '_'",
            )
            problems.check(
                parameter.default_is_valid(),
                f"{arg}.default_value",
                parameter.default_value,
                f"must be a {parameter.type_name} value ({type(parameter).__name__}), like "
                f"{_EXAMPLES[parameter.type_name]}",
            )
            if parameter.description is not None:
                problems.check(
                    len(parameter.description) <= 4096,
                    f"{arg}.description",
                    parameter.description,
                    "must be at most 4096 characters",
                )
            if parameter.type_name == "String" and isinstance(parameter.default_value, str):
                problems.check(
                    len(parameter.default_value) <= 4096,
                    f"{arg}.default_value",
                    parameter.default_value,
                    "must be at most 4096 characters",
                )

    def _check_references(
        self,
        problems: Problems,
        steps: list[Step],
        by_name: dict[str, Step],
        references: list[tuple[Step, str, Expression]],
    ) -> dict[str, set[str]]:
        declared = {parameter.name: parameter for parameter in self.parameters}
        edges: dict[str, set[str]] = {name: set() for name in by_name}
        for step in steps:
            for name in step.depends_on_names:
                if problems.check(
                    name in by_name,
                    f"steps[{step.name!r}] ({step.step_type}) depends_on",
                    name,
                    f"must name a step of this pipeline: {', '.join(by_name)}",
                ):
                    edges[step.name].add(name)
            if isinstance(step, ConditionStep):
                for child in step.children():
                    edges.setdefault(child.name, set()).add(step.name)
        for step, path, expression in references:
            where = f"steps[{step.name!r}] ({step.step_type}) {path}"
            for parameter in expression.referenced_parameters():
                known = declared.get(parameter.name)
                if known is None:
                    problems.add(
                        where,
                        parameter.name,
                        f"uses parameter {parameter.name!r}, which is not declared in parameters "
                        f"({', '.join(declared) or 'none declared'})",
                    )
                elif known is not parameter and type(known) is not type(parameter):
                    problems.add(
                        where,
                        parameter.name,
                        f"uses {type(parameter).__name__} {parameter.name!r} but the pipeline declares it "
                        f"as {type(known).__name__}",
                    )
            for referenced in expression.referenced_steps():
                target = by_name.get(referenced.name)
                if target is None or target is not referenced:
                    problems.add(
                        where,
                        referenced.name,
                        f"references step {referenced.name!r}, which is not in this pipeline "
                        f"(steps: {', '.join(by_name)})",
                    )
                    continue
                edges[step.name].add(referenced.name)
                if isinstance(expression, JsonGet):
                    self._check_json_get(problems, where, expression)
                if isinstance(expression, (Property, OutputParameter)) and isinstance(target, ConditionStep):
                    problems.add(where, referenced.name, "a ConditionStep has no properties to read")
        return edges

    @staticmethod
    def _check_json_get(problems: Problems, where: str, expression: JsonGet) -> None:
        step = expression.step
        if not isinstance(step, ProcessingStep):
            problems.add(where, step.name, "JsonGet reads property files of processing steps only")
            return
        files = {pf.name: pf for pf in step.property_files}
        name = expression.property_file_name
        declared = files.get(name)
        if declared is None:
            problems.add(
                where,
                name,
                f"JsonGet reads property file {name!r}, which step {step.name!r} does not "
                f"declare (property_files: {', '.join(files) or 'none'})",
            )
        elif not isinstance(expression.property_file, str) and expression.property_file is not declared:
            problems.add(where, name, f"is not the PropertyFile object declared by step {step.name!r}")

    @staticmethod
    def _check_cycles(problems: Problems, steps: list[Step], edges: dict[str, set[str]]) -> None:
        state: dict[str, int] = {}
        reported: set[frozenset[str]] = set()

        def visit(name: str, path: list[str]) -> None:
            state[name] = 1
            for dependency in sorted(edges.get(name, ())):
                if state.get(dependency) == 1:
                    cycle = [*path[path.index(dependency) :], dependency] if dependency in path else [name, dependency]
                    key = frozenset(cycle)
                    if key not in reported:
                        reported.add(key)
                        problems.add(
                            "steps (dependencies)",
                            " -> ".join(cycle),
                            "steps must not depend on themselves through depends_on or data references "
                            "(the arrow reads 'needs')",
                        )
                elif state.get(dependency) is None:
                    visit(dependency, [*path, dependency])
            state[name] = 2

        for step in steps:
            if state.get(step.name) is None:
                visit(step.name, [step.name])


_EXAMPLES = {"String": "'text'", "Integer": "3", "Float": "0.8", "Boolean": "True"}
