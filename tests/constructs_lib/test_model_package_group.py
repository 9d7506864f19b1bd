"""ModelPackageGroup: the registry group, its grants, cross-account sharing and approval events."""

from __future__ import annotations

import json

import pytest
from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match, Template

from constructs_lib import (
    ConstructValidationError,
    IModelPackageGroup,
    ModelData,
    ModelPackageGroup,
    ModelPackageSources,
    SecureBucket,
)
from constructs_lib._core.roles import ManagedPolicyRole
from constructs_lib._core.wildcards import acknowledge_exact_wildcard
from tests.conftest import compliance_app, nag_findings, new_stack


@pytest.fixture(scope="module")
def synthesized():
    app = compliance_app()
    stack = new_stack(app)
    artifacts = SecureBucket(stack, "Artifacts")
    shared = ModelPackageGroup(
        stack,
        "Churn",
        model_package_group_name="Churn-Model",
        description="churn versions",
        shared_with_accounts=["111111111111", "222222222222"],
        allow_cross_account_approval=True,
        sources=ModelPackageSources(model_data=[ModelData.from_bucket(artifacts, "models/")]),
    )
    private = ModelPackageGroup(stack, "Private", model_package_group_name="private-model")
    reader = ManagedPolicyRole(stack, "Reader", assumed_by=iam.AccountRootPrincipal())
    registrar = ManagedPolicyRole(stack, "Registrar", assumed_by=iam.AccountRootPrincipal())
    approver = ManagedPolicyRole(stack, "Approver", assumed_by=iam.AccountRootPrincipal())
    private.grant_read(reader)
    private.grant_register(registrar)
    private.grant_approve(approver)
    shared.on_approved("OnApproved")
    shared.on_rejected("OnRejected")
    shared.on_state_change("OnAnyChange")
    for role in (reader, registrar, approver):
        # Grants on a group's versions are a wildcard the grantee acknowledges (as MlPipeline does).
        acknowledge_exact_wildcard(
            role.managed_policy, "Test: versions of the one group this role works with.", private.model_packages_arn
        )
    findings = nag_findings(app)
    return Template.from_stack(stack), findings, shared


def _group(template: Template, name: str) -> dict:
    groups = template.find_resources(
        "AWS::SageMaker::ModelPackageGroup", {"Properties": {"ModelPackageGroupName": name}}
    )
    assert len(groups) == 1
    return next(iter(groups.values()))


def _statements(template: Template, role_prefix: str) -> list[dict]:
    for policy in template.find_resources("AWS::IAM::ManagedPolicy").values():
        if any(r["Ref"].startswith(role_prefix) for r in policy["Properties"]["Roles"]):
            return policy["Properties"]["PolicyDocument"]["Statement"]
    raise AssertionError(role_prefix)


def test_model_package_group_is_nag_clean(synthesized):
    assert synthesized[1] == []


def test_group_is_retained_by_default_and_satisfies_the_registry_contract(synthesized):
    template, _, shared = synthesized
    group = _group(template, "Churn-Model")
    assert group["DeletionPolicy"] == "Retain" and group["UpdateReplacePolicy"] == "Retain"
    assert group["Properties"]["ModelPackageGroupDescription"] == "churn versions"
    assert isinstance(shared, IModelPackageGroup)
    assert shared.model_package_group_name == "Churn-Model"
    assert "model-package/churn-model/*" in shared.model_packages_arn


def test_deleting_a_group_is_an_explicit_opt_in():
    stack = new_stack()
    ModelPackageGroup(stack, "Scratch", model_package_group_name="scratch", removal_policy=RemovalPolicy.DESTROY)
    group = Template.from_stack(stack).find_resources("AWS::SageMaker::ModelPackageGroup")
    assert next(iter(group.values()))["DeletionPolicy"] == "Delete"


def test_cross_account_policy_shares_read_and_approval_with_the_named_accounts(synthesized):
    policy = _group(synthesized[0], "Churn-Model")["Properties"]["ModelPackageGroupPolicy"]
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    principals = json.dumps(by_sid["ShareModelPackageGroup"]["Principal"])
    assert "111111111111" in principals and "222222222222" in principals
    assert by_sid["ShareModelPackageGroup"]["Action"] == "sagemaker:DescribeModelPackageGroup"
    assert "model-package-group/churn-model" in json.dumps(by_sid["ShareModelPackageGroup"]["Resource"])
    assert sorted(by_sid["ShareModelPackageVersions"]["Action"]) == [
        "sagemaker:CreateModel",
        "sagemaker:DescribeModelPackage",
        "sagemaker:ListModelPackages",
        "sagemaker:UpdateModelPackage",
    ]
    assert "model-package/churn-model/*" in json.dumps(by_sid["ShareModelPackageVersions"]["Resource"])


