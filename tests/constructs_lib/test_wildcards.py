"""The wildcard acknowledgment helper acknowledges the named statement's wildcards only."""

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from constructs_lib import SecureBucket
from constructs_lib._core.roles import ManagedPolicyRole
from constructs_lib._core.s3_access import S3Uri, grant_prefix
from constructs_lib._core.wildcards import (
    acknowledge_statement_resources,
    acknowledge_statement_wildcards,
    flatten_cfn_reference,
)
from tests.conftest import compliance_app, nag_findings, new_stack


def test_only_the_named_statement_is_acknowledged_and_cross_stack_references_work():
    app = compliance_app()
    data = cdk.Stack(app, "Data", env=cdk.Environment(region="eu-west-1"))
    bucket = SecureBucket(data, "Bucket")
    stack = new_stack(app, "Loop")
    role = ManagedPolicyRole(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    grant_prefix(
        role,
        bucket_arn=bucket.bucket_arn,
        key_prefix="reports/",
        write=True,
        sid="WriteReports",
        why="Reports of a test job",
    )
    role.add_to_policy(
        iam.PolicyStatement(
            sid="NotAcknowledged", actions=["s3:GetObject"], resources=[bucket.arn_for_objects("other/*")]
        )
    )
    acknowledge_statement_wildcards(role.managed_policy, "a reason that is long enough to pass", "NoSuchStatement")
    findings = nag_findings(app)
    assert len(findings) == 1
    assert findings[0].startswith("AwsSolutions-IAM5[Resource::") and findings[0].endswith(
        "/other/*] at Loop/Role/Permissions/Resource"
    )


def test_named_statements_are_read_when_final_and_each_policy_acknowledges_its_own():
    """The statements of every policy of a stack are read together at synth: a resource added after the
    statement was named is acknowledged, a statement of one policy never acknowledges another's."""
    app = compliance_app()
    stack = new_stack(app, "Loop")
    bucket = SecureBucket(stack, "Bucket")
    reason = "Objects under this prefix are named at run time by the job"
    roles = [
        ManagedPolicyRole(stack, name, assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
        for name in ("First", "Second")
    ]
    first = iam.PolicyStatement(actions=["s3:GetObject"], resources=[bucket.arn_for_objects("a/*")])
    roles[0].add_to_policy(first)
    acknowledge_statement_resources(roles[0].managed_policy, reason, first)
    first.add_resources(bucket.arn_for_objects("b/*"))  # after it was named
    second = iam.PolicyStatement(actions=["s3:PutObject"], resources=[bucket.arn_for_objects("c/*")])
    unnamed = iam.PolicyStatement(actions=["s3:PutObject"], resources=[bucket.arn_for_objects("d/*")])
    roles[1].add_to_policy(second)
    roles[1].add_to_policy(unnamed)
    acknowledge_statement_resources(roles[1].managed_policy, reason, second, second)
    findings = nag_findings(app)
    assert len(findings) == 1, findings
    assert findings[0].endswith("/d/*] at Loop/Second/Permissions/Resource")


def test_flattening_matches_cdk_nag():
    assert flatten_cfn_reference({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::b/*"]]}) == (
        "arn:<AWS::Partition>:s3:::b/*"
    )
    assert flatten_cfn_reference({"Fn::GetAtt": ["Bucket1", "Arn"]}) == "<Bucket1.Arn>"
    assert flatten_cfn_reference({"Fn::Sub": "arn:${AWS::Partition}:logs"}) == "arn:<AWS::Partition>:logs"


def test_s3_uris_parse_with_token_buckets():
    assert S3Uri.parse("s3://my-bucket/a/b.json") == S3Uri("my-bucket", "a/b.json")
    assert S3Uri.parse("s3://${Token[TOKEN.1]}/key").bucket == "${Token[TOKEN.1]}"
    assert S3Uri.parse("https://example.com/x") is None
    assert S3Uri.parse("s3://Bad_Bucket/x") is None
