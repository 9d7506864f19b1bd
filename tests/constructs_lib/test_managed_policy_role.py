"""``ManagedPolicyRole`` keeps the statements it is given and adds them to its policy in one call: what
it renders, when, and in which order must be what adding each at once gave."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import jsii
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template
from constructs import Construct

from constructs_lib import ManagedPolicyRole
from constructs_lib._core.roles import add_statements, add_to_principal, permissions_policy
from tests.conftest import jsii_requests, new_app, new_stack

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


def test_what_is_added_to_the_policy_itself_comes_after_what_the_role_kept():
    stack = new_stack()
    role = _role(stack)
    policy = role.managed_policy  # a reference kept (JobRole.policy, StudioExecutionRole.policy)
    role.add_to_policy(_statement("ViaRole"))
    policy.add_statements(_statement("ViaPolicy"))
    s3.Bucket(stack, "Bucket").grant_read(policy)  # a grant to the policy itself
    assert _sids(Template.from_stack(stack)) == ["ViaRole", "ViaPolicy", ""]


@jsii.implements(cdk.IAspect)
class _PolicyReader:
    """An aspect reading every managed policy it visits, as a compliance check of one's own may."""

    def __init__(self) -> None:
        self.seen: dict[str, list[str]] = {}

    def visit(self, node) -> None:
        if isinstance(node, iam.CfnManagedPolicy):
            document = cdk.Stack.of(node).resolve(node.policy_document) or {}
            self.seen[node.node.path] = [s.get("Sid", "") for s in document.get("Statement", [])]


def test_an_aspect_reading_policies_sees_every_statement_wherever_the_role_is():
    app = new_app()
    stack = cdk.Stack(app, "S", env=ENV)
    group = Construct(stack, "Group")  # made first: visited before the stack's first role
    _role(stack, "First").add_to_policy(_statement("FirstSid"))
    _role(group, "Later").add_to_policy(_statement("LaterSid"))
    reader = _PolicyReader()
    cdk.Aspects.of(app).add(reader)
    app.synth()
    assert reader.seen == {
        "S/Group/Later/Permissions/Resource": ["LaterSid"],
        "S/First/Permissions/Resource": ["FirstSid"],
    }


@jsii.implements(cdk.IAspect)
class _AddsRole:
    """An aspect that makes a role (with a statement) when it reaches the bucket."""

    def visit(self, node) -> None:
        if isinstance(node, s3.CfnBucket) and not cdk.Stack.of(node).node.try_find_child("Late"):
            _role(cdk.Stack.of(node), "Late").add_to_policy(_statement("LateSid"))


@pytest.mark.parametrize("stabilization", [False, True], ids=["aspects", "stabilized aspects"])
@pytest.mark.parametrize("skip_validation", [False, True], ids=["validated", "unvalidated"])
def test_a_role_an_aspect_makes_after_the_stacks_statements_were_added_keeps_its_own(stabilization, skip_validation):
    app = new_app()
    app.node.set_context("@aws-cdk/core:aspectStabilization", stabilization)
    stack = cdk.Stack(app, "S", env=ENV)
    _role(stack, "First").add_to_policy(_statement("FirstSid"))
    s3.Bucket(stack, "Bucket")
    cdk.Aspects.of(stack).add(_AddsRole())
    template = app.synth(skip_validation=skip_validation).get_stack_by_name("S").template
    policies = {
        lid[: -len("Permissions") - 8]: [s["Sid"] for s in r["Properties"]["PolicyDocument"]["Statement"]]
        for lid, r in template["Resources"].items()
        if r["Type"] == "AWS::IAM::ManagedPolicy"
    }
    assert policies == {"First": ["FirstSid"], "Late": ["LateSid"]}


def test_a_role_that_is_not_synthesized_reports_its_statements():
    """``Role.customize_roles(prevent_synthesis=True)``: no ``CfnRole``, the policy report lists them."""
    app = new_app()
    stack = cdk.Stack(app, "S", env=ENV)
    iam.Role.customize_roles(
        stack, prevent_synthesis=True, use_precreated_roles={"S/Role": "arn:aws:iam::123456789012:role/x"}
    )
    _role(stack).add_to_policy(_statement("Reported"))
    app.synth()
    assert '"Sid": "Reported"' in (Path(app.outdir) / "iam-policy-report.txt").read_text()


@jsii.implements(iam.IGrantable)
class _Grantee(Construct):
    """A grantee of one's own (like the library's job roles and models): its principal is ``role``,
    which may be changed."""

    def __init__(self, scope: Construct, role: iam.IPrincipal, construct_id: str = "Grantee") -> None:
        super().__init__(scope, construct_id)
        self.role = role

    @property
    def grant_principal(self) -> iam.IPrincipal:
        return self.role


