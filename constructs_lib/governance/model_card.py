"""``ModelCard``: a SageMaker model card for a registered model, its content checked at synth.

The sections are frozen dataclasses named after the model card JSON schema's sections
(``model_overview``, ``intended_uses``, ``business_details``, ``training_details``,
``evaluation_details``, ``additional_information``); their limits are those of the
``AWS::SageMaker::ModelCard`` resource schema, so content SageMaker would reject fails at synth.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any, ClassVar, TypeGuard

from aws_cdk import Names, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from constructs_lib._core.jsii_types import as_key
from constructs_lib._core.stack_facts import construct_path, stack_of
from constructs_lib._core.validation import Problems, given
from constructs_lib.foundation.encryption_key import EncryptionKey
from constructs_lib.training.model_package_group import IModelPackageGroup


class RiskRating(StrEnum):
    """The organisation's risk rating of the model (``intended_uses.risk_rating``)."""

    HIGH = "High"
    MEDIUM = "Medium"
    LOW = "Low"
    UNKNOWN = "Unknown"


class ModelCardStatus(StrEnum):
    """Where the card is in the organisation's review (``ModelCardStatus``)."""

    DRAFT = "Draft"
    PENDING_REVIEW = "PendingReview"
    APPROVED = "Approved"


@dataclass(frozen=True)
class _Section:
    """Limits of a section's fields: characters of text (``_MAX``), items of lists (``_ITEMS``)."""

    _MAX: ClassVar[dict[str, int]] = {}
    _ITEMS: ClassVar[dict[str, int]] = {}


@dataclass(frozen=True)
class ModelOverview(_Section):
    """``model_overview``: what the model is, who owns it, where it runs."""

    model_description: str | None = None
    model_owner: str | None = None
    model_creator: str | None = None
    problem_type: str | None = None
    algorithm_type: str | None = None
    #: The model's name (for example the registered model's or the endpoint's model name).
    model_name: str | None = None
    #: A SageMaker model ARN or another model id.
    model_id: str | None = None
    model_version: int | None = None
    model_artifacts: tuple[str, ...] = ()
    inference_images: tuple[str, ...] = ()

    _MAX = dict.fromkeys(
        (
            "model_description",
            "model_owner",
            "model_creator",
            "problem_type",
            "algorithm_type",
            "model_name",
            "model_id",
            "model_artifacts",
            "inference_images",
        ),
        1024,
    )
    _ITEMS = {"model_artifacts": 15, "inference_images": 15}


@dataclass(frozen=True)
class IntendedUses(_Section):
    """``intended_uses``: what the model is for and how risky it is."""

    risk_rating: RiskRating | str = RiskRating.UNKNOWN
    purpose_of_model: str | None = None
    intended_uses: str | None = None
    factors_affecting_model_efficiency: str | None = None
    explanations_for_risk_rating: str | None = None

    _MAX = dict.fromkeys(
        ("purpose_of_model", "intended_uses", "factors_affecting_model_efficiency", "explanations_for_risk_rating"),
        2048,
    )


@dataclass(frozen=True)
class BusinessDetails(_Section):
    """``business_details``: the business problem and who has a stake in it."""

    business_problem: str | None = None
    business_stakeholders: str | None = None
    line_of_business: str | None = None

    _MAX = dict.fromkeys(("business_problem", "business_stakeholders", "line_of_business"), 2048)


@dataclass(frozen=True)
class ObjectiveFunction(_Section):
    """``training_details.objective_function``: what training optimised."""

    function: str = "Minimize"
    facet: str | None = None
    condition: str | None = None
    notes: str | None = None

    _MAX = {"facet": 63, "condition": 63, "notes": 1024}


@dataclass(frozen=True)
class TrainingMetric(_Section):
    name: str
    value: float
    notes: str | None = None

    _MAX = {"name": 255, "notes": 1024}


@dataclass(frozen=True)
class TrainingDetails(_Section):
    """``training_details``: how the model was trained, on what, with which result."""

    objective_function: ObjectiveFunction | None = None
    training_observations: str | None = None
    training_job_arn: str | None = None
    training_datasets: tuple[str, ...] = ()
    training_images: tuple[str, ...] = ()
    training_metrics: tuple[TrainingMetric, ...] = ()
    hyper_parameters: Mapping[str, str] = field(default_factory=dict[str, str])

    _MAX = {
        "training_observations": 1024,
        "training_job_arn": 1024,
        "training_datasets": 1024,
        "training_images": 1024,
        "hyper_parameters": 255,
    }
    _ITEMS = {"training_datasets": 15, "training_images": 15, "training_metrics": 50, "hyper_parameters": 100}


