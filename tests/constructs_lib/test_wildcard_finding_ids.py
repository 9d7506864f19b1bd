"""Finding ids computed as cdk-nag writes them (to acknowledge one exact wildcard)."""

import pytest

from constructs_lib import SecureBucket
from constructs_lib._core.wildcards import flatten_cfn_reference, wildcard_resource_finding
from tests.conftest import new_stack


@pytest.mark.parametrize(
    "value, flat",
    [
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/*"),
        ({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::b/*"]]}, "arn:<AWS::Partition>:s3:::b/*"),
        ({"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket1", "Arn"]}, "/x/*"]]}, "<Bucket1.Arn>/x/*"),
        ({"Fn::Sub": "arn:${AWS::Partition}:iam::1:role/*"}, "arn:<AWS::Partition>:iam::1:role/*"),
        ({"Fn::ImportValue": "Stack:Export"}, "Stack:Export"),
        ({"Fn::GetStackOutput": {"StackName": "A"}}, '{"Fn::GetStackOutput":{"StackName":"A"}}'),
    ],
)
def test_flattens_like_cdk_nag(value, flat):
    assert flatten_cfn_reference(value) == flat


def test_wildcard_resource_finding_names_the_bucket_by_its_logical_id():
    stack = new_stack()
    bucket = SecureBucket(stack, "Data")
    finding = wildcard_resource_finding(bucket, bucket.arn_for_objects("train/*"))
    assert finding.startswith("AwsSolutions-IAM5[Resource::<Data") and finding.endswith(".Arn>/train/*]")
