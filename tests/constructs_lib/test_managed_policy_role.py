"""``ManagedPolicyRole`` keeps the statements it is given and adds them to its policy in one call: what
it renders, when, and in which order must be what adding each at once gave."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from constructs_lib import ManagedPolicyRole
from constructs_lib._core.roles import add_statements, permissions_policy
from tests.conftest import new_app, new_stack

ENV = cdk.Environment(region="eu-west-1")


def _role(stack: cdk.Stack, construct_id: str = "Role") -> ManagedPolicyRole:
    return ManagedPolicyRole(stack, construct_id, assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))


def _statement(sid: str, resource: str = "arn:aws:s3:::b/*") -> iam.PolicyStatement:
    return iam.PolicyStatement(sid=sid, actions=["s3:GetObject"], resources=[resource])


def _sids(template: Template) -> list[str]:
    (policy,) = template.find_resources("AWS::IAM::ManagedPolicy").values()
    return [s.get("Sid", "") for s in policy["Properties"]["PolicyDocument"]["Statement"]]


def test_statements_render_in_the_order_given_grants_between_them_included():
    stack = new_stack()
    role = _role(stack)
    bucket = s3.Bucket(stack, "Bucket")
    role.add_to_policy(_statement("First"))
    bucket.grant_put(role)  # aws-cdk-lib's grant: a statement without a Sid, between the two
    add_statements(role, [_statement("Second"), _statement("Third")])
    role.add_to_principal_policy(_statement("Fourth"))
    assert _sids(Template.from_stack(stack)) == ["First", "", "Second", "Third", "Fourth"]


def test_managed_policy_holds_every_statement_given_so_far():
    stack = new_stack()
    role = _role(stack)
    role.add_to_policy(_statement("Kept"))
    assert permissions_policy(role).document.is_empty  # kept, not yet handed to aws-cdk-lib
    document = stack.resolve(role.managed_policy.document)
    assert [s["Sid"] for s in document["Statement"]] == ["Kept"]


def test_a_kept_statement_naming_another_stacks_resource_makes_the_cross_stack_reference():
    app = new_app()
    data = cdk.Stack(app, "Data", env=ENV)
    bucket = s3.Bucket(data, "Bucket")
    jobs = cdk.Stack(app, "Jobs", env=ENV)
    _role(jobs).add_to_policy(_statement("ReadData", bucket.arn_for_objects("*")))
    assembly = app.synth()
    template = assembly.get_stack_by_name("Jobs").template
    (policy,) = (r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy")
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert "Fn::GetStackOutput" in str(statement["Resource"])  # the project's cross-stack references
    assert assembly.get_stack_by_name("Data").template["Outputs"]  # the output it reads


def test_statements_are_rendered_where_validation_is_skipped():
    app = new_app()
    stack = cdk.Stack(app, "Jobs", env=ENV)
    _role(stack).add_to_policy(_statement("Kept"))
    template = app.synth(skip_validation=True).get_stack_by_name("Jobs").template
    (policy,) = (r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy")
    assert [s["Sid"] for s in policy["Properties"]["PolicyDocument"]["Statement"]] == ["Kept"]


def test_after_synth_a_statement_goes_straight_to_the_policy():
    app = new_app()
    stack = cdk.Stack(app, "Jobs", env=ENV)
    role = _role(stack)
    role.add_to_policy(_statement("Before"))
    app.synth()
    role.add_to_policy(_statement("After"))
    assert stack.resolve(permissions_policy(role).document)["Statement"][-1]["Sid"] == "After"
    template = Template.from_json(app.synth(force=True).get_stack_by_name("Jobs").template)
    assert _sids(template) == ["Before", "After"]


def test_every_role_of_a_stack_and_of_each_stack_gets_its_statements():
    app = new_app()
    stacks = [cdk.Stack(app, name, env=ENV) for name in ("One", "Two")]
    for stack in stacks:
        for name in ("A", "B"):
            _role(stack, name).add_to_policy(_statement(f"{stack.stack_name}{name}"))
    assembly = app.synth()
    for stack in stacks:
        template = assembly.get_stack_by_name(stack.stack_name).template
        sids = sorted(
            s["Sid"]
            for r in template["Resources"].values()
            if r["Type"] == "AWS::IAM::ManagedPolicy"
            for s in r["Properties"]["PolicyDocument"]["Statement"]
        )
        assert sids == [f"{stack.stack_name}A", f"{stack.stack_name}B"]


def test_a_statement_for_an_identity_policy_is_still_checked():
    stack = new_stack()
    _role(stack).add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"]))  # no resource
    with pytest.raises(RuntimeError, match="must specify at least one resource"):
        Template.from_stack(stack)