@dataclass(frozen=True)
class EvaluationMetric(_Section):
    """A metric of an evaluation: a number, a short string (63 characters) or a boolean."""

    name: str
    value: float | int | str | bool
    notes: str | None = None

    _MAX = {"name": 255, "notes": 1024}


@dataclass(frozen=True)
class MetricGroup(_Section):
    name: str
    metrics: tuple[EvaluationMetric, ...] = ()

    _MAX = {"name": 63}


@dataclass(frozen=True)
class EvaluationDetail(_Section):
    """One item of ``evaluation_details``: an evaluation of the model and its metrics."""

    name: str
    evaluation_observation: str | None = None
    evaluation_job_arn: str | None = None
    datasets: tuple[str, ...] = ()
    metadata: Mapping[str, str] = field(default_factory=dict[str, str])
    metric_groups: tuple[MetricGroup, ...] = ()

    _MAX = {"name": 63, "evaluation_observation": 2096, "evaluation_job_arn": 256, "datasets": 1024, "metadata": 1024}
    _ITEMS = {"datasets": 10}


@dataclass(frozen=True)
class AdditionalInformation(_Section):
    """``additional_information``: ethics, caveats, and custom details."""

    ethical_considerations: str | None = None
    caveats_and_recommendations: str | None = None
    custom_details: Mapping[str, str] = field(default_factory=dict[str, str])

    _MAX = {"ethical_considerations": 2048, "caveats_and_recommendations": 2048, "custom_details": 1024}


_DETAIL_KEY = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_CARD_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
_MAX_CONTENT = 100_000
_RISK_RATINGS = [r.value for r in RiskRating]
_STATUSES = [s.value for s in ModelCardStatus]


