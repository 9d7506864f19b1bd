"""``LineageOptions``: what a pipeline records about where each job and registered model came from.

SageMaker already records, without any option here, the lineage graph of every pipeline execution
(SageMaker ML Lineage Tracking): each processing, training and transform job is a trial component
with its input and output S3 artifacts (datasets, ``model.tar.gz``), hyperparameters and image, and
a registered model version is associated with the training job's model artifact. What it cannot
know is which version of *your* code defined the pipeline, and the graph is only reachable through
the lineage APIs. With ``PipelineDefinition(lineage=LineageOptions(code_version=<git commit>))``:

* every job a step creates (processing, training, tuning and the training jobs it starts,
  transform, model) carries ``Tags`` (searchable with the SageMaker ``Search`` API and the tagging
  API): ``lineage:code-version``, ``lineage:repository``, ``lineage:pipeline`` (the pipeline name,
  ``Execution.PipelineName``), ``lineage:pipeline-step``, ``lineage:image``, ``lineage:code``
  (a processing script), ``lineage:input:<name>`` (each input as the job read it),
  ``lineage:dataset:<step>.<input>`` (the data the job depends on that no step of the pipeline
  produced: raw data, a parameter, followed back through step outputs), ``lineage:hyperparameters-
  sha256`` (a digest of the hyperparameters as written in the definition: a parameter counts by its
  name), and the step's own facts (``lineage:model``, ``lineage:model-package``) plus ``tags``;
* every registered model version carries ``CustomerMetadataProperties``: ``lineage:code-version``,
  ``lineage:repository``, ``lineage:pipeline-execution-arn`` (``Execution.PipelineExecutionArn``),
  ``lineage:training-job`` / ``lineage:tuning-job``, ``lineage:training-image``,
  ``lineage:hyperparameters-sha256`` and ``lineage:dataset:<step>.<input>`` of the job that produced
  the model data. (A version registered into a group takes the group's tags: CreateModelPackage
  refuses ``Tags`` with ``ModelPackageGroupName``, hence metadata.)

No execution id goes into job tags: tags are step arguments, and a value that changes with every
execution would defeat step caching. A new ``code_version`` does change them (a cached result of
older code is not reused).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from constructs_lib._core.validation import Problems, is_unresolved
from constructs_lib.training.pipeline import _service_model
from constructs_lib.training.pipeline.expressions import ExecutionVariables, Expression, StepReference
from constructs_lib.training.pipeline.serializer import render
from constructs_lib.training.pipeline.step import Step, StepLineage, StepValidator, api_text_problem, given
from constructs_lib.training.pipeline.steps.model import RegisterModelStep
from constructs_lib.training.pipeline.steps.training import TrainingStep
from constructs_lib.training.pipeline.steps.tuning import TuningStep

#: Public: the options; the rest computes the lineage tags for the builder.
__all__ = ["LineageOptions"]

#: Prefix of every tag and metadata key this module writes (reserved: ``tags`` may not use it).
PREFIX = "lineage:"


@dataclass(frozen=True)
class LineageOptions:
    """Lineage a pipeline records on its jobs (tags) and registered model versions (metadata).

    :param code_version: the version of the code that defines the pipeline, e.g. the app's git
        commit (the app reads it; constructs never call git). 1 to 256 letters, digits, spaces or
        ``_ . : / = + - @``.
    :param repository: default none; where that code lives, e.g. ``github.com/acme/ml-platform``
        (same characters).
    :param tags: default none; more tags for every job (team, cost centre); keys 1-128 characters
        (not ``aws:`` nor ``lineage:``), values 0-256, same characters; values may be String parameters.
    :param tag_jobs: default True; tag the jobs the steps create.
    :param model_metadata: default True; add lineage entries to the ``CustomerMetadataProperties``
        of every ``RegisterModelStep`` (after the step's own ``customer_metadata``; a key in both is
        an error).
    """

    code_version: str
    repository: str | None = None
    tags: Mapping[str, str | Expression] = field(default_factory=dict[str, "str | Expression"])
    tag_jobs: bool = True
    model_metadata: bool = True

    # --- what the pipeline writes ------------------------------------------------------------------

    def job_tags(self, step: Step) -> list[tuple[str, Any]]:
        """The ``(key, value)`` tags of the job ``step`` creates (none for steps without a job)."""
        facts = step.lineage()
        if facts is None or not self.tag_jobs:
            return []
        tags: list[tuple[str, Any]] = [
            *self._source_entries(),
            (f"{PREFIX}pipeline", ExecutionVariables.PIPELINE_NAME),
            (f"{PREFIX}pipeline-step", step.name),
        ]
        tags += _numbered(f"{PREFIX}image", [image for image in facts.images if image is not None])
        if facts.code is not None:
            tags.append((f"{PREFIX}code", facts.code))
        tags += [(f"{PREFIX}input:{name}", value) for name, value in facts.inputs.items() if value is not None]
        tags += [(f"{PREFIX}dataset:{where}", value) for where, value in datasets(step).items()]
        digest = hyperparameter_digest(facts)
        if digest is not None:
            tags.append((f"{PREFIX}hyperparameters-sha256", digest))
        tags += [(f"{PREFIX}{name}", value) for name, value in facts.extra.items() if value is not None]
        tags += list(self.tags.items())
        return tags

    def model_metadata_entries(self, step: RegisterModelStep) -> dict[str, Any]:
        """The lineage entries of a registered version's ``CustomerMetadataProperties``."""
        if not self.model_metadata:
            return {}
        entries: dict[str, Any] = dict(self._source_entries())
        entries[f"{PREFIX}pipeline-execution-arn"] = ExecutionVariables.PIPELINE_EXECUTION_ARN
        producer = model_producer(step)
        if producer is not None:
            facts = producer.lineage()
            if isinstance(producer, TrainingStep):
                entries[f"{PREFIX}training-job"] = producer.properties.TrainingJobName
            else:
                entries[f"{PREFIX}tuning-job"] = producer.properties.HyperParameterTuningJobName
            for key, image in _numbered(f"{PREFIX}training-image", [i for i in facts.images if i is not None]):
                entries[key] = image
            digest = hyperparameter_digest(facts)
            if digest is not None:
                entries[f"{PREFIX}hyperparameters-sha256"] = digest
            for where, value in datasets(producer).items():
                entries[f"{PREFIX}dataset:{where}"] = value
        return entries

    def _source_entries(self) -> list[tuple[str, Any]]:
        entries: list[tuple[str, Any]] = [(f"{PREFIX}code-version", self.code_version)]
        if self.repository is not None:
            entries.append((f"{PREFIX}repository", self.repository))
        return entries

    # --- validation --------------------------------------------------------------------------------

    def validate(self, problems: Problems) -> None:
        """The options themselves (each step's tags and metadata: ``validate_step``)."""
        sources = [("lineage.code_version", self.code_version)]
        if self.repository is not None:
            sources.append(("lineage.repository", self.repository))
        for arg, value in sources:
            if isinstance(value, Expression) or not isinstance(given(value), str):
                problems.add(arg, value, "must be a string known at synth (the app passes its git commit)")
                continue
            problem = api_text_problem(value, "CustomerMetadataValue")
            problems.check(problem is None, arg, value, problem or "")
        most = _service_model.most_items("TagList")
        problems.check(len(self.tags) <= most, "lineage.tags", len(self.tags), f"at most {most} tags")
        for key, value in self.tags.items():
            arg = f"lineage.tags[{key!r}]"
            problem = api_text_problem(key, "TagKey")
            if problems.check(problem is None, f"{arg} (key)", key, problem or "") and isinstance(given(key), str):
                problems.check(
                    not key.lower().startswith(("aws:", PREFIX)),
                    f"{arg} (key)",
                    key,
                    f"must not start with 'aws:' (reserved by AWS) or {PREFIX!r} (written by lineage)",
                )
            if isinstance(value, Expression):
                problems.check(value.kind == "String", arg, value, "must be a String (value or parameter)")
            else:
                problem = api_text_problem(value, "TagValue")
                problems.check(problem is None, arg, value, problem or "")

    def validate_step(self, step: Step, v: StepValidator) -> None:
        """The tags of ``step``'s job, or the metadata of a ``RegisterModelStep``, against botocore."""
        tags = self.job_tags(step)
        most = _service_model.most_items("TagList")
        v.check(
            len(tags) <= most,
            "lineage (tags)",
            len(tags),
            f"at most {most} tags per job (botocore TagList): fewer inputs or lineage.tags",
        )
        for key, value in tags:
            v.api_text(f"lineage tag {key!r}", key, "TagKey")
            v.api_text(f"lineage tag {key!r}", value, "TagValue")
        if isinstance(step, RegisterModelStep):
            entries = self.model_metadata_entries(step)
            clash = sorted(set(entries) & set(step.customer_metadata))
            v.check(
                not clash,
                "customer_metadata",
                clash,
                f"keys starting with {PREFIX!r} are written by LineageOptions; rename them",
            )
            total, most = len(entries) + len(step.customer_metadata), _service_model.most_items("CustomerMetadataMap")
            v.check(
                total <= most,
                "customer_metadata (with lineage)",
                total,
                f"at most {most} entries (botocore CustomerMetadataMap)",
            )
            for key, value in entries.items():
                v.api_text(f"lineage metadata {key!r}", value, "CustomerMetadataValue")


