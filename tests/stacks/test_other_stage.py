"""Reading another environment's artifacts by name: one implementation for the served models'
packages (ServingStack.allow_model_packages_from) and the monitors' baselines
(MonitoringStack.read_baselines_from)."""

from __future__ import annotations

import inspect

from aws_cdk import assertions
from aws_cdk import aws_iam as iam

from stacks import monitoring_stack, serving_stack
from stacks.config import default_environments
from stacks.other_stage import grant_read_of_stage
from tests.conftest import new_stack


def test_the_grant_reads_the_prefix_of_the_stages_bucket_and_its_key_through_s3_in_this_account():
    stack = new_stack()
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    staging = default_environments()["staging"]
    sid = grant_read_of_stage(
        stack, role, staging, sid_prefix="ReadThingsOf", prefix="things/", what="Things", under="the things prefix"
    )
    assert sid == "ReadThingsOfStaging"
    [policy] = assertions.Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
    s3_read, key = policy["Properties"]["PolicyDocument"]["Statement"]
    assert s3_read["Sid"] == sid and s3_read["Action"] == "s3:GetObject"
    assert f"{staging.project}-staging-data-artifactbucket*/things/*" in str(s3_read["Resource"])
    assert "s3:ResourceAccount" in s3_read["Condition"]["StringEquals"]
    assert key["Sid"] == f"{sid}Key" and key["Action"] == "kms:Decrypt"
    assert key["Condition"]["ForAnyValue:StringEquals"] == {"kms:ResourceAliases": f"alias/{staging.project}/staging"}


def test_serving_and_monitoring_use_the_one_implementation():
    for method in (
        serving_stack.ServingStack.allow_model_packages_from,
        monitoring_stack.MonitoringStack.read_baselines_from,
    ):
        source = inspect.getsource(method)
        assert "grant_read_of_stage(" in source and "PolicyStatement" not in source, method.__qualname__
