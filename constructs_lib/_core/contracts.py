"""What constructs of one area need from another's, as structural types.

The monitoring loop reads endpoints, pipelines and the registry through these protocols, so each
side can be built, tested and replaced on its own. The concrete constructs (``RealtimeEndpoint``,
``AsyncEndpoint``, ``MlPipeline``, ``ModelPackageGroup``) satisfy them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from constructs import Node

if TYPE_CHECKING:
    from constructs_lib.inference.data_capture import DataCaptureOptions


@runtime_checkable
class MonitorableEndpoint(Protocol):
    """A SageMaker endpoint whose traffic can be monitored."""

    @property
    def endpoint_name(self) -> str: ...

    @property
    def endpoint_arn(self) -> str: ...

    @property
    def data_capture(self) -> DataCaptureOptions | None:
        """None when the endpoint does not capture data (Model Monitor then refuses it)."""
        ...


@runtime_checkable
class MonitorableComponent(Protocol):
    """An inference component whose invocation metrics can be watched (``IInferenceComponent``).

    On an endpoint that hosts inference components SageMaker publishes the invocation metrics
    (``Invocations``, ``Invocation5XXErrors``, ``ModelLatency``, ...) per component, with the
    ``InferenceComponentName`` dimension."""

    @property
    def node(self) -> Node: ...

    @property
    def inference_component_name(self) -> str: ...

    @property
    def endpoint_name(self) -> str:
        """The name of the endpoint that hosts the component."""
        ...

    def metric_invocations(self, **props: Any) -> cloudwatch.Metric: ...

    def metric_invocation_5xx_errors(self, **props: Any) -> cloudwatch.Metric: ...

    def metric_model_latency(self, **props: Any) -> cloudwatch.Metric: ...


@runtime_checkable
class ComponentHost(Protocol):
    """An endpoint that hosts inference components (``InferenceComponentEndpoint``): its models are
    the components, so its invocation metrics are theirs, and it captures no data."""

    @property
    def components(self) -> Sequence[MonitorableComponent]:
        """The components defined on it so far."""
        ...


@runtime_checkable
class StartablePipeline(Protocol):
    """A SageMaker pipeline that rules and schedules can start."""

    @property
    def pipeline_name(self) -> str: ...

    @property
    def pipeline_arn(self) -> str: ...

    @property
    def parameter_names(self) -> frozenset[str]:
        """Names of the parameters the pipeline definition declares."""
        ...

    def grant_start_execution(self, grantee: iam.IGrantable) -> iam.Grant: ...


@runtime_checkable
class ModelPackageGroupRef(Protocol):
    """A model package group in the registry."""

    @property
    def model_package_group_name(self) -> str: ...

    @property
    def model_package_group_arn(self) -> str: ...
