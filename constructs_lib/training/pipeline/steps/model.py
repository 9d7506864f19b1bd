"""``CreateModelStep`` (the ``Model`` step type) and ``RegisterModelStep`` (a model registry version)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from constructs_lib.foundation.container_image import ContainerImage
from constructs_lib.foundation.instance_type import InstanceType
from constructs_lib.foundation.network import INetwork
from constructs_lib.foundation.s3_location import S3Location
from constructs_lib.training.pipeline import _service_model
from constructs_lib.training.pipeline.expressions import STRING, Expression, Property
from constructs_lib.training.pipeline.serializer import as_api_string
from constructs_lib.training.pipeline.step import (
    Step,
    StepLineage,
    StepRequirements,
    StepValidator,
    given,
    image_reference,
    images_of,
    is_model_package_group,
    validate_network,
    vpc_config,
)
from constructs_lib.training.pipeline.values import ModelApprovalStatus

if TYPE_CHECKING:
    from constructs_lib.training.model_package_group import IModelPackageGroup
    from constructs_lib.training.pipeline.steps.checks import ClarifyCheckStep, QualityCheckStep


@dataclass(frozen=True)
class ModelContainer:
    """A model's container: an image with model data, or a registered model package version.

    :param image: the inference image (a ``ContainerImage`` or a String parameter; not with
        ``model_package``). A ``CreateModelStep``'s role is granted pull on it.
    :param model_data_url: the ``model.tar.gz`` (``training.model_artifacts``, an ``S3Location``, a URI).
    :param model_package: ``CreateModelStep`` only: the ARN of a registered version (a String
        parameter or property), instead of an image and model data.
    :param model_package_group: the group ``model_package`` belongs to (the pipeline's role may read
        its versions, and nothing else).
    :param environment: default none; environment variables of the container.
    :param hostname: default none; the container's hostname (inference pipelines of several containers).
    :param framework: default none; ``RegisterModelStep`` only, e.g. ``XGBOOST``.
    :param framework_version: default none; ``RegisterModelStep`` only, e.g. ``1.7``.
    """

    image: ContainerImage | Expression | None = None
    model_data_url: str | S3Location | Expression | None = None
    model_package: str | Expression | None = None
    model_package_group: IModelPackageGroup | None = None
    environment: Mapping[str, Any] = field(default_factory=dict[str, Any])
    hostname: str | None = None
    framework: str | None = None
    framework_version: str | None = None

    def model_request(self) -> dict[str, Any]:
        return {
            "ContainerHostname": self.hostname,
            "Image": self.image,
            "ModelDataUrl": self.model_data_url,
            "ModelPackageName": self.model_package,
            "Environment": {key: as_api_string(value) for key, value in self.environment.items()},
        }

    def package_request(self) -> dict[str, Any]:
        return {
            "ContainerHostname": self.hostname,
            "Image": self.image,
            "ModelDataUrl": self.model_data_url,
            "Environment": {key: as_api_string(value) for key, value in self.environment.items()},
            "Framework": self.framework,
            "FrameworkVersion": self.framework_version,
        }


class CreateModelStep(Step):
    """Creates a SageMaker model (the ``Model`` step type); ``step.model_name`` names it for later steps."""

    step_type = "Model"
    properties_shape = "DescribeModelOutput"
    supports_retry = True

    def __init__(
        self,
        name: str,
        *,
        role: Any,
        containers: Sequence[ModelContainer],
        network: INetwork | None = None,
        enable_network_isolation: bool = True,
        inference_execution_mode: str | None = None,
        **step_options: Any,
    ) -> None:
        """
        :param role: the ``JobRole`` (or IAM role) the model's containers run as.
        :param containers: one container, or several in an inference pipeline.
        :param network: default none (no VPC); the ``INetwork`` whose subnets and security groups the
            model's containers attach to.
        :param enable_network_isolation: default True: the containers get no network access.
        :param inference_execution_mode: default none (``Serial``); ``Direct`` for several containers.
        :param step_options: ``display_name``, ``description``, ``depends_on``, ``retry_policies``.
        """
        super().__init__(name, **step_options)
        self.role = role
        self.containers = list(containers)
        self.network = network
        self.enable_network_isolation = enable_network_isolation
        self.inference_execution_mode = inference_execution_mode

    @property
    def model_name(self) -> Property:
        return self.properties.ModelName

    def arguments(self) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "ExecutionRoleArn": self.role,
            "EnableNetworkIsolation": self.enable_network_isolation,
            "VpcConfig": vpc_config(self.network),
        }
        if len(self.containers) == 1:
            arguments["PrimaryContainer"] = self.containers[0].model_request()
        else:
            arguments["Containers"] = [container.model_request() for container in self.containers]
            if self.inference_execution_mode is not None:
                arguments["InferenceExecutionConfig"] = {"Mode": self.inference_execution_mode}
        return arguments

    def lineage(self) -> StepLineage:
        """The containers' images and model data; the registered version when built from one."""
        images = [image_reference(c.image) for c in self.containers if c.image is not None]
        several = len(self.containers) > 1
        inputs = {
            f"model{index if several else ''}": c.model_data_url
            for index, c in enumerate(self.containers)
            if c.model_data_url is not None
        }
        packages = [c.model_package for c in self.containers if c.model_package is not None]
        extra = {
            f"model-package{index if len(packages) > 1 else ''}": package for index, package in enumerate(packages)
        }
        return StepLineage(images=images, inputs=inputs, extra=extra)

    def requirements(self) -> StepRequirements:
        groups = [c.model_package_group for c in self.containers if c.model_package_group is not None]
        images = [(image, self.role) for c in self.containers for image in images_of(c.image)]
        return StepRequirements(job_kinds={"model"}, pass_roles=[self.role], read_from=groups, images=images)

    def validate(self, v: StepValidator) -> None:
        super().validate(v)
        v.check(hasattr(self.role, "role_arn"), "role", self.role, "must be a JobRole or an IAM role")
        v.check(1 <= len(self.containers) <= 15, "containers", len(self.containers), "must list 1 to 15 containers")
        validate_network(v, self.network)
        if self.inference_execution_mode is not None:
            v.one_of("inference_execution_mode", self.inference_execution_mode, ("Serial", "Direct"))
            v.check(
                len(self.containers) > 1,
                "inference_execution_mode",
                self.inference_execution_mode,
                "only applies to models of several containers",
            )
        for index, container in enumerate(self.containers):
            arg = f"containers[{index}]"
            if container.model_package is not None:
                v.kind(f"{arg}.model_package", container.model_package, STRING)
                v.check(
                    container.image is None and container.model_data_url is None,
                    arg,
                    "model_package",
                    "give model_package alone: the version brings its image and model data",
                )
                v.check(
                    container.model_package_group is not None,
                    f"{arg}.model_package_group",
                    None,
                    "is required with model_package: the pipeline's role may read that group's versions only",
                )
            else:
                v.image(f"{arg}.image", container.image)
                if container.model_data_url is not None:
                    v.s3_uri(f"{arg}.model_data_url", container.model_data_url)
            v.check(
                container.framework is None and container.framework_version is None,
                arg,
                [container.framework, container.framework_version],
                "framework and framework_version only apply to RegisterModelStep",
            )
            _check_environment(v, f"{arg}.environment", container.environment)


