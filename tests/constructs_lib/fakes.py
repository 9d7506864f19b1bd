"""Stand-ins for the other areas' constructs, implementing the protocols of
``constructs_lib._core.contracts`` (the real endpoints, pipelines and registry live elsewhere)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from constructs_lib.inference.data_capture import DataCaptureOptions


class FakeEndpoint(Construct):
    """A ``MonitorableEndpoint``: name, ARN and data capture, nothing deployed."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint_name: str = "churn-endpoint",
        data_capture: DataCaptureOptions | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._name = endpoint_name
        self._capture = data_capture

    @property
    def endpoint_name(self) -> str:
        return self._name

    @property
    def endpoint_arn(self) -> str:
        return Stack.of(self).format_arn(service="sagemaker", resource="endpoint", resource_name=self._name)

    @property
    def data_capture(self) -> DataCaptureOptions | None:
        return self._capture


class FakePipeline(Construct):
    """A ``StartablePipeline`` declaring ``parameter_names``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pipeline_name: str = "churn-training",
        parameter_names: frozenset[str] = frozenset({"InputDataUrl", "TrainingInstanceType", "Trigger"}),
    ) -> None:
        super().__init__(scope, construct_id)
        self._name = pipeline_name
        self._parameters = parameter_names

    @property
    def pipeline_name(self) -> str:
        return self._name

    @property
    def pipeline_arn(self) -> str:
        return Stack.of(self).format_arn(service="sagemaker", resource="pipeline", resource_name=self._name)

    @property
    def parameter_names(self) -> frozenset[str]:
        return self._parameters

    def grant_start_execution(self, grantee: iam.IGrantable) -> iam.Grant:
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["sagemaker:StartPipelineExecution"], resource_arns=[self.pipeline_arn]
        )


@dataclass
class FakeModelPackageGroup:
    """A ``ModelPackageGroupRef``."""

    model_package_group_name: str = "churn-models"
    region: str = "eu-west-1"
    account: str = "123456789012"

    @property
    def model_package_group_arn(self) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account}:model-package-group/{self.model_package_group_name}"