def _grantee(stack: cdk.Stack, kind: str) -> iam.IGrantable:
    if kind == "service principal":
        return iam.ServicePrincipal("sagemaker.amazonaws.com")
    if kind.endswith("imported role"):
        return iam.Role.from_role_arn(
            stack, "Imported", "arn:aws:iam::111111111111:role/imported", mutable=not kind.startswith("immutable")
        )
    if "plain role" in kind:
        role: iam.Role = iam.Role(stack, "Plain", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    else:
        role = _role(stack, "Kept")
    return _Grantee(stack, role) if kind.startswith("a grantee") else role


GRANTEE_KINDS = (
    "managed policy role",
    "a grantee whose principal is one",
    "plain role",
    "a grantee whose principal is a plain role",
    "imported role",
    "immutable imported role",
    "service principal",
)


@pytest.mark.parametrize("kind", GRANTEE_KINDS)
def test_add_to_principal_renders_what_aws_cdk_libs_grant_renders(kind):
    """For every kind of grantee, ``add_to_principal`` gives the template ``iam.Grant.add_to_principal``
    gives, a kept statement in order with the role's own."""

    def template(grant) -> dict:
        stack = new_stack()
        grantee = _grantee(stack, kind)
        if isinstance(principal := grantee.grant_principal, iam.Role):
            principal.add_to_policy(_statement("First"))
        grant(grantee, ["s3:PutObject"], ["arn:aws:s3:::b/out/*"])
        grant(grantee, ["kms:Decrypt"], ["arn:aws:kms:eu-west-1:111111111111:key/k"])
        return Template.from_stack(stack).to_json()

    def aws_cdk_lib(grantee, actions, resource_arns):
        iam.Grant.add_to_principal(grantee=grantee, actions=actions, resource_arns=resource_arns)

    assert template(add_to_principal) == template(aws_cdk_lib)


def test_add_to_principal_keeps_the_statement_on_the_role_behind_the_grantee():
    stack = new_stack()
    role = _role(stack)
    add_to_principal(_Grantee(stack, role), ("kms:Decrypt",), ["arn:aws:kms:k"])
    assert permissions_policy(role).document.is_empty  # kept: no call per grant
    assert _statements(Template.from_stack(stack), "AWS::IAM::ManagedPolicy") == [
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:k"}
    ]


def test_add_to_principal_keeps_a_roles_statement_without_a_grant():
    stack = new_stack()
    role = _role(stack)
    grantee = _Grantee(stack, role)
    role.add_to_policy(_statement("First"))  # makes the role's policy
    with jsii_requests() as requests:
        add_to_principal(role, ["s3:GetObject"], ["arn:aws:s3:::b/a"])
        add_to_principal(grantee, ["s3:PutObject"], ["arn:aws:s3:::b/b"])
    assert requests == [("create", "aws-cdk-lib.aws_iam.PolicyStatement")] * 2


def test_add_to_principal_asks_the_grantee_for_its_principal_each_time():
    stack = new_stack()
    first, second = _role(stack, "First"), _role(stack, "Second")
    grantee = _Grantee(stack, first)
    add_to_principal(grantee, ["s3:GetObject"], ["arn:aws:s3:::b/a"])
    grantee.role = second
    add_to_principal(grantee, ["s3:PutObject"], ["arn:aws:s3:::b/b"])
    policies = Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy")
    actions = {
        lid[: -len("Permissions") - 8]: [st["Action"] for st in p["Properties"]["PolicyDocument"]["Statement"]]
        for lid, p in policies.items()
    }
    assert actions == {"First": ["s3:GetObject"], "Second": ["s3:PutObject"]}


def test_a_role_with_its_own_add_to_principal_policy_sees_every_statement():
    seen: list[list[str]] = []

    class Watched(ManagedPolicyRole):
        def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
            seen.append(statement.actions)
            return super().add_to_principal_policy(statement)

    stack = new_stack()
    role = Watched(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    add_to_principal(role, ["s3:GetObject"], ["arn:aws:s3:::b/a"])
    add_statements(role, [_statement("Listed")])
    assert seen == [["s3:GetObject"], ["s3:GetObject"]]
    assert _sids(Template.from_stack(stack)) == ["", "Listed"]


def _statements(template: Template, resource_type: str) -> list[dict]:
    (policy,) = template.find_resources(resource_type).values()
    return policy["Properties"]["PolicyDocument"]["Statement"]


def test_roles_of_a_stack_given_the_same_grant_share_one_statement():
    """``add_to_principal`` makes one statement per stack, actions and resources for the roles that
    keep their statements (one round trip to Node), each role's policy rendering it as if it were its
    own; a role of another stack, or other resources, get statements of their own."""
    app = new_app()
    stack, other = new_stack(app, "One"), new_stack(app, "Other")
    first, second, elsewhere = _role(stack, "First"), _role(stack, "Second"), _role(other, "Elsewhere")
    add_to_principal(first, ["s3:GetObject"], ["arn:aws:s3:::b/a"])
    grantee = _Grantee(stack, second)
    with jsii_requests() as requests:
        add_to_principal(grantee, ["s3:GetObject"], ["arn:aws:s3:::b/a"])
    assert requests == [("create", "aws-cdk-lib.aws_iam.ManagedPolicy")]  # the role's policy; no statement
    with jsii_requests() as requests:
        add_to_principal(elsewhere, ["s3:GetObject"], ["arn:aws:s3:::b/a"])
        add_to_principal(second, ["s3:GetObject"], ["arn:aws:s3:::b/other"])
    assert requests.count(("create", "aws-cdk-lib.aws_iam.PolicyStatement")) == 2
    rendered = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for t in (Template.from_stack(stack), Template.from_stack(other))
        for p in t.find_resources("AWS::IAM::ManagedPolicy").values()
    ]
    allow = {"Effect": "Allow", "Action": "s3:GetObject"}
    expected = [
        [{**allow, "Resource": "arn:aws:s3:::b/a"}],
        [{**allow, "Resource": "arn:aws:s3:::b/a"}],
        [{**allow, "Resource": ["arn:aws:s3:::b/a", "arn:aws:s3:::b/other"]}],  # merged (minimizePolicies)
    ]
    assert sorted(rendered, key=json.dumps) == sorted(expected, key=json.dumps)


def test_network_statements_are_shared_only_by_roles_that_keep_them():
    """The ENI statements of one network are made once per stack for the roles that keep their
    statements; a principal of one's own (which may change what it is given) gets its own objects."""
    from constructs_lib._core.vpc_access import vpc_access_statements

    stack = new_stack()
    given: list[iam.PolicyStatement] = []

    @jsii.implements(iam.IPrincipal)
    class Recording(_Grantee):
        @property
        def assume_role_action(self) -> str:
            return "sts:AssumeRole"

        @property
        def policy_fragment(self) -> iam.PrincipalPolicyFragment:
            return iam.PrincipalPolicyFragment({"AWS": ["arn:aws:iam::111111111111:root"]})

        @property
        def principal_account(self) -> str | None:
            return None

        def add_to_policy(self, statement: iam.PolicyStatement) -> bool:
            return self.add_to_principal_policy(statement).statement_added

        def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
            given.append(statement)
            return iam.AddToPrincipalPolicyResult(statement_added=True)

    def statements(principal):
        made, _ = vpc_access_statements(
            stack, vpc_id="vpc-1", subnet_ids=["subnet-1"], security_group_ids=["sg-1"], principal=principal
        )
        return made

    first, second = _role(stack, "First"), _role(stack, "Second")
    kept = statements(first)
    assert statements(second) == kept and statements(second) is not kept  # the same objects, a new list
    recording = Recording(stack, _role(stack, "Behind"))
    own = statements(recording)
    assert not {id(s) for s in own} & {id(s) for s in kept}
    assert [stack.resolve(s.to_statement_json()) for s in own] == [stack.resolve(s.to_statement_json()) for s in kept]


def test_a_kept_statement_is_shared_only_for_plain_data_in_one_stack():
    from constructs_lib._core.roles import kept_statement

    app = new_app()
    stack, other = new_stack(app, "One"), new_stack(app, "Other")
    first, second, elsewhere = _role(stack, "First"), _role(stack, "Second"), _role(other, "Elsewhere")
    props = {"actions": ["kms:Decrypt"], "resources": ["arn:aws:kms:eu-west-1:111111111111:key/k"]}
    assert kept_statement(first, **props) is kept_statement(second, **props)
    assert kept_statement(elsewhere, **props) is not kept_statement(first, **props)
    assert kept_statement(first, **props, sid="Other") is not kept_statement(first, **props)
    principal = iam.ServicePrincipal("sagemaker.amazonaws.com")
    assert kept_statement(first, **props, principals=[principal]) is not kept_statement(
        second, **props, principals=[principal]
    )


def test_a_role_with_its_own_add_pending_statements_gets_statements_of_its_own():
    from constructs_lib._core.roles import kept_statement

    class Watched(ManagedPolicyRole):
        def add_pending_statements(self) -> None:
            super().add_pending_statements()

    stack = new_stack()
    props = {"actions": ["kms:Decrypt"], "resources": ["arn:aws:kms:eu-west-1:111111111111:key/k"]}
    watched = Watched(stack, "Watched", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    assert kept_statement(watched, **props) is not kept_statement(_role(stack, "Kept"), **props)