def _metrics_source(content_type: str, uri: Any) -> dict[str, Any] | None:
    return {"ContentType": content_type, "S3Uri": uri} if uri is not None else None


def _given_locations(options: Any, names: Sequence[str]) -> dict[str, Any]:
    return {name: getattr(options, name) for name in names if getattr(options, name) is not None}


#: Which property of each kind of check step fills which ``ModelMetrics`` / ``DriftCheckBaselines`` field.
_METRICS_OF_CHECKS: dict[str, dict[str, str]] = {
    "data_quality": {
        "data_quality_statistics": "calculated_baseline_statistics",
        "data_quality_constraints": "calculated_baseline_constraints",
    },
    "model_quality": {
        "model_quality_statistics": "calculated_baseline_statistics",
        "model_quality_constraints": "calculated_baseline_constraints",
    },
    "data_bias": {"bias_pre_training_report": "calculated_baseline_constraints"},
    "model_bias": {"bias_post_training_report": "calculated_baseline_constraints"},
    "explainability": {"explainability_report": "calculated_baseline_constraints"},
}
_BASELINES_OF_CHECKS: dict[str, dict[str, str]] = {
    "data_quality": {
        "data_quality_statistics": "drift_check_statistics",
        "data_quality_constraints": "drift_check_constraints",
    },
    "model_quality": {
        "model_quality_statistics": "drift_check_statistics",
        "model_quality_constraints": "drift_check_constraints",
    },
    "data_bias": {
        "bias_pre_training_constraints": "drift_check_constraints",
        "bias_config_file": "analysis_config_uri",
    },
    "model_bias": {
        "bias_post_training_constraints": "drift_check_constraints",
        "bias_config_file": "analysis_config_uri",
    },
    "explainability": {
        "explainability_constraints": "drift_check_constraints",
        "explainability_config_file": "analysis_config_uri",
    },
}