class ModelCard(Construct):
    """Defines a SageMaker model card (``AWS::SageMaker::ModelCard``) for a registered model.

    The card documents the model's overview, intended uses and risk rating, and optionally its
    business details, training, evaluations and additional information. Its content is encrypted
    with a KMS key and it carries a review status: ``Draft``, ``PendingReview`` or ``Approved``.
    A card sent for review or approved must carry evaluation details and a known risk rating.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        model_card_name: str | None = None,
        model_overview: ModelOverview | None = None,
        intended_uses: IntendedUses | None = None,
        business_details: BusinessDetails | None = None,
        training_details: TrainingDetails | None = None,
        evaluation_details: Sequence[EvaluationDetail] = (),
        additional_information: AdditionalInformation | None = None,
        model_package_group: IModelPackageGroup | str | None = None,
        status: ModelCardStatus | str = ModelCardStatus.DRAFT,
        encryption_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param model_card_name: default, generated from the construct path (so unique per stack, and
            per environment when each has its own stacks); the card's name (SageMaker name rules).
            Fixed: a new name replaces the card (the retained old card stays, outside the stack).
        :param model_overview: default None; the model's overview (or name the model by
            ``model_package_group``).
        :param intended_uses: default None; intended uses and ``risk_rating`` (High, Medium, Low, Unknown).
        :param business_details: default none.
        :param training_details: default none.
        :param evaluation_details: default none; required for ``PendingReview`` and ``Approved``.
        :param additional_information: default none.
        :param model_package_group: default none; the registry group of the model (a construct or
            its name), recorded in the card's model package details. The card must name its model:
            here or in ``model_overview.model_name``/``model_id``.
        :param status: default ``Draft``; ``Draft``, ``PendingReview`` or ``Approved``.
        :param encryption_key: default, a new ``EncryptionKey``; encrypts the card's content.
        :param removal_policy: default RETAIN for the card (a governance record) and a new key;
            DESTROY deletes them with the stack.
        """
        super().__init__(scope, construct_id)
        group_name = (
            model_package_group
            if isinstance(model_package_group, str) or model_package_group is None
            else model_package_group.model_package_group_name
        )
        status_value = status.value if isinstance(status, ModelCardStatus) else status
        sections: dict[str, Any] = {
            "model_overview": model_overview,
            "intended_uses": intended_uses,
            "business_details": business_details,
            "training_details": training_details,
            "additional_information": additional_information,
        }

        problems = Problems(self, "ModelCard")
        if model_card_name is not None:
            problems.check_pattern(
                "model_card_name",
                model_card_name,
                _CARD_NAME,
                "must be 1-63 letters, digits or '-', starting with a letter or digit",
            )
        problems.check_one_of("status", status_value, _STATUSES)
        for name in ("model_overview", "intended_uses"):
            problems.check(sections[name] is not None, name, None, "is a required section of the model card")
        for name, section in sections.items():
            if section is not None:
                _check_section(problems, name, section)
        for index, detail in enumerate(evaluation_details):
            _check_section(problems, f"evaluation_details[{index}]", detail)
        problems.check_unique("evaluation_details (names)", [d.name for d in evaluation_details])
        if group_name is not None:
            problems.check_sagemaker_name("model_package_group", group_name)
        named = group_name is not None or (
            model_overview is not None and bool(model_overview.model_name or model_overview.model_id)
        )
        problems.check(
            named or model_overview is None,
            "model_package_group",
            None,
            "the card must name its model: give model_package_group or model_overview.model_name/model_id",
        )
        risk = _value(intended_uses.risk_rating) if intended_uses is not None else None
        if status_value in (ModelCardStatus.PENDING_REVIEW.value, ModelCardStatus.APPROVED.value):
            problems.check(
                bool(evaluation_details),
                "evaluation_details",
                "none",
                f"is required for status {status_value}: a card under review documents its evaluation",
            )
            problems.check(
                risk != RiskRating.UNKNOWN.value,
                "intended_uses.risk_rating",
                risk,
                f"must be High, Medium or Low for status {status_value}",
            )
        size = len(json.dumps(_plain([*sections.values(), *evaluation_details])))
        problems.check(size <= _MAX_CONTENT, "content (JSON characters)", size, f"must be at most {_MAX_CONTENT}")
        problems.raise_if_any()

        if encryption_key is None:
            encryption_key = as_key(
                EncryptionKey(
                    self,
                    "Key",
                    description=f"{construct_path(self)}: model card content",
                    allow_cloudwatch_logs=False,
                    service_principals=(),
                    removal_policy=removal_policy,
                )
            )
        self.encryption_key: kms.IKey = encryption_key
        self.status = ModelCardStatus(status_value)
        self.risk_rating = RiskRating(risk)
        self.model_package_group_name = group_name
        self.evaluation_details: tuple[EvaluationDetail, ...] = tuple(evaluation_details)
        content = sagemaker.CfnModelCard.ContentProperty(
            model_overview=_overview(model_overview),
            intended_uses=_intended_uses(intended_uses),
            business_details=_business(business_details),
            training_details=_training(training_details),
            additional_information=_additional(additional_information),
            model_package_details=sagemaker.CfnModelCard.ModelPackageDetailsProperty(
                model_package_group_name=group_name
            )
            if group_name
            else None,
        )
        self.card = sagemaker.CfnModelCard(
            self,
            "Resource",
            model_card_name=model_card_name
            or Names.unique_resource_name(self, max_length=63, separator="-").strip("-"),
            model_card_status=status_value,
            content=content,
            security_config=sagemaker.CfnModelCard.SecurityConfigProperty(kms_key_id=self.encryption_key.key_arn),
        )
        self.card.apply_removal_policy(removal_policy)
        if evaluation_details:
            self.card.add_property_override("Content.EvaluationDetails", [_evaluation(d) for d in evaluation_details])

    @property
    def model_card_name(self) -> str:
        return self.card.model_card_name

    @property
    def model_card_arn(self) -> str:
        return self.card.attr_model_card_arn

    @property
    def model_card_version(self) -> float:
        """The card's version (a deploy-time number token; each content or status change adds one)."""
        return self.card.attr_model_card_version

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Describe the card and its versions, and decrypt its content (reviewers, auditors)."""
        stack = stack_of(self)
        grant = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["sagemaker:DescribeModelCard", "sagemaker:ListModelCardVersions"],
            resource_arns=[
                stack.format_arn(service="sagemaker", resource="model-card", resource_name=self.card.model_card_name)
            ],
        )
        self.encryption_key.grant_decrypt(grantee)
        return grant


def _value(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _check_section(problems: Problems, path: str, section: _Section) -> None:
    """Every field of ``section`` (recursively) against the resource schema's limits."""
    characters, counts = section._MAX, section._ITEMS  # pyright: ignore[reportPrivateUsage] (this module's limits)
    for f in dataclasses.fields(section):
        value: object = getattr(section, f.name)
        prop = f"{path}.{f.name}"
        limit = characters.get(f.name)
        if value is None:
            continue
        if isinstance(value, str) and limit is not None:
            problems.check(0 < len(value) <= limit, prop, _short(value), f"must be 1-{limit} characters")
        elif _is_collection(value):
            items = counts.get(f.name)
            if items is not None:
                problems.check(len(value) <= items, f"{prop} (count)", len(value), f"must be at most {items}")
            if isinstance(value, Mapping):
                for key, item in value.items():
                    problems.check(
                        bool(_DETAIL_KEY.match(str(key))) or f.name == "hyper_parameters",
                        prop,
                        key,
                        "keys must be letters, digits or '_', not starting with a digit",
                    )
                    problems.check(
                        isinstance(item, str) and 0 < len(item) <= (limit or 0),
                        f"{prop}[{key}]",
                        _short(item),
                        f"must be a string of 1-{limit} characters",
                    )
                    if f.name == "hyper_parameters":
                        problems.check(0 < len(str(key)) <= 255, prop, key, "names must be 1-255 characters")
            else:
                for index, item in enumerate(value):
                    if isinstance(item, _Section):
                        _check_section(problems, f"{prop}[{index}]", item)
                    elif limit is not None:
                        problems.check(
                            isinstance(item, str) and 0 < len(item) <= limit,
                            f"{prop}[{index}]",
                            _short(item),
                            f"must be a string of 1-{limit} characters",
                        )
        elif isinstance(value, _Section):
            _check_section(problems, prop, value)
    if isinstance(section, IntendedUses):
        problems.check_one_of(f"{path}.risk_rating", _value(section.risk_rating), _RISK_RATINGS)
    elif isinstance(section, ModelOverview) and section.model_version is not None:
        problems.check_range(f"{path}.model_version", section.model_version, minimum=1, integer=True)
    elif isinstance(section, ObjectiveFunction):
        problems.check_one_of(f"{path}.function", section.function, ["Maximize", "Minimize"])
    elif isinstance(section, EvaluationMetric):
        problems.check(
            isinstance(given(section.value), (bool, int, float, str)),
            f"{path}.value",
            section.value,
            "must be a number, a string or a boolean",
        )
        if isinstance(section.value, str):
            problems.check(
                len(section.value) <= 63,
                f"{path}.value",
                _short(section.value),
                "a string value must be at most 63 characters",
            )
    elif isinstance(section, TrainingMetric):
        problems.check(
            isinstance(given(section.value), (int, float)) and not isinstance(section.value, bool),
            f"{path}.value",
            section.value,
            "must be a number",
        )
    elif isinstance(section, MetricGroup):
        problems.check_unique(f"{path}.metrics (names)", [m.name for m in section.metrics])


