"""What the monitoring loop needs from an endpoint that hosts inference components, as structural
types (internal: the public signatures take ``IEndpoint`` and ``IInferenceComponent``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Node


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