def _from_steps(steps: Mapping[str, Any], table: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """The fields ``table`` takes from each check step given (a step's property by field name)."""
    found: dict[str, Any] = {}
    for kind, step in steps.items():
        if step is not None:
            found |= {name: getattr(step, attribute) for name, attribute in table[kind].items()}
    return found


@dataclass(frozen=True)
class ModelMetrics:
    """Reports attached to a registered version (JSON documents in S3).

    Each value is an ``S3Location``, an ``s3://`` URI or a String expression (e.g. a ``Join`` of a
    processing output and ``evaluation.json``, or a check step's ``calculated_baseline_constraints``:
    ``ModelMetrics.from_checks`` takes them from the steps).
    """

    model_quality_statistics: Any = None
    model_quality_constraints: Any = None
    data_quality_statistics: Any = None
    data_quality_constraints: Any = None
    bias_report: Any = None
    explainability_report: Any = None
    content_type: str = "application/json"
    bias_pre_training_report: Any = None
    bias_post_training_report: Any = None

    _NAMES: ClassVar[tuple[str, ...]] = (
        "model_quality_statistics",
        "model_quality_constraints",
        "data_quality_statistics",
        "data_quality_constraints",
        "bias_report",
        "bias_pre_training_report",
        "bias_post_training_report",
        "explainability_report",
    )

    @classmethod
    def from_checks(
        cls,
        *,
        data_quality: QualityCheckStep | None = None,
        model_quality: QualityCheckStep | None = None,
        data_bias: ClarifyCheckStep | None = None,
        model_bias: ClarifyCheckStep | None = None,
        explainability: ClarifyCheckStep | None = None,
        **reports: Any,
    ) -> ModelMetrics:
        """The baselines the check steps calculated in this run (their ``CalculatedBaseline*``
        properties), with any other ``reports`` (``model_quality_statistics=...``) of your own."""
        steps = dict(data_quality=data_quality, model_quality=model_quality, data_bias=data_bias)
        steps |= dict(model_bias=model_bias, explainability=explainability)
        return cls(**{**_from_steps(steps, _METRICS_OF_CHECKS), **reports})

    def request(self) -> dict[str, Any]:
        def source(uri: Any) -> dict[str, Any] | None:
            return _metrics_source(self.content_type, uri)

        return {
            "ModelQuality": {
                "Statistics": source(self.model_quality_statistics),
                "Constraints": source(self.model_quality_constraints),
            },
            "ModelDataQuality": {
                "Statistics": source(self.data_quality_statistics),
                "Constraints": source(self.data_quality_constraints),
            },
            "Bias": {
                "Report": source(self.bias_report),
                "PreTrainingReport": source(self.bias_pre_training_report),
                "PostTrainingReport": source(self.bias_post_training_report),
            },
            "Explainability": {"Report": source(self.explainability_report)},
        }

    def locations(self) -> dict[str, Any]:
        return _given_locations(self, self._NAMES)


@dataclass(frozen=True)
class DriftCheckBaselines:
    """The baselines a registered version's monitors compare with (``DriftCheckBaselines`` of
    ``CreateModelPackage``): what a later run's check steps check against (``model_package_group``),
    and what ``ModelMonitor`` reads from the served package (``MonitoringBaseline.from_model_package``).

    Each value is an ``S3Location``, an ``s3://`` URI or a String expression: ``from_checks`` takes the
    check steps' ``BaselineUsedForDriftCheck*`` properties.
    """

    data_quality_statistics: Any = None
    data_quality_constraints: Any = None
    model_quality_statistics: Any = None
    model_quality_constraints: Any = None
    bias_pre_training_constraints: Any = None
    bias_post_training_constraints: Any = None
    bias_config_file: Any = None
    explainability_constraints: Any = None
    explainability_config_file: Any = None
    content_type: str = "application/json"

    _NAMES: ClassVar[tuple[str, ...]] = (
        "data_quality_statistics",
        "data_quality_constraints",
        "model_quality_statistics",
        "model_quality_constraints",
        "bias_pre_training_constraints",
        "bias_post_training_constraints",
        "bias_config_file",
        "explainability_constraints",
        "explainability_config_file",
    )

    @classmethod
    def from_checks(
        cls,
        *,
        data_quality: QualityCheckStep | None = None,
        model_quality: QualityCheckStep | None = None,
        data_bias: ClarifyCheckStep | None = None,
        model_bias: ClarifyCheckStep | None = None,
        explainability: ClarifyCheckStep | None = None,
        **baselines: Any,
    ) -> DriftCheckBaselines:
        """The baselines the check steps used or registered (``BaselineUsedForDriftCheck*``); the
        Clarify checks' analysis configurations as the bias and explainability config files."""
        steps = dict(data_quality=data_quality, model_quality=model_quality, data_bias=data_bias)
        steps |= dict(model_bias=model_bias, explainability=explainability)
        return cls(**{**_from_steps(steps, _BASELINES_OF_CHECKS), **baselines})

    def request(self) -> dict[str, Any]:
        def source(uri: Any) -> dict[str, Any] | None:
            return _metrics_source(self.content_type, uri)

        return {
            "Bias": {
                "ConfigFile": source(self.bias_config_file),
                "PreTrainingConstraints": source(self.bias_pre_training_constraints),
                "PostTrainingConstraints": source(self.bias_post_training_constraints),
            },
            "Explainability": {
                "Constraints": source(self.explainability_constraints),
                "ConfigFile": source(self.explainability_config_file),
            },
            "ModelQuality": {
                "Statistics": source(self.model_quality_statistics),
                "Constraints": source(self.model_quality_constraints),
            },
            "ModelDataQuality": {
                "Statistics": source(self.data_quality_statistics),
                "Constraints": source(self.data_quality_constraints),
            },
        }

    def locations(self) -> dict[str, Any]:
        return _given_locations(self, self._NAMES)


class RegisterModelStep(Step):
    """Registers a model version into a model package group, ``PendingManualApproval`` by default."""

    step_type = "RegisterModel"
    properties_shape = "DescribeModelPackageOutput"
    supports_retry = True

    def __init__(
        self,
        name: str,
        *,
        model_package_group: IModelPackageGroup,
        containers: Sequence[ModelContainer],
        content_types: Sequence[str],
        response_types: Sequence[str],
        realtime_instance_types: Sequence[InstanceType | str] = (),
        transform_instance_types: Sequence[InstanceType | str] = (),
        approval_status: ModelApprovalStatus | Expression = ModelApprovalStatus.PENDING_MANUAL_APPROVAL,
        model_package_description: str | None = None,
        model_metrics: ModelMetrics | None = None,
        drift_check_baselines: DriftCheckBaselines | None = None,
        customer_metadata: Mapping[str, str | Expression] | None = None,
        **step_options: Any,
    ) -> None:
        """
        :param model_package_group: the registry group (a ``ModelPackageGroup``).
        :param containers: the inference containers (image and model data).
        :param content_types: MIME types the model accepts (``text/csv``).
        :param response_types: MIME types the model answers with.
        :param realtime_instance_types: default none; instance types it may be deployed on.
        :param transform_instance_types: default none; instance types for batch transform.
        :param approval_status: default ``PendingManualApproval``: a person approves before deployment.
        :param model_package_description: default none.
        :param model_metrics: default none; evaluation reports shown with the version
            (``ModelMetrics.from_checks``: the baselines check steps calculated).
        :param drift_check_baselines: default none; the baselines the version's monitors compare with
            (``DriftCheckBaselines.from_checks``: those the check steps used or registered).
        :param customer_metadata: default none; key-value pairs stored with the version
            (``CustomerMetadataProperties``: up to 50; keys 1-128 and values 1-256 letters, digits,
            spaces or ``_ . : / = + - @``; values may be String expressions). A pipeline with
            ``LineageOptions`` adds its ``lineage:*`` entries.
        :param step_options: ``display_name``, ``description``, ``depends_on``, ``retry_policies``.
        """
        super().__init__(name, **step_options)
        self.model_package_group = model_package_group
        self.containers = list(containers)
        self.content_types = list(content_types)
        self.response_types = list(response_types)
        self.realtime_instance_types = list(realtime_instance_types)
        self.transform_instance_types = list(transform_instance_types)
        self.approval_status = approval_status
        self.model_package_description = model_package_description
        self.model_metrics = model_metrics
        self.drift_check_baselines = drift_check_baselines
        self.customer_metadata = dict(customer_metadata or {})

    @property
    def model_package_arn(self) -> Property:
        return self.properties.ModelPackageArn

    def arguments(self) -> dict[str, Any]:
        return {
            "ModelPackageGroupName": self.model_package_group.model_package_group_name,
            "ModelPackageDescription": self.model_package_description,
            "ModelApprovalStatus": self.approval_status,
            "InferenceSpecification": {
                "Containers": [container.package_request() for container in self.containers],
                "SupportedContentTypes": self.content_types,
                "SupportedResponseMIMETypes": self.response_types,
                "SupportedRealtimeInferenceInstanceTypes": self.realtime_instance_types or None,
                "SupportedTransformInstanceTypes": self.transform_instance_types or None,
            },
            "ModelMetrics": self.model_metrics.request() if self.model_metrics is not None else None,
            "DriftCheckBaselines": self.drift_check_baselines.request()
            if self.drift_check_baselines is not None
            else None,
            "CustomerMetadataProperties": self.customer_metadata or None,
        }

    def requirements(self) -> StepRequirements:
        # The images are bound (an asset image is built) but not pulled here: the models created
        # from the version pull them (``ModelPackageSources``).
        images = [(image, None) for c in self.containers for image in images_of(c.image)]
        return StepRequirements(register_into=[self.model_package_group], images=images)

    def validate(self, v: StepValidator) -> None:
        super().validate(v)
        group = self.model_package_group
        v.check(
            is_model_package_group(given(group)),
            "model_package_group",
            group,
            "must be a model package group (a ModelPackageGroup, or one imported with ModelPackageGroup.from_*)",
        )
        if v.kind("approval_status", self.approval_status, STRING, required=True):
            v.one_of("approval_status", self.approval_status, _service_model.enum("ModelApprovalStatus"))
        v.check(1 <= len(self.containers) <= 15, "containers", len(self.containers), "must list 1 to 15 containers")
        for index, container in enumerate(self.containers):
            arg = f"containers[{index}]"
            v.image(f"{arg}.image", container.image)
            if container.model_data_url is not None:
                v.s3_uri(f"{arg}.model_data_url", container.model_data_url)
            v.check(
                container.model_package is None and container.model_package_group is None,
                arg,
                "model_package",
                "a registered version's containers are images with model data",
            )
            _check_environment(v, f"{arg}.environment", container.environment)
        v.check(bool(self.content_types), "content_types", self.content_types, "must list at least one MIME type")
        v.check(bool(self.response_types), "response_types", self.response_types, "must list at least one MIME type")
        for arg, shape in (
            ("realtime_instance_types", "ProductionVariantInstanceType"),
            ("transform_instance_types", "TransformInstanceType"),
        ):
            for instance_type in getattr(self, arg):
                v.instance_type(arg, instance_type, shape)
        if self.model_package_description is not None:
            v.check(
                len(self.model_package_description) <= 1024,
                "model_package_description",
                self.model_package_description,
                "must be at most 1024 characters",
            )
        for arg, options in (
            ("model_metrics", self.model_metrics),
            ("drift_check_baselines", self.drift_check_baselines),
        ):
            if options is not None:
                for name, uri in options.locations().items():
                    v.s3_uri(f"{arg}.{name}", uri)
        v.check(
            len(self.customer_metadata) <= 50, "customer_metadata", len(self.customer_metadata), "at most 50 entries"
        )
        for key, value in self.customer_metadata.items():
            v.api_text(f"customer_metadata[{key!r}] (key)", key, "CustomerMetadataKey")
            v.api_text(f"customer_metadata[{key!r}]", value, "CustomerMetadataValue")


def _check_environment(v: StepValidator, arg: str, environment: Mapping[str, Any]) -> None:
    v.check(len(environment) <= 100, arg, len(environment), "at most 100 variables")
    for key, value in environment.items():
        v.check(not isinstance(value, (dict, list)), f"{arg}[{key!r}]", value, "must be a string, number or expression")
