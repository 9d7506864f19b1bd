import json

import pytest
from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from constructs_lib import TEAM_TAG_KEY, ConstructValidationError, SecureBucket, TeamAccess
from constructs_lib._core.wildcards import flatten_cfn_reference
from tests.conftest import compliance_app, nag_findings, new_stack
from tests.iam_eval import Request, denied


@pytest.fixture(scope="module")
def teams():
    stack = new_stack()
    data = SecureBucket(stack, "Data")
    a = TeamAccess(stack, "TeamA", team_name="a", bucket=data, user_profile_names=["alice", "bob"])
    b = TeamAccess(stack, "TeamB", team_name="b", bucket=data, user_profile_names=["carol"])
    return data, a, b, Template.from_stack(stack)


def _policy_of(template: Template, team: TeamAccess) -> list[dict]:
    logical_id = Stack.of(team).get_logical_id(team.managed_policy.node.default_child)
    return template.to_json()["Resources"][logical_id]["Properties"]["PolicyDocument"]["Statement"]


def _resources(statement: dict) -> list:
    resource = statement["Resource"]
    return resource if isinstance(resource, list) else [resource]


def _text(value) -> str:
    return json.dumps(value, sort_keys=True)


def test_team_policy_covers_only_its_own_prefix(teams):
    _, a, _, template = teams
    statements = _policy_of(template, a)
    objects = next(s for s in statements if s["Sid"] == "ReadWriteTeamObjects")
    assert [flatten_cfn_reference(r) for r in _resources(objects)] == ["<Data2D4B752F.Arn>/teams/a/*"]
    assert "s3:GetObject" in objects["Action"] and "s3:PutObject" in objects["Action"]
    assert all(
        "*" not in action
        for s in statements
        for action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    )
    assert "teams/b" not in _text(statements)


def test_team_lists_only_its_own_prefix(teams):
    _, a, _, template = teams
    listing = next(s for s in _policy_of(template, a) if s["Sid"] == "ListTeamPrefix")
    assert listing["Action"] == "s3:ListBucket"
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["teams/a/", "teams/a/*"]}}


