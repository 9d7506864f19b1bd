"""What every pipeline step shares: name, dependencies, retry policies, caching, validation."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, TypeGuard, TypeVar

from aws_cdk import Duration

from constructs_lib._core.durations import in_seconds
from constructs_lib._core.service_model import instance_type_problem
from constructs_lib._core.stack_facts import read_once
from constructs_lib._core.validation import ConstructValidationError, Problems, given, is_unresolved, whole
from constructs_lib.foundation.container_image import ContainerImage
from constructs_lib.foundation.s3_location import S3Location
from constructs_lib.training.pipeline import _service_model
from constructs_lib.training.pipeline.expressions import (
    OBJECT,
    STRING,
    Expression,
    Property,
    accepts,
    kind_of,
)

if TYPE_CHECKING:
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_sqs as sqs
    from constructs import Construct

    from constructs_lib.foundation.network import INetwork
    from constructs_lib.foundation.s3_location import S3Location
    from constructs_lib.training.model_package_group import IModelPackageGroup

_T = TypeVar("_T")

#: Public: a step's options and its base; the validator and requirements serve the builder.
__all__ = ["CacheConfig", "RetryPolicy", "Step"]

STEP_NAME = re.compile(r"^[A-Za-z0-9\-_]{1,64}$")

#: Exception types of step retry policies (SageMaker Python SDK ``StepExceptionTypeEnum`` and
#: ``SageMakerJobExceptionTypeEnum``; the developer guide's "Retry Policy for Pipeline Steps").
STEP_EXCEPTION_TYPES = ("Step.SERVICE_FAULT", "Step.THROTTLING")
JOB_EXCEPTION_TYPES = ("SageMaker.JOB_INTERNAL_ERROR", "SageMaker.CAPACITY_ERROR", "SageMaker.RESOURCE_LIMIT")


@dataclass(frozen=True)
class RetryPolicy:
    """When and how often SageMaker Pipelines retries a failed step.

    :param exception_types: ``Step.SERVICE_FAULT``, ``Step.THROTTLING`` (any step that supports
        retries); ``SageMaker.JOB_INTERNAL_ERROR``, ``SageMaker.CAPACITY_ERROR``,
        ``SageMaker.RESOURCE_LIMIT`` (job steps: processing, training, tuning, transform).
    :param interval_seconds: default 1; wait before the first retry (1 to 43200).
    :param backoff_rate: default 2.0; multiplier of the wait between attempts.
    :param max_attempts: default None (SageMaker's default, 5); 1 to 20. Not with ``expire_after_minutes``.
    :param expire_after_minutes: default None; stop retrying after this many minutes (1 to 14400).
    """

    exception_types: Sequence[str]
    interval_seconds: int = 1
    backoff_rate: float = 2.0
    max_attempts: int | None = None
    expire_after_minutes: int | None = None

    def to_definition(self) -> dict[str, Any]:
        definition: dict[str, Any] = {
            "ExceptionType": list(self.exception_types),
            "IntervalSeconds": self.interval_seconds,
            "BackoffRate": self.backoff_rate,
        }
        if self.max_attempts is not None:
            definition["MaxAttempts"] = self.max_attempts
        if self.expire_after_minutes is not None:
            definition["ExpireAfterMin"] = self.expire_after_minutes
        return definition


@dataclass(frozen=True)
class CacheConfig:
    """Reuse the result of an earlier successful run of the step with the same arguments.

    :param expire_after: how old a cached result may be (rendered as ISO 8601, e.g. ``P30D``).
    :param enabled: default True.
    """

    expire_after: Duration
    enabled: bool = True

    def to_definition(self) -> dict[str, Any]:
        return {"Enabled": self.enabled, "ExpireAfter": self.expire_after.to_iso_string()}


def vpc_config(network: INetwork | None) -> dict[str, Any] | None:
    """A job's or model's ``VpcConfig``: ``network``'s subnets and security groups, or None (no VPC).

    Every job step takes ``network: INetwork | None`` as the constructs do; its network isolation and
    inter-container encryption are keyword options of the step (``enable_network_isolation=``,
    ``encrypt_inter_container_traffic=``), not of the network.
    """
    if network is None:
        return None
    return {
        "SecurityGroupIds": [read_once(g, "security_group_id") for g in network.security_groups],
        "Subnets": [read_once(s, "subnet_id") for s in network.subnets],
    }


def is_model_package_group(value: Any) -> bool:
    """Whether ``value`` names a model package group as an ``IModelPackageGroup`` does (a
    ``ModelPackageGroup``, or one imported with ``ModelPackageGroup.from_*``)."""
    return hasattr(value, "model_package_group_name") and hasattr(value, "model_package_group_arn")


def validate_network(v: StepValidator, network: INetwork | None, prefix: str = "network") -> None:
    """A job in a VPC takes 1 to 16 subnets and 1 to 5 security groups (botocore ``VpcConfig``)."""
    if network is None:
        return
    subnets, groups = network.subnets, network.security_groups
    v.check(
        1 <= len(subnets) <= 16,
        f"{prefix}.subnets",
        [read_once(s, "subnet_id") for s in subnets],
        "must be 1 to 16 subnets when the job runs in a VPC",
    )
    v.check(
        1 <= len(groups) <= 5,
        f"{prefix}.security_groups",
        [read_once(g, "security_group_id") for g in groups],
        "must be 1 to 5 security groups when the job runs in a VPC",
    )


@dataclass(frozen=True)
class StepLineage:
    """What a job step runs and reads, for the lineage tags of ``LineageOptions`` (see ``lineage.py``).

    :param images: the container images (or algorithm) the job runs.
    :param inputs: the job's data inputs by name (S3 URIs, ``S3Location``, String expressions); an
        input that reads another step's output leads the lineage back to that step's inputs.
    :param hyperparameters: default none; the job's hyperparameters (recorded as a digest).
    :param code: default none; the script the job runs (a processing step's ``code``).
    :param extra: default none; more step-specific facts (``model``, ``model-package``) by tag suffix.
    """

    images: Sequence[Any] = ()
    inputs: Mapping[str, Any] = field(default_factory=dict[str, Any])
    hyperparameters: Mapping[str, Any] | None = None
    code: Any = None
    extra: Mapping[str, Any] = field(default_factory=dict[str, Any])


#: Characters of tag keys/values and model package metadata (botocore ``TagKey``, ``TagValue``,
#: ``CustomerMetadataKey``, ``CustomerMetadataValue``: ``[\p{L}\p{Z}\p{N}_.:/=+\-@]*``).
_TAG_PUNCTUATION = frozenset("_.:/=+-@")


def api_text_problem(value: Any, shape_name: str) -> str | None:
    """What is wrong with literal ``value`` for the tag-like botocore string shape ``shape_name``
    (its length limits and the tag character set), or ``None`` (also for expressions and tokens)."""
    uri = getattr(value, "uri", None)  # an S3Location is written as its s3:// URI
    value = uri if isinstance(uri, str) else value
    if isinstance(value, Expression) or (isinstance(value, str) and is_unresolved(value)):
        return None
    shape = _service_model.shape(shape_name)
    low, high = int(shape.get("min", 0)), int(shape["max"])
    allowed = f"must be a string of {low} to {high} letters, digits, spaces or _ . : / = + - @ (botocore {shape_name})"
    if not isinstance(value, str) or not low <= len(value) <= high:
        return allowed
    if not all(c in _TAG_PUNCTUATION or unicodedata.category(c)[0] in "LZN" for c in value):
        return allowed
    return None


@dataclass(frozen=True)
class StepPermission:
    """One statement a step adds to the pipeline's role (``MlPipeline`` builds the ARNs).

    :param actions: the IAM actions.
    :param service: the ARN's service (``elasticmapreduce``, ``events``, ``sagemaker``).
    :param resources: resource parts after ``<region>:<account>:`` (``cluster/j-1``, ``rule/Name``);
        ``"*"`` for actions without resource-level permissions; whole ARNs with ``whole_arns``.
    :param conditions: default none; the statement's conditions.
    :param reason: why a wildcard in ``resources`` is the least the step needs (the acknowledgment
        of its finding); required when a resource has ``*``.
    """

    actions: tuple[str, ...]
    service: str
    resources: tuple[str, ...]
    conditions: Mapping[str, Any] | None = None
    reason: str | None = None
    #: ``resources`` are whole ARNs (a key's ``key_arn``), used as they are.
    whole_arns: bool = False


@dataclass
class StepRequirements:
    """What the pipeline's role needs for a step (collected by ``MlPipeline``)."""

    job_kinds: set[str] = field(default_factory=set[str])
    pass_roles: list[Any] = field(default_factory=list[Any])
    register_into: list[IModelPackageGroup] = field(default_factory=list["IModelPackageGroup"])
    read_from: list[IModelPackageGroup] = field(default_factory=list["IModelPackageGroup"])
    read_locations: list[S3Location] = field(default_factory=list[S3Location])
    functions: list[lambda_.IFunction] = field(default_factory=list["lambda_.IFunction"])
    queues: list[sqs.IQueue] = field(default_factory=list["sqs.IQueue"])
    #: ``(image, role)``: the images the step's jobs or models run, with the role that pulls each
    #: (``None``: nothing pulls it in this step, e.g. a registered version's image).
    images: list[tuple[ContainerImage, Any]] = field(default_factory=list[tuple[ContainerImage, Any]])
    #: Statements of step types whose calls are not SageMaker jobs (EMR, endpoints).
    permissions: list[StepPermission] = field(default_factory=list[StepPermission])
    #: Roles passed to services other than SageMaker: ``(role, services)`` (an EMR cluster's roles).
    pass_roles_to: list[tuple[Any, tuple[str, ...]]] = field(default_factory=list[tuple[Any, tuple[str, ...]]])
    #: SageMaker Pipelines lists a group's approved versions (a check step's latest approved baselines).
    lists_model_packages: bool = False


def image_reference(image: Any) -> Any:
    """What lineage records of a step's image: its URI (None while an asset or per-region image is
    not yet bound to a stack, which ``MlPipeline`` does first), or the String expression."""
    if isinstance(image, ContainerImage):
        try:
            return image.image_uri
        except ConstructValidationError:
            return None
    return image


def images_of(*images: Any) -> list[ContainerImage]:
    """The ``ContainerImage`` values among ``images`` (expressions are left to the execution)."""
    return [image for image in images if isinstance(image, ContainerImage)]


class _Shown:
    """Shows an expression in a message as its repr, unquoted."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class StepValidator:
    """Collects a step's input problems into the pipeline's ``Problems``, naming the step."""

    def __init__(self, problems: Problems, step: Step) -> None:
        self._problems = problems
        self.step = step

    def add(self, arg: str, value: Any, allowed: str) -> None:
        shown = _Shown(repr(value)) if isinstance(value, (Expression, Duration)) else value
        shown = shown.value if isinstance(shown, Enum) else shown
        self._problems.add(f"steps[{self.step.name!r}] ({self.step.step_type}) {arg}", shown, allowed)

    def check(self, ok: bool, arg: str, value: Any, allowed: str) -> bool:
        if not ok:
            self.add(arg, value, allowed)
        return ok

    def kind(self, arg: str, value: Any, expected: str, *, required: bool = False) -> bool:
        """A literal or expression of kind ``expected`` (``None`` only when not required)."""
        if value is None:
            return self.check(not required, arg, value, "is required")
        if isinstance(value, (str, float)) and is_unresolved(value):  # a CDK token, e.g. Token.as_number
            return True
        actual = kind_of(value)
        if accepts(expected, actual) and actual != OBJECT:
            return True
        what = f"a {actual} {'parameter' if hasattr(value, 'to_definition') else 'value'}"
        self.add(arg, value, f"must be a {expected} (or a {expected} parameter/property); got {what}")
        return False

    def literal(self, value: _T | Expression | None) -> TypeGuard[_T]:
        """True when ``value`` is known now (not an expression nor an unresolved CDK token)."""
        return value is not None and not isinstance(value, Expression) and not is_unresolved(value)

    def one_of(self, arg: str, value: Any, choices: Iterable[str]) -> bool:
        if not self.literal(value):
            return True
        choices = list(choices)
        return self.check(value in choices, arg, value, f"must be one of {', '.join(choices)}")

    def range(self, arg: str, value: Any, *, minimum: float | None = None, maximum: float | None = None) -> bool:
        if not self.literal(value):
            return True
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return self.check(False, arg, value, "must be a number")
        ok = (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
        bounds = " to ".join(_number(b) for b in (minimum, maximum) if b is not None)
        allowed = (
            f"must be from {bounds}"
            if minimum is not None and maximum is not None
            else f"must be at least {_number(minimum)}"
            if minimum is not None
            else f"must be at most {_number(maximum)}"
        )
        return self.check(ok, arg, value, allowed)

    def image(self, arg: str, value: Any, *, required: bool = True) -> bool:
        """A ``ContainerImage`` or a String expression (a pipeline parameter)."""
        if value is None:
            return self.check(not required, arg, value, "is required (a ContainerImage or a String parameter)")
        if isinstance(value, ContainerImage):
            return True
        if isinstance(value, Expression):
            return self.kind(arg, value, STRING)
        return self.check(
            False,
            arg,
            value,
            "must be a ContainerImage (ContainerImage.from_uri/from_ecr_repository/from_asset, AlgorithmImage, "
            "FrameworkImage) or a String parameter",
        )

    def instance_type(self, arg: str, value: Any, shape_name: str, *, required: bool = True) -> bool:
        """An ``InstanceType`` (or name, or String expression) in botocore's enum ``shape_name``
        (e.g. ``TrainingInstanceType``), with close matches."""
        from constructs_lib.foundation.instance_type import InstanceType

        name = value.name if isinstance(value, InstanceType) else value
        if not self.kind(arg, name, STRING, required=required) or not self.literal(name):
            return True
        problem = instance_type_problem(name, shape_name)
        return self.check(problem is None, arg, name, problem or "")

    def s3_uri(self, arg: str, value: Any, *, required: bool = True) -> bool:
        """An ``s3://`` URI, an ``S3Location`` or a String expression."""
        if value is None:
            return self.check(not required, arg, value, "is required (an s3:// URI or S3Location)")
        if isinstance(value, S3Location):
            return True
        if not self.kind(arg, value, STRING):
            return False
        if isinstance(value, str):
            return self.check(
                value.startswith("s3://") and len(value) > 5, arg, value, "must be an s3:// URI (or an S3Location)"
            )
        return True

    def api_text(self, arg: str, value: Any, shape_name: str) -> bool:
        """A tag key/value or model metadata text (``api_text_problem``); expressions must be Strings."""
        if isinstance(value, Expression):
            return self.kind(arg, value, STRING)
        problem = api_text_problem(value, shape_name)
        return self.check(problem is None, arg, value, problem or "")

    def seconds(
        self,
        arg: str,
        value: Duration | Expression | None,
        *,
        minimum: int = 1,
        maximum: int | None = None,
        required: bool = False,
    ) -> bool:
        if value is None:
            return self.check(not required, arg, value, "is required")
        if isinstance(value, Expression):
            return self.kind(arg, value, "Integer")
        if not isinstance(given(value), Duration):
            return self.check(False, arg, value, "must be an aws_cdk.Duration (or an Integer parameter, seconds)")
        seconds = in_seconds(value)
        if is_unresolved(seconds):
            return True
        return self.range(f"{arg} (seconds)", seconds, minimum=minimum, maximum=maximum)


def _number(value: float | None) -> str:
    return str(int(value)) if value is not None and float(value).is_integer() else str(value)


def seconds_of(value: Duration | Expression | None) -> int | float | Expression | None:
    if value is None or isinstance(value, Expression):
        return value
    return whole(in_seconds(value))


class Step:
    """A step of a SageMaker pipeline (subclasses define the step types)."""

    step_type: ClassVar[str] = ""
    #: botocore response shape the step's properties follow (``None``: no properties).
    properties_shape: ClassVar[str | tuple[str, ...] | None] = None
    supports_retry: ClassVar[bool] = False
    supports_cache: ClassVar[bool] = False
    #: ``SageMaker.*`` retry exception types apply (the step runs a SageMaker job).
    runs_job: ClassVar[bool] = False

    def __init__(
        self,
        name: str,
        *,
        display_name: str | None = None,
        description: str | None = None,
        depends_on: Sequence[Step | str] = (),
        retry_policies: Sequence[RetryPolicy] = (),
        cache: CacheConfig | None = None,
    ) -> None:
        self.name = name
        self.display_name = display_name
        self.description = description
        self.depends_on: list[Step | str] = list(depends_on)
        self.retry_policies = list(retry_policies)
        self.cache = cache

    # --- references ---------------------------------------------------------------------------------

    @property
    def properties(self) -> Property:
        """The step's result, e.g. ``step.properties.ModelArtifacts.S3ModelArtifacts``."""
        if self.properties_shape is None:
            raise AttributeError(f"{self.step_type} step {self.name!r} has no properties to reference")
        return Property(self, self.properties_shape)

    def add_depends_on(self, *steps: Step | str) -> None:
        """Run this step only after ``steps`` (besides the steps whose properties it reads)."""
        self.depends_on.extend(steps)

    @property
    def depends_on_names(self) -> list[str]:
        return [s if isinstance(s, str) else s.name for s in self.depends_on]

    # --- definition ---------------------------------------------------------------------------------

    def bind(self, scope: Construct) -> None:
        """Create what the step needs in ``scope``'s stack before it is rendered (the assets of its
        local code, read by its role); ``MlPipeline`` calls it. Nothing by default."""

    def arguments(self) -> dict[str, Any]:
        """The step's ``Arguments`` (raw: expressions, locations and keys are rendered later)."""
        raise NotImplementedError

    def extra_request(self) -> dict[str, Any]:
        """Step-level keys besides Name, Type, Arguments (PropertyFiles, FunctionArn...)."""
        return {}

    def children(self) -> list[Step]:
        """Steps nested in this one (a condition's branches)."""
        return []

    def request(self) -> dict[str, Any]:
        request: dict[str, Any] = {"Name": self.name, "Type": self.step_type, "Arguments": self.arguments()}
        if self.depends_on:
            request["DependsOn"] = self.depends_on_names
        if self.display_name:
            request["DisplayName"] = self.display_name
        if self.description:
            request["Description"] = self.description
        if self.retry_policies:
            request["RetryPolicies"] = [policy.to_definition() for policy in self.retry_policies]
        if self.cache is not None:
            request["CacheConfig"] = self.cache.to_definition()
        request.update(self.extra_request())
        return request

    def requirements(self) -> StepRequirements:
        return StepRequirements()

    def lineage(self) -> StepLineage | None:
        """What the job this step creates runs and reads (``None``: the step creates no taggable job)."""
        return None

    # --- validation ---------------------------------------------------------------------------------

    def validate(self, v: StepValidator) -> None:
        """Check the step's own arguments (the pipeline checks names, references and cycles)."""
        v.check(
            isinstance(given(self.name), str) and bool(STEP_NAME.match(self.name)),
            "name",
            self.name,
            "must be 1-64 letters, digits, '-' or '_'",
        )
        if self.display_name is not None:
            v.check(
                bool(STEP_NAME.match(self.display_name)),
                "display_name",
                self.display_name,
                "must be 1-64 letters, digits, '-' or '_'",
            )
        if self.description is not None:
            v.check(len(self.description) <= 4096, "description", self.description, "must be at most 4096 characters")
        v.check(
            self.supports_retry or not self.retry_policies,
            "retry_policies",
            self.retry_policies,
            f"are not supported by {self.step_type} steps (only Processing, Training, Tuning, Transform, "
            "CreateModel and RegisterModel)",
        )
        v.check(
            self.supports_cache or self.cache is None,
            "cache",
            self.cache,
            f"is not supported by {self.step_type} steps (only Processing, Training, Tuning, Transform, "
            "Lambda and Callback)",
        )
        allowed = STEP_EXCEPTION_TYPES + (JOB_EXCEPTION_TYPES if self.runs_job else ())
        for index, policy in enumerate(self.retry_policies):
            arg = f"retry_policies[{index}]"
            v.check(
                bool(policy.exception_types),
                f"{arg}.exception_types",
                list(policy.exception_types),
                f"must name at least one of {', '.join(allowed)}",
            )
            for exception_type in policy.exception_types:
                v.one_of(f"{arg}.exception_types", exception_type, allowed)
            v.range(f"{arg}.interval_seconds", policy.interval_seconds, minimum=1, maximum=43200)
            v.range(f"{arg}.backoff_rate", policy.backoff_rate, minimum=0)
            v.check(
                policy.max_attempts is None or policy.expire_after_minutes is None,
                arg,
                policy,
                "give max_attempts or expire_after_minutes, not both",
            )
            if policy.max_attempts is not None:
                v.range(f"{arg}.max_attempts", policy.max_attempts, minimum=1, maximum=20)
            if policy.expire_after_minutes is not None:
                v.range(f"{arg}.expire_after_minutes", policy.expire_after_minutes, minimum=1, maximum=14400)
        if self.cache is not None:
            v.check(
                isinstance(given(self.cache.expire_after), Duration),
                "cache.expire_after",
                self.cache.expire_after,
                "must be an aws_cdk.Duration",
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"
