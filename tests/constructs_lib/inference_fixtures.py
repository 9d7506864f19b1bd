"""Small builders shared by the inference tests (models, buckets, networks)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2

from constructs_lib import ContainerDefinition, ContainerImage, Model, ModelData, PrivateNetwork, SecureBucket

XGBOOST = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"
PYTORCH_GPU = (
    "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.3.0-gpu-py311-cu121-ubuntu20.04-sagemaker"
)
PYTORCH_CPU = "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311-ubuntu20.04-sagemaker"


def artifacts(stack: cdk.Stack, construct_id: str = "Artifacts") -> SecureBucket:
    return SecureBucket(stack, construct_id)


def network(stack: cdk.Stack) -> PrivateNetwork:
    return PrivateNetwork(stack, "Net", availability_zones=["eu-west-1a", "eu-west-1b"], interface_endpoints=())


def container(
    bucket: SecureBucket, image: str = XGBOOST, key: str = "models/xgb/model.tar.gz", **kwargs
) -> ContainerDefinition:
    return ContainerDefinition(
        image=ContainerImage.from_uri(image), model_data=ModelData.from_bucket(bucket, key), **kwargs
    )


def vpc_model(
    stack: cdk.Stack,
    construct_id: str = "Model",
    *,
    bucket: SecureBucket | None = None,
    net: PrivateNetwork | ec2.IVpc | None = None,
    **kwargs,
) -> Model:
    """A network-isolated model in a VPC (what real-time and async endpoints host)."""
    bucket = bucket or artifacts(stack, f"{construct_id}Artifacts")
    net = net or network(stack)
    return Model(stack, construct_id, containers=[container(bucket)], network=net, **kwargs)


def serverless_model(
    stack: cdk.Stack, construct_id: str = "ServerlessModel", *, image: str = XGBOOST, bucket: SecureBucket | None = None
) -> Model:
    """A model that Serverless Inference accepts: no VPC, no network isolation."""
    bucket = bucket or artifacts(stack, f"{construct_id}Artifacts")
    return Model(stack, construct_id, containers=[container(bucket, image)], network=None, network_isolation=False)


def cheap_model(stack: cdk.Stack, construct_id: str = "Model") -> Model:
    """A model on an imported bucket and no VPC: quick to build, for bad-input tests."""
    from aws_cdk import aws_s3 as s3

    bucket = s3.Bucket.from_bucket_name(stack, f"{construct_id}Bucket", "artifacts")
    return Model(
        stack,
        construct_id,
        network=None,
        containers=[
            ContainerDefinition(
                image=ContainerImage.from_uri(XGBOOST), model_data=ModelData.from_bucket(bucket, "m/model.tar.gz")
            )
        ],
    )