def test_team_key_grant_is_through_s3_in_this_region_for_its_prefix_only(teams):
    _, a, _, template = teams
    kms = next(s for s in _policy_of(template, a) if s["Sid"] == "UseBucketKeyForTeamObjects")
    assert kms["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert kms["Resource"]["Fn::GetAtt"][0].startswith("DataKey")  # the bucket's key
    assert kms["Condition"]["StringEquals"] == {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}
    contexts = [flatten_cfn_reference(c) for c in kms["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"]]
    # With S3 Bucket Keys the context is the bucket's ARN; without, the object's (under the prefix).
    assert contexts == ["<Data2D4B752F.Arn>", "<Data2D4B752F.Arn>/teams/a/*"]


def test_two_teams_policies_do_not_overlap(teams):
    _, a, b, template = teams
    a_objects = {flatten_cfn_reference(r) for s in _policy_of(template, a) for r in _resources(s)}
    b_objects = {flatten_cfn_reference(r) for s in _policy_of(template, b) for r in _resources(s)}
    assert {r for r in a_objects if r.endswith("*")} == {"<Data2D4B752F.Arn>/teams/a/*"}
    assert {r for r in b_objects if r.endswith("*")} == {"<Data2D4B752F.Arn>/teams/b/*"}


def _guard_statements(template: Template) -> list[dict]:
    (policy,) = [p for k, p in template.find_resources("AWS::S3::BucketPolicy").items() if k.startswith("DataPolicy")]
    return policy["Properties"]["PolicyDocument"]["Statement"]


BUCKET = "<Data2D4B752F.Arn>"
PLATFORM_ROLE = "arn:aws:iam::111122223333:role/ml-platform-dev-pipeline"


def _principal(team: str | None = None, arn: str = "arn:aws:iam::111122223333:role/someone") -> dict:
    return {"aws:PrincipalArn": arn, **({"aws:PrincipalTag/team": team} if team else {})}


def _get(key: str, principal: dict) -> Request:
    return Request("s3:GetObject", f"{BUCKET}/{key}", principal)


def _list(principal: dict, prefix: str | None, delimiter: str | None = None) -> Request:
    context = {
        **principal,
        **({"s3:prefix": prefix} if prefix is not None else {}),
        **({"s3:delimiter": delimiter} if delimiter is not None else {}),
    }
    return Request("s3:ListBucket", BUCKET, context)


@pytest.fixture(scope="module")
def guarded():
    stack = new_stack()
    data = SecureBucket(stack, "Data")
    TeamAccess(stack, "TeamA", team_name="a", bucket=data, platform_principal_arns=[PLATFORM_ROLE])
    TeamAccess(stack, "TeamB", team_name="b", bucket=data, platform_principal_arns=[PLATFORM_ROLE])
    return _guard_statements(Template.from_stack(stack))


@pytest.mark.parametrize(
    "action",
    [
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:PutObjectTagging",
        "s3:RestoreObject",
    ],
)
def test_the_guard_denies_untagged_principals_and_other_teams_every_object_action(guarded, action):
    key = f"{BUCKET}/teams/a/train.csv"
    assert denied(guarded, Request(action, key, _principal()))
    assert denied(guarded, Request(action, key, _principal("b")))
    assert not denied(guarded, Request(action, key, _principal("a")))


def test_the_guard_lets_the_platform_roles_through_and_no_one_else_by_name(guarded):
    assert not denied(guarded, _get("teams/a/train.csv", _principal(arn=PLATFORM_ROLE)))
    assert not denied(guarded, _list(_principal(arn=PLATFORM_ROLE), None))
    assert denied(guarded, _get("teams/a/train.csv", _principal(arn=PLATFORM_ROLE + "-copy")))


def test_the_guard_leaves_the_rest_of_the_bucket_alone(guarded):
    assert not denied(guarded, _get("raw/churn/data.csv", _principal()))
    assert not denied(guarded, _list(_principal(), "raw/"))


@pytest.mark.parametrize(
    "prefix, delimiter",
    [
        (None, None),
        ("", None),
        ("teams/", None),
        ("teams/a", None),
        ("teams/a/", None),
        ("teams/a/x", "/"),
        (None, "x"),
    ],
)
def test_outsiders_cannot_list_the_team_keys_from_anywhere_above(guarded, prefix, delimiter):
    assert denied(guarded, _list(_principal(), prefix, delimiter))
    assert denied(guarded, _list(_principal("b"), prefix, delimiter))


def test_outsiders_may_browse_one_level_at_a_time(guarded):
    for prefix in (None, "", "teams/"):
        assert not denied(guarded, _list(_principal(), prefix, "/"))


def test_team_principals_list_only_their_own_prefix(guarded):
    assert not denied(guarded, _list(_principal("a"), "teams/a/"))
    assert not denied(guarded, _list(_principal("a"), "teams/a/2024/"))
    for prefix in (None, "", "raw/", "teams/", "teams/b/"):
        assert denied(guarded, _list(_principal("a"), prefix)), prefix
        assert denied(guarded, _list(_principal("a"), prefix, "/")), prefix


def test_canary_the_earlier_guard_let_untagged_principals_through():
    """The guard before: other teams only (``Null`` on the tag), so the evaluator must tell it apart."""
    earlier = [
        {
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": ["s3:GetObject"],
            "Resource": f"{BUCKET}/teams/a/*",
            "Condition": {
                "StringNotEquals": {"aws:PrincipalTag/team": "a"},
                "Null": {"aws:PrincipalTag/team": "false"},
            },
        }
    ]
    assert denied(earlier, _get("teams/a/train.csv", _principal("b")))
    assert not denied(earlier, _get("teams/a/train.csv", _principal()))


def test_a_bucket_that_empties_itself_exempts_its_auto_delete_function():
    from aws_cdk import RemovalPolicy

    stack = new_stack()
    data = SecureBucket(stack, "Data", removal_policy=RemovalPolicy.DESTROY, auto_delete_objects=True)
    TeamAccess(stack, "TeamA", team_name="a", bucket=data)
    auto_delete = "<CustomS3AutoDeleteObjectsCustomResourceProviderRole3B1BD092.Arn>"
    statements = _guard_statements(Template.from_stack(stack))
    assert not denied(statements, Request("s3:DeleteObjectVersion", f"{BUCKET}/teams/a/x", _principal(arn=auto_delete)))
    assert denied(statements, Request("s3:DeleteObjectVersion", f"{BUCKET}/teams/a/x", _principal()))


def test_team_role_is_assumed_by_sagemaker_tagged_and_has_the_policy(teams):
    _, a, _, template = teams
    role_id = Stack.of(a).get_logical_id(a.role.node.default_child)
    role = template.to_json()["Resources"][role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert {"Key": TEAM_TAG_KEY, "Value": "a"} in role["Tags"]
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {"Description": "Team a: its prefix teams/a/ of the data bucket", "Roles": [{"Ref": role_id}]},
    )
    assert a.user_profile_tags == {"team": "a"}
    assert a.user_profile_names == ("alice", "bob")


def test_teams_are_registered_with_their_bucket(teams):
    data, a, _, _ = teams
    assert TeamAccess.teams_of(data) == {"a": "teams/a/", "b": "teams/b/"}
    assert a.prefix == "teams/a/"


def test_attach_to_gives_another_role_the_team_access():
    stack = new_stack()
    team = TeamAccess(stack, "Team", team_name="a", bucket=SecureBucket(stack, "Data"))
    other = iam.Role(stack, "Studio", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    team.attach_to(other)
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {"Roles": Match.array_with([{"Ref": stack.get_logical_id(other.node.default_child)}])},
    )


@pytest.mark.parametrize(
    "first, second, message",
    [
        ({"team_name": "a"}, {"team_name": "a"}, "team_name='a': is already a team of this bucket"),
        (
            {"team_name": "a"},
            {"team_name": "ab", "prefix": "teams/a/b/"},
            "prefix='teams/a/b/': overlaps team 'a''s prefix 'teams/a/'",
        ),
        (
            {"team_name": "ab", "prefix": "teams/a/b/"},
            {"team_name": "a"},
            "prefix='teams/a/': overlaps team 'ab''s prefix 'teams/a/b/'",
        ),
        (
            {"team_name": "a", "user_profile_names": ["alice"]},
            {"team_name": "b", "user_profile_names": ["alice"]},
            "['alice'] already belong to team 'a'",
        ),
    ],
    ids=["duplicate-name", "nested-prefix", "enclosing-prefix", "shared-profile"],
)
def test_colliding_teams_on_one_bucket_fail_at_synth(first, second, message):
    stack = new_stack()
    data = SecureBucket(stack, "Data")
    TeamAccess(stack, "First", bucket=data, **first)
    with pytest.raises(ConstructValidationError) as error:
        TeamAccess(stack, "Second", bucket=data, **second)
    assert "TeamAccess 'Test/Second' has invalid input" in str(error.value)
    assert message in str(error.value)
    assert "(at Test/First)" in str(error.value)


def test_collisions_are_found_across_stacks():
    from tests.conftest import new_app

    app = new_app()
    data = SecureBucket(new_stack(app, "DataStack"), "Data")
    TeamAccess(new_stack(app, "TeamsOne"), "Team", team_name="a", bucket=data)
    with pytest.raises(ConstructValidationError, match="overlaps team 'a'"):
        TeamAccess(new_stack(app, "TeamsTwo"), "Team", team_name="a-b", prefix="teams/a/b/", bucket=data)


def test_same_team_name_on_different_buckets_is_fine():
    stack = new_stack()
    TeamAccess(stack, "One", team_name="a", bucket=SecureBucket(stack, "Data1"))
    TeamAccess(stack, "Two", team_name="a", bucket=SecureBucket(stack, "Data2"))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"team_name": "Fraud_Team"}, "team_name='Fraud_Team'"),
        ({"team_name": "a", "prefix": "teams/a"}, "prefix='teams/a': must be S3 key segments"),
        ({"team_name": "a", "prefix": "/teams/a/"}, "prefix='/teams/a/'"),
        ({"team_name": "a", "prefix": "teams/*/"}, "prefix='teams/*/'"),
        ({"team_name": "a", "user_profile_names": ["bad name"]}, "user_profile_names='bad name'"),
        ({"team_name": "a", "user_profile_names": ["x", "x"]}, "user_profile_names=['x']: names must be unique"),
    ],
)
def test_rejects_invalid_input(kwargs, message):
    stack = new_stack()
    with pytest.raises(ConstructValidationError) as error:
        TeamAccess(stack, "Team", bucket=SecureBucket(stack, "Data"), **kwargs)
    assert message in str(error.value)


