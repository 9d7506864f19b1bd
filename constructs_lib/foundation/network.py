"""``INetwork``: the one network argument of every construct that runs in a VPC."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from aws_cdk import aws_ec2 as ec2
from constructs import IConstruct

#: The name of the S3 gateway endpoint among endpoint names (``require_endpoints``,
#: ``PrivateNetwork(existing_endpoints=...)``); the interface endpoints are named as in
#: ``INTERFACE_ENDPOINT_SERVICES``.
S3_GATEWAY_ENDPOINT = "s3"

#: What SageMaker jobs and models attached to a VPC reach through it when it has no internet route:
#: their data, code and model artifacts in S3 (SageMaker Developer Guide, "Give SageMaker training jobs
#: access to resources in your Amazon VPC" and the same for hosted endpoints: "create an Amazon S3 VPC
#: endpoint"). SageMaker pulls the images and ships the logs from outside the VPC.
SAGEMAKER_JOB_ENDPOINTS: tuple[str, ...] = (S3_GATEWAY_ENDPOINT,)
#: The Feature Store runtime's interface endpoint (``GetRecord``, ``BatchGetRecord``, ``PutRecord``): what
#: a model that reads online features and a consumer that writes records reach it through.
FEATURE_STORE_RUNTIME_ENDPOINT = "sagemaker.featurestore-runtime"
#: What Studio apps in ``VpcOnly`` mode and notebook instances without direct internet access need:
#: the SageMaker API and runtime and S3 (SageMaker Developer Guide, "Connect Studio notebooks in a VPC
#: to external resources", "Connect a notebook instance in a VPC to external resources").
NOTEBOOK_ENDPOINTS: tuple[str, ...] = (S3_GATEWAY_ENDPOINT, "sagemaker.api", "sagemaker.runtime")


@runtime_checkable
class INetwork(Protocol):
    """Where a construct's network interfaces go, and which AWS endpoints they reach privately.

    Every construct that runs in a VPC takes ``network: INetwork``. ``PrivateNetwork`` implements it,
    for a new VPC or any existing ``ec2.IVpc`` (``ec2.Vpc.from_lookup``, ``from_vpc_attributes``).
    """

    @property
    def vpc(self) -> ec2.IVpc:
        """The VPC."""
        ...

    @property
    def vpc_subnets(self) -> ec2.SubnetSelection:
        """The subnets workloads run in (private: isolated or with egress)."""
        ...

    @property
    def subnets(self) -> list[ec2.ISubnet]:
        """The subnets ``vpc_subnets`` selects."""
        ...

    @property
    def security_groups(self) -> list[ec2.ISecurityGroup]:
        """The security groups of the workloads' network interfaces."""
        ...

    def require_endpoints(
        self, consumer: IConstruct, endpoints: Sequence[str], *, purpose: str, required: bool = True
    ) -> None:
        """Say at synth what ``consumer`` cannot reach: for each of ``endpoints`` (``"s3"`` or an
        interface endpoint name) the network has neither an endpoint nor a route to the internet for,
        a ``ConstructValidationError`` naming them (a warning when ``required`` is False); endpoints
        reached through the internet route instead are named in a warning."""
        ...