# --- what a step depends on --------------------------------------------------------------------------


def datasets(step: Step) -> dict[str, Any]:
    """The data ``step`` depends on that no step produced, as ``{"<step>.<input>": uri}``: inputs
    that read another step's output are followed back to that step's inputs (depth first)."""
    found: dict[str, Any] = {}

    def visit(current: Step, seen: frozenset[str]) -> None:
        facts = current.lineage()
        if facts is None:
            return
        for name, value in facts.inputs.items():
            producers = _producers(value)
            if not producers:
                if value is not None:
                    found.setdefault(f"{current.name}.{name}", value)
                continue
            for producer in producers:
                if isinstance(producer, Step) and producer.name not in seen:
                    visit(producer, seen | {producer.name})

    visit(step, frozenset({step.name}))
    return found


def model_producer(step: RegisterModelStep) -> TrainingStep | TuningStep | None:
    """The training or tuning step whose model data the version's containers register, if any."""
    for container in step.containers:
        value = container.model_data_url
        for producer in _producers(value):
            if isinstance(producer, (TrainingStep, TuningStep)):
                return producer
    return None


def _producers(value: Any) -> Sequence[StepReference]:
    """The steps whose results ``value`` reads (none for a literal)."""
    return value.referenced_steps() if isinstance(value, Expression) else ()


def hyperparameter_digest(facts: StepLineage) -> str | None:
    """SHA-256 of the hyperparameters as the definition writes them (sorted keys, compact JSON);
    ``None`` without hyperparameters or with a CDK token among them (its value is not known)."""
    if not facts.hyperparameters:
        return None
    text = json.dumps(render(dict(facts.hyperparameters)), sort_keys=True, separators=(",", ":"))
    if is_unresolved(text):
        return None
    return hashlib.sha256(text.encode()).hexdigest()


def _numbered(key: str, values: list[Any]) -> list[tuple[str, Any]]:
    if len(values) == 1:
        return [(key, values[0])]
    return [(f"{key}:{index}", value) for index, value in enumerate(values)]


def tag_list(tags: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Tags as the API's ``[{"Key": ..., "Value": ...}]``."""
    return [{"Key": key, "Value": value} for key, value in tags]