def _short(value: Any) -> Any:
    return f"{value[:40]}... ({len(value)} characters)" if isinstance(value, str) and len(value) > 60 else value


def _is_collection(value: object) -> TypeGuard[Sequence[object] | Mapping[object, object]]:
    """Whether ``value`` is a tuple, a list or a mapping (a section's field of several items)."""
    return isinstance(value, (tuple, list, Mapping))


def _plain(value: object) -> object:
    """Sections as plain JSON data (to measure the content)."""
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if _is_collection(value):
        if isinstance(value, Mapping):
            return {str(k): _plain(v) for k, v in value.items()}
        return [_plain(v) for v in value]
    return value


def _overview(o: ModelOverview | None) -> sagemaker.CfnModelCard.ModelOverviewProperty | None:
    if o is None:
        return None
    return sagemaker.CfnModelCard.ModelOverviewProperty(
        model_description=o.model_description,
        model_owner=o.model_owner,
        model_creator=o.model_creator,
        problem_type=o.problem_type,
        algorithm_type=o.algorithm_type,
        model_name=o.model_name,
        model_id=o.model_id,
        model_version=o.model_version,
        model_artifact=list(o.model_artifacts) or None,
        inference_environment=sagemaker.CfnModelCard.InferenceEnvironmentProperty(
            container_image=list(o.inference_images)
        )
        if o.inference_images
        else None,
    )