def test_the_accounts_a_group_is_shared_with_may_read_its_artifacts_and_decrypt_them(synthesized):
    template = synthesized[0]
    [share] = [
        s
        for p in template.find_resources("AWS::S3::BucketPolicy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid", "").startswith("ShareModelArtifacts")
    ]
    assert share["Action"] == "s3:GetObject"
    assert json.dumps(share["Principal"]).count(":root") == 2
    assert share["Resource"]["Fn::Join"][1][-1] == "/models/*"
    [decrypt] = [
        s
        for k in template.find_resources("AWS::KMS::Key").values()
        for s in k["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Sid", "").startswith("DecryptShared")
    ]
    assert decrypt["Action"] == "kms:Decrypt"
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}


def test_cross_account_sharing_is_read_only_unless_approval_is_asked():
    stack = new_stack()
    ModelPackageGroup(stack, "G", model_package_group_name="g", shared_with_accounts=["111111111111"])
    policy = next(iter(Template.from_stack(stack).find_resources("AWS::SageMaker::ModelPackageGroup").values()))
    actions = json.dumps(policy["Properties"]["ModelPackageGroupPolicy"])
    assert "UpdateModelPackage" not in actions


def test_a_private_group_has_no_resource_policy(synthesized):
    assert "ModelPackageGroupPolicy" not in _group(synthesized[0], "private-model")["Properties"]


def test_grant_read_register_and_approve(synthesized):
    template = synthesized[0]
    read = _statements(template, "Reader")
    assert {a for s in read for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])} == {
        "sagemaker:DescribeModelPackageGroup",
        "sagemaker:DescribeModelPackage",
    }
    register = _statements(template, "Registrar")
    assert any(s["Action"] == ["sagemaker:AddTags", "sagemaker:CreateModelPackage"] for s in register)
    approve = _statements(template, "Approver")
    assert approve[0]["Action"] == "sagemaker:UpdateModelPackage"
    assert "model-package/private-model/*" in json.dumps(approve[0]["Resource"])


@pytest.mark.parametrize(
    "rule, statuses", [("OnApproved", ["Approved"]), ("OnRejected", ["Rejected"]), ("OnAnyChange", None)]
)
def test_approval_events_are_exposed_as_rules(synthesized, rule, statuses):
    rules = synthesized[0].find_resources("AWS::Events::Rule")
    pattern = next(r for k, r in rules.items() if k.startswith(f"Churn{rule}"))["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.sagemaker"]
    assert pattern["detail-type"] == ["SageMaker Model Package State Change"]
    assert pattern["detail"]["ModelPackageGroupName"] == ["Churn-Model"]
    assert pattern["detail"].get("ModelApprovalStatus") == statuses


def test_a_rule_can_live_in_the_consuming_stack_with_its_target():
    producer, consumer = new_stack(construct_id="Registry"), None
    group = ModelPackageGroup(producer, "G", model_package_group_name="g")
    consumer = new_stack(producer.node.scope, "Deploy")
    topic = sns.Topic(consumer, "Topic")
    rule = group.on_approved(
        "DeployOnApproval",
        scope=consumer,
        target=targets.SnsTopic(
            topic, dead_letter_queue=sqs.Queue(consumer, "Dlq"), retry_attempts=3, max_event_age=Duration.hours(1)
        ),
    )
    assert rule.node.scope is consumer
    Template.from_stack(consumer).has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": Match.object_like(
                {"detail": {"ModelPackageGroupName": ["g"], "ModelApprovalStatus": ["Approved"]}}
            ),
            "Targets": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Arn": {"Ref": Match.string_like_regexp("Topic")},
                            "DeadLetterConfig": {"Arn": {"Fn::GetAtt": [Match.string_like_regexp("Dlq"), "Arn"]}},
                            "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600},
                        }
                    )
                ]
            ),
        },
    )


@pytest.mark.parametrize("add_later", [False, True])
def test_a_rule_target_without_a_dead_letter_queue_and_retry_policy_fails_synth(add_later):
    stack = new_stack()
    group = ModelPackageGroup(stack, "G", model_package_group_name="g")
    bare = targets.SnsTopic(sns.Topic(stack, "Topic"), retry_attempts=2)  # retries, but nowhere to keep the rest
    if add_later:
        group.on_approved("OnApproved").add_target(bare)
    else:
        group.on_approved("OnApproved", target=bare)
    with pytest.raises(
        Exception,
        match="EventBridge rule 'Test/G/OnApproved' target Target0: has no dead-letter queue or no full retry policy",
    ):
        Template.from_stack(stack)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"model_package_group_name": "churn_model"}, "model_package_group_name='churn_model'"),
        ({"model_package_group_name": "g", "shared_with_accounts": ["1234"]}, "shared_with_accounts='1234'"),
        (
            {"model_package_group_name": "g", "allow_cross_account_approval": True},
            "allow_cross_account_approval=True: needs shared_with_accounts",
        ),
        ({"model_package_group_name": "g", "description": "x" * 1025}, "must be at most 1024 characters"),
    ],
)
def test_bad_group_input_fails(options, message):
    with pytest.raises(ConstructValidationError) as error:
        ModelPackageGroup(new_stack(), "G", **options)
    assert message in str(error.value) and "ModelPackageGroup 'Test/G'" in str(error.value)