def test_flattens_references_as_cdk_nag_does():
    assert flatten_cfn_reference({"Fn::Join": ["", [{"Fn::GetAtt": ["B", "Arn"]}, "/p/*"]]}) == "<B.Arn>/p/*"
    assert flatten_cfn_reference({"Ref": "B"}) == "<B>"
    assert flatten_cfn_reference({"Fn::ImportValue": "s:Out"}) == "s:Out"
    assert flatten_cfn_reference({"Fn::Sub": "arn:${AWS::Partition}:s3:::b/*"}) == "arn:<AWS::Partition>:s3:::b/*"
    assert (
        flatten_cfn_reference({"Fn::GetStackOutput": {"StackName": "S", "OutputName": "O"}})
        == '{"Fn::GetStackOutput":{"StackName":"S","OutputName":"O"}}'
    )


def test_canary_a_prefix_wildcard_is_an_iam5_finding():
    app = compliance_app()
    stack = new_stack(app)
    data = SecureBucket(stack, "Data")
    iam.ManagedPolicy(
        stack,
        "Plain",
        statements=[iam.PolicyStatement(actions=["s3:GetObject"], resources=[data.arn_for_objects("teams/a/*")])],
    )
    assert "AwsSolutions-IAM5[Resource::<Data2D4B752F.Arn>/teams/a/*] at Test/Plain/Resource" in nag_findings(app)


def test_teams_in_another_stack_than_the_bucket_are_compliant_under_the_nag_packs():
    app = compliance_app()
    data = SecureBucket(new_stack(app, "DataStack"), "Data")
    governance = new_stack(app, "Governance")
    TeamAccess(governance, "TeamA", team_name="a", bucket=data, user_profile_names=["alice"])
    TeamAccess(governance, "TeamB", team_name="b", bucket=data)
    assert nag_findings(app) == []


def test_a_team_is_a_grantee_itself():
    from aws_cdk import aws_sqs as sqs

    stack = new_stack()
    team = TeamAccess(stack, "Team", team_name="a", bucket=SecureBucket(stack, "Data"))
    queue = sqs.Queue(stack, "Queue", enforce_ssl=True)
    grant = queue.grant_send_messages(team)
    assert grant.success
    assert team.grant_principal is not None