def _intended_uses(u: IntendedUses | None) -> sagemaker.CfnModelCard.IntendedUsesProperty | None:
    if u is None:
        return None
    return sagemaker.CfnModelCard.IntendedUsesProperty(
        risk_rating=_value(u.risk_rating),
        purpose_of_model=u.purpose_of_model,
        intended_uses=u.intended_uses,
        factors_affecting_model_efficiency=u.factors_affecting_model_efficiency,
        explanations_for_risk_rating=u.explanations_for_risk_rating,
    )


def _business(b: BusinessDetails | None) -> sagemaker.CfnModelCard.BusinessDetailsProperty | None:
    if b is None:
        return None
    return sagemaker.CfnModelCard.BusinessDetailsProperty(
        business_problem=b.business_problem,
        business_stakeholders=b.business_stakeholders,
        line_of_business=b.line_of_business,
    )


def _training(t: TrainingDetails | None) -> sagemaker.CfnModelCard.TrainingDetailsProperty | None:
    if t is None:
        return None
    job = None
    if t.training_job_arn or t.training_datasets or t.training_images or t.training_metrics or t.hyper_parameters:
        job = sagemaker.CfnModelCard.TrainingJobDetailsProperty(
            training_arn=t.training_job_arn,
            training_datasets=list(t.training_datasets) or None,
            training_environment=sagemaker.CfnModelCard.TrainingEnvironmentProperty(
                container_image=list(t.training_images)
            )
            if t.training_images
            else None,
            training_metrics=[
                sagemaker.CfnModelCard.TrainingMetricProperty(name=m.name, value=m.value, notes=m.notes)
                for m in t.training_metrics
            ]
            or None,
            hyper_parameters=[
                sagemaker.CfnModelCard.TrainingHyperParameterProperty(name=k, value=v)
                for k, v in t.hyper_parameters.items()
            ]
            or None,
        )
    objective = None
    if t.objective_function is not None:
        f = t.objective_function
        objective = sagemaker.CfnModelCard.ObjectiveFunctionProperty(
            function=sagemaker.CfnModelCard.FunctionProperty(function=f.function, facet=f.facet, condition=f.condition),
            notes=f.notes,
        )
    return sagemaker.CfnModelCard.TrainingDetailsProperty(
        objective_function=objective, training_observations=t.training_observations, training_job_details=job
    )


def _evaluation(e: EvaluationDetail) -> dict[str, Any]:
    """One evaluation as CloudFormation data. Written with a property override: the L1 type of a
    metric's ``Value`` wants an object, while the resource schema (and SageMaker) take a number,
    a string or a boolean."""
    data: dict[str, Any] = {"Name": e.name}
    optional = {
        "EvaluationObservation": e.evaluation_observation,
        "EvaluationJobArn": e.evaluation_job_arn,
        "Datasets": list(e.datasets),
        "Metadata": dict(e.metadata),
        "MetricGroups": [{"Name": g.name, "MetricData": [_metric(m) for m in g.metrics]} for g in e.metric_groups],
    }
    data.update({k: v for k, v in optional.items() if v})
    return data


def _metric(metric: EvaluationMetric) -> dict[str, Any]:
    kind = "boolean" if isinstance(metric.value, bool) else "string" if isinstance(metric.value, str) else "number"
    data = {"Name": metric.name, "Type": kind, "Value": metric.value}
    if metric.notes is not None:
        data["Notes"] = metric.notes
    return data


def _additional(a: AdditionalInformation | None) -> sagemaker.CfnModelCard.AdditionalInformationProperty | None:
    if a is None:
        return None
    return sagemaker.CfnModelCard.AdditionalInformationProperty(
        ethical_considerations=a.ethical_considerations,
        caveats_and_recommendations=a.caveats_and_recommendations,
        custom_details=dict(a.custom_details) or None,
    )
