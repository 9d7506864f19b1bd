"""The environment's network stack: its S3 endpoint admits the configured buckets of other accounts."""

from __future__ import annotations

from dataclasses import replace

import aws_cdk as cdk
from aws_cdk.assertions import Template

from constructs_lib import EncryptionKey
from stacks.config import default_environments
from stacks.network_stack import NetworkStack
from tests.conftest import new_app
from tests.iam_eval import Request, allows, resolve

ACCOUNT, PRODUCER = "111111111111", "222222222222"
PSEUDO = {"AWS::Partition": "aws", "AWS::AccountId": ACCOUNT, "AWS::Region": "eu-west-1"}


def _s3_policy(config) -> dict:
    app = new_app()
    keys = cdk.Stack(app, "Keys", env=cdk.Environment(account=ACCOUNT, region="eu-west-1"))
    stack = NetworkStack(
        app,
        "Network",
        config=config,
        logs_key=EncryptionKey(keys, "Logs"),
        env=cdk.Environment(account=ACCOUNT, region="eu-west-1"),
    )
    [policy] = [
        resolve(e["Properties"]["PolicyDocument"], PSEUDO)
        for e in Template.from_stack(stack).find_resources("AWS::EC2::VPCEndpoint").values()
        if e["Properties"].get("VpcEndpointType") == "Gateway"
    ]
    return policy


def test_a_consumer_reaches_the_shared_registrys_artifact_bucket_in_the_producers_account():
    prod = default_environments()["prod"]
    artifacts = "ml-platform-staging-data-artifactbucket-abc123"
    consumer = replace(prod, network=replace(prod.network, external_buckets=(artifacts,)))
    model = Request(
        "s3:GetObject",
        f"arn:aws:s3:::{artifacts}/pipelines/training/models/m.tar.gz",
        {"aws:ResourceAccount": PRODUCER},
    )
    assert not allows(_s3_policy(prod), model)  # the default: this account's buckets only
    assert allows(_s3_policy(consumer), model)
    assert not allows(
        _s3_policy(consumer), Request("s3:GetObject", "arn:aws:s3:::other-bucket/x", {"aws:ResourceAccount": PRODUCER})
    )
