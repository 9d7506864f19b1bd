"""Stand-ins for the other areas' constructs: the members of ``IEndpoint``, ``IMlPipeline`` and
``IModelPackageGroup`` that the monitoring loop reads (the real endpoints, pipelines and registry
live elsewhere)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from constructs_lib.inference.data_capture import DataCaptureOptions


class FakeEndpoint(Construct):
    """An endpoint: the name, ARN and data capture of an ``IEndpoint``, nothing deployed."""

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
    """A pipeline: the name, ARN, ``parameter_names`` and start grant of an ``IMlPipeline``."""

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
    """A model package group: the name and ARN of an ``IModelPackageGroup``."""

    model_package_group_name: str = "churn-models"
    region: str = "eu-west-1"
    account: str = "123456789012"

    @property
    def model_package_group_arn(self) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account}:model-package-group/{self.model_package_group_name}"


class FakeNetwork:
    """An ``INetwork`` of given subnet and security group ids (imported into a stack of its own), whose
    every endpoint is reachable: what a pipeline step's ``network=`` renders from."""

    def __init__(
        self,
        subnet_ids: Sequence[str] = ("subnet-1",),
        security_group_ids: Sequence[str] = ("sg-1",),
        *,
        vpc_id: str = "vpc-1",
    ) -> None:
        scope = Stack()
        self.vpc: ec2.IVpc = ec2.Vpc.from_vpc_attributes(scope, "Vpc", vpc_id=vpc_id, availability_zones=["eu-west-1a"])
        self.subnets: list[ec2.ISubnet] = [
            ec2.Subnet.from_subnet_id(scope, f"Subnet{i}", subnet_id) for i, subnet_id in enumerate(subnet_ids)
        ]
        self.security_groups: list[ec2.ISecurityGroup] = [
            ec2.SecurityGroup.from_security_group_id(scope, f"Sg{i}", group_id)
            for i, group_id in enumerate(security_group_ids)
        ]
        self.vpc_subnets = ec2.SubnetSelection(subnets=self.subnets)

    def require_endpoints(self, consumer: object, endpoints: Sequence[str], *, purpose: str, required: bool = True):
        return None
