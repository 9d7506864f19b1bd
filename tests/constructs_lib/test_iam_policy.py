"""The IAM policy evaluator the run-time contracts rely on, and the template values it compares."""

from __future__ import annotations

import pytest

from constructs_lib._core.cfn_values import Alternatives, Assembly, StackTemplate, each
from constructs_lib._core.iam_policy import Request, decide, statements_of, wildcard_match


def policy(*statements: dict) -> list:
    return statements_of([{"Statement": list(statements)}])


BUCKET = "arn:aws:s3:::data"


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("*", "anything", True),
        ("arn:aws:s3:::data/models/*", "arn:aws:s3:::data/models/a/b.tar.gz", True),
        ("arn:aws:s3:::data/models/*", "arn:aws:s3:::data/other/b.tar.gz", False),
        ("arn:aws:s3:::data/model?", "arn:aws:s3:::data/models", True),
        ("arn:aws:s3:::data/models/*", "arn:aws:s3:::data/models/{{param.S.Key}}", True),
        ("arn:aws:s3:::data/models/x", "arn:aws:s3:::data/models/{{param.S.Key}}", False),
    ],
)
def test_resources_match_iam_wildcards_with_placeholders_as_text(pattern, value, expected):
    assert wildcard_match(pattern, value) is expected


def test_actions_match_case_insensitively_and_with_wildcards():
    statements = policy({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"})
    assert decide(statements, Request("S3:GetObject", f"{BUCKET}/a")) == "allowed"
    assert decide(statements, Request("s3:PutObject", f"{BUCKET}/a")) == "implicit"


def test_not_action_and_not_resource():
    statements = policy({"Effect": "Allow", "NotAction": "iam:*", "NotResource": f"{BUCKET}/secret/*"})
    assert decide(statements, Request("s3:GetObject", f"{BUCKET}/public/a")) == "allowed"
    assert decide(statements, Request("s3:GetObject", f"{BUCKET}/secret/a")) == "implicit"
    assert decide(statements, Request("iam:PassRole", "arn:aws:iam::1:role/r")) == "implicit"


def test_an_explicit_deny_wins():
    statements = policy(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:GetObject", "Resource": f"{BUCKET}/secret/*"},
    )
    assert decide(statements, Request("s3:GetObject", f"{BUCKET}/secret/a")) == "denied"
    assert decide(statements, Request("s3:GetObject", f"{BUCKET}/open/a")) == "allowed"


def test_conditions_are_evaluated_against_the_request_context():
    statements = policy(
        {
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": BUCKET,
            "Condition": {"StringLike": {"s3:prefix": ["raw/*"]}},
        }
    )
    assert decide(statements, Request("s3:ListBucket", BUCKET, {"s3:prefix": ("raw/",)})) == "allowed"
    assert decide(statements, Request("s3:ListBucket", BUCKET, {"s3:prefix": ("other/",)})) == "implicit"


def test_undecidable_conditions_never_allow_and_always_deny():
    allow = policy(
        {
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}},
        }
    )
    # the request does not say through which service it comes: not proven
    assert decide(allow, Request("kms:Decrypt", "arn:aws:kms:eu-west-1:1:key/k")) == "implicit"
    unknown_operator = policy(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
        },
    )
    assert decide(unknown_operator, Request("s3:GetObject", f"{BUCKET}/a")) == "denied"


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": ("true",)}, "allowed"),
        ({"NumericLessThan": {"s3:TlsVersion": 1.2}}, {"s3:TlsVersion": ("1.2",)}, "allowed"),
        ({"NumericLessThan": {"s3:TlsVersion": 1.2}}, {"s3:TlsVersion": ("1.0",)}, "denied"),
        ({"StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}, {}, "denied"),
        ({"Null": {"aws:SourceVpce": "true"}}, {}, "denied"),
    ],
)
def test_deny_statements_apply_only_when_their_conditions_hold(condition, context, expected):
    statements = policy(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": condition},
    )
    assert decide(statements, Request("s3:GetObject", f"{BUCKET}/a", context)) == expected


def test_for_any_value_matches_one_of_several_values():
    statements = policy(
        {
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/p/dev"}},
        }
    )
    context = {"kms:ResourceAliases": ("alias/other", "alias/p/dev")}
    assert decide(statements, Request("kms:Decrypt", "k", context)) == "allowed"


def _stack(artifact_id: str, name: str, resources: dict, outputs: dict | None = None) -> StackTemplate:
    return StackTemplate(
        artifact_id=artifact_id,
        stack_name=name,
        account="111111111111",
        region="eu-west-1",
        template={"Resources": resources, "Outputs": outputs or {}},
    )


def test_a_bucket_by_ref_and_by_arn_compare_equal_across_stacks():
    data = _stack(
        "Data",
        "app-data",
        {"Bucket": {"Type": "AWS::S3::Bucket"}},
        {
            "BucketName": {"Value": {"Ref": "Bucket"}},
            "BucketArn": {"Value": {"Fn::GetAtt": ["Bucket", "Arn"]}, "Export": {"Name": "bucket-arn"}},
        },
    )
    use = _stack("Use", "app-use", {})
    assembly = Assembly([data, use])
    uri = assembly.resolve(
        use,
        {
            "Fn::Join": [
                "",
                [
                    "s3://",
                    {"Fn::GetStackOutput": {"StackName": "app-data", "OutputName": "BucketName"}},
                    "/models/m.tar.gz",
                ],
            ]
        },
    )
    arn = assembly.resolve(use, {"Fn::Join": ["", [{"Fn::ImportValue": "bucket-arn"}, "/models/*"]]})
    assert uri == "s3://{{Data.Bucket}}/models/m.tar.gz"
    assert wildcard_match(arn, "arn:aws:s3:::{{Data.Bucket}}/models/m.tar.gz")


def test_every_branch_of_a_condition_is_kept_and_no_value_dropped():
    stack = _stack("S", "s", {}, {})
    stack.template["Parameters"] = {"Package": {"Type": "String"}}
    value = Assembly([stack]).resolve(stack, {"Fn::If": ["C", {"Ref": "Package"}, {"Ref": "AWS::NoValue"}]})
    assert isinstance(value, Alternatives)
    assert each(value) == ["{{param.S.Package}}"]


def test_sub_select_and_split_resolve():
    stack = _stack("S", "s", {"Repo": {"Type": "AWS::ECR::Repository"}})
    assembly = Assembly([stack])
    sub = {"Fn::Sub": "arn:${AWS::Partition}:s3:::b/${AWS::Region}"}
    assert assembly.resolve(stack, sub) == "arn:aws:s3:::b/eu-west-1"
    name = assembly.resolve(stack, {"Fn::Select": [1, {"Fn::Split": ["/", {"Fn::GetAtt": ["Repo", "Arn"]}]}]})
    assert name == "{{S.Repo}}"
