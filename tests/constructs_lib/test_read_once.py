"""Values read from Node once (``_core.stack_facts.read_once``, ``s3_access.objects_arn``,
``service_role.service_principal``): the same values as asking each time, one round trip."""

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_lib._core.s3_access import objects_arn
from constructs_lib._core.service_role import service_principal
from constructs_lib._core.stack_facts import construct_path, read_once, remember_place, same_stack, stack_of
from tests.conftest import jsii_requests, new_app, new_stack


class _Counted:
    """An object whose ``arn`` counts how often it is read."""

    def __init__(self) -> None:
        self.reads = 0

    @property
    def arn(self) -> str:
        self.reads += 1
        return "arn:aws:s3:::b"


@dataclass
class _Unhashable:  # eq=True without frozen: no __hash__, as a user's IGrantable might be
    arn: str


def test_an_attribute_is_read_once_per_object():
    first, second = _Counted(), _Counted()
    assert [read_once(first, "arn") for _ in range(3)] == ["arn:aws:s3:::b"] * 3
    assert read_once(second, "arn") == "arn:aws:s3:::b"
    assert (first.reads, second.reads) == (1, 1)


def test_an_object_that_cannot_be_remembered_is_asked_each_time():
    value = _Unhashable("arn:aws:s3:::b")
    assert read_once(value, "arn") == "arn:aws:s3:::b"
    value.arn = "arn:aws:s3:::c"
    assert read_once(value, "arn") == "arn:aws:s3:::c"


def test_objects_arn_is_aws_cdks_arn_for_objects():
    stack = new_stack()
    bucket = s3.Bucket(stack, "Bucket")
    imported = s3.Bucket.from_bucket_name(stack, "Imported", "some-bucket")
    for b in (bucket, imported):
        assert stack.resolve(objects_arn(b, "data/*")) == stack.resolve(b.arn_for_objects("data/*"))


def test_a_service_principal_without_source_is_shared_per_stack_and_service():
    app = new_app()
    one, other = new_stack(app, "One"), new_stack(app, "Other")
    events = service_principal(one, "events.amazonaws.com")
    assert service_principal(one, "events.amazonaws.com") is events
    assert service_principal(other, "events.amazonaws.com") is not events
    assert service_principal(one, "lambda.amazonaws.com") is not events
    with_source = service_principal(one, "events.amazonaws.com", source_arn="arn:aws:events:eu-west-1:1:rule/r")
    assert with_source is not events
    # Two roles sharing the principal each get its conditions in their trust policy.
    for name in ("A", "B"):
        iam.Role(one, name, assumed_by=events)
    trusts = [
        r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
        for r in cdk.assertions.Template.from_stack(one).find_resources("AWS::IAM::Role").values()
    ]
    assert len(trusts) == 2
    assert trusts[0] == trusts[1]
    assert "aws:SourceAccount" in trusts[0]["Condition"]["StringEquals"]


def test_a_construct_made_in_a_scope_is_remembered_in_the_scopes_stack():
    stack = new_stack()
    nested = cdk.NestedStack(stack, "Nested")
    for scope, expected in ((stack, stack), (Construct(stack, "Group"), stack), (nested, nested)):
        child = Construct(scope, "Child")
        assert same_stack(child, scope) is stack_of(child)
        assert cdk.Stack.of(child).node.path == expected.node.path
        assert stack_of(child).node.path == expected.node.path


def test_a_shared_keys_arn_and_a_shared_buckets_facts_are_read_once_for_every_model():
    """Models, endpoints and monitors sharing one key and one bucket (the bench's scaling app) read the
    key's ARN, the bucket's name and the bucket's key from Node once, not once per model."""
    from bench.scaling_stack import build_scaling_stack

    def reads(models: int) -> dict[str, int]:
        with jsii_requests() as requests:
            build_scaling_stack(new_app(), models)
        return {name: requests.count(("get", name)) for name in ("keyArn", "bucketName", "encryptionKey")}

    one, three = reads(1), reads(3)
    # The app itself names the artifacts bucket in each model's two baseline URIs.
    assert three == {**one, "bucketName": one["bucketName"] + 2 * 2}


def test_a_remembered_place_is_the_path_and_stack_the_constructs_library_gives():
    app = new_app()
    stack = new_stack(app, "Stack")
    made = []
    for scope, construct_id in [(stack, "Plain"), (stack, "with/slash"), (app, "AtTheRoot"), (stack, "new\nline")]:
        construct = Construct(scope, construct_id)
        remember_place(construct, scope, construct_id)
        made.append(construct)
    nested = Construct(made[1], "Inner")
    remember_place(nested, made[1], "Inner")
    for construct in [*made, nested]:
        assert construct_path(construct) == construct.node.path
    for construct in [made[0], made[1], made[3], nested]:  # AtTheRoot is in no stack
        assert stack_of(construct) is cdk.Stack.of(construct)
    assert construct_path(nested) == "Stack/with--slash/Inner"