def test_unknown_approval_status_fails():
    group = ModelPackageGroup(new_stack(), "G", model_package_group_name="g")
    with pytest.raises(ConstructValidationError, match="approval_statuses='Aproved': must be one of Approved"):
        group.on_state_change("Rule", approval_statuses=["Aproved"])


# --- an L2 resource: interface, imports, grants ---------------------------------------------------


def test_an_existing_group_imported_by_name_can_be_granted_on():
    """Done when: a deployer role of another stack reads and approves versions of a group it did not make."""
    from tests.constructs_lib.grants import SAGEMAKER, actions_of, role_statements
    from tests.iam_eval import Request, allowed

    stack = new_stack()
    group = ModelPackageGroup.from_model_package_group_name(stack, "Registry", "Churn-Models")
    deployer = iam.Role(stack, "Deployer", assumed_by=iam.AccountRootPrincipal())
    assert isinstance(group.grant_read(deployer), iam.Grant)
    group.grant_approve(deployer)
    assert isinstance(group, IModelPackageGroup)
    assert group.model_package_group_name == "Churn-Models"
    statements = role_statements(Template.from_stack(stack), "Deployer")
    assert actions_of(statements) == {
        "sagemaker:DescribeModelPackageGroup",
        "sagemaker:DescribeModelPackage",
        "sagemaker:UpdateModelPackage",
    }
    assert allowed(
        statements, Request("sagemaker:DescribeModelPackageGroup", f"{SAGEMAKER}:model-package-group/churn-models")
    )
    assert allowed(statements, Request("sagemaker:UpdateModelPackage", f"{SAGEMAKER}:model-package/churn-models/3"))
    assert not allowed(statements, Request("sagemaker:UpdateModelPackage", f"{SAGEMAKER}:model-package/other/3"))
    assert not allowed(statements, Request("sagemaker:CreateModelPackage", f"{SAGEMAKER}:model-package/churn-models/4"))


def test_a_group_imported_by_arn_keeps_its_account_and_region():
    stack = new_stack()
    arn = "arn:aws:sagemaker:us-east-1:222222222222:model-package-group/shared-models"
    group = ModelPackageGroup.from_model_package_group_arn(stack, "Shared", arn)
    assert group.model_package_group_name == "shared-models"
    assert group.model_package_group_arn == arn
    assert group.env.account == "222222222222" and group.env.region == "us-east-1"
    assert ":sagemaker:us-east-1:222222222222:model-package/shared-models/*" in json.dumps(
        stack.resolve(group.model_packages_arn)
    )
    assert group.model_package_group_ref.model_package_group_arn == arn
    assert group.sources is None


def test_grant_register_lets_a_role_create_versions_of_this_group_only(synthesized):
    from tests.constructs_lib.grants import SAGEMAKER, role_statements
    from tests.iam_eval import Request, allowed

    statements = role_statements(synthesized[0], "Registrar")
    assert allowed(statements, Request("sagemaker:CreateModelPackage", f"{SAGEMAKER}:model-package/private-model/1"))
    assert allowed(statements, Request("sagemaker:AddTags", f"{SAGEMAKER}:model-package/private-model/1"))
    assert not allowed(statements, Request("sagemaker:CreateModelPackage", f"{SAGEMAKER}:model-package/churn-model/1"))
    assert not allowed(
        statements, Request("sagemaker:UpdateModelPackage", f"{SAGEMAKER}:model-package/private-model/1")
    )
    reader = role_statements(synthesized[0], "Reader")
    assert allowed(reader, Request("sagemaker:DescribeModelPackage", f"{SAGEMAKER}:model-package/private-model/1"))
    assert not allowed(reader, Request("sagemaker:CreateModelPackage", f"{SAGEMAKER}:model-package/private-model/1"))


def test_an_imported_group_offers_the_approval_events():
    stack = new_stack()
    group = ModelPackageGroup.from_model_package_group_name(stack, "Registry", "churn-models")
    group.on_approved("Approved")
    Template.from_stack(stack).has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": Match.object_like(
                {"detail": {"ModelPackageGroupName": ["churn-models"], "ModelApprovalStatus": ["Approved"]}}
            )
        },
    )
