"""The delivery pipeline: tests, self-mutation, staging, a manual approval, then prod, cross-account."""

from __future__ import annotations

import dataclasses
import json

import pytest
from aws_cdk.assertions import Match, Template

from constructs_lib import add_compliance_checks
from stacks.config import ConfigError, DeliveryConfig, default_delivery, default_environments
from stacks.delivery_stack import DeliveryStack, pinned_cli_version
from tests.conftest import cfn_lint_errors, nag_findings, new_app

#: The stacks of one environment, by the suffix of their CloudFormation names.
STAGE_PARTS = ("data", "network", "platform", "governance", "studio", "training", "serving", "monitoring")

DELIVERY = default_delivery()
assert DELIVERY is not None
STAGING, PROD = DELIVERY.accounts["staging"], DELIVERY.accounts["prod"]


@pytest.fixture(scope="module")
def delivery(tmp_path_factory):
    """The pipeline stack with its staging and prod stages, synthesized once under the nag packs."""
    app = new_app(outdir=str(tmp_path_factory.mktemp("delivery")))
    add_compliance_checks(app)
    stack = DeliveryStack(app, "Delivery", config=DELIVERY, environments=default_environments())
    findings = nag_findings(app)  # synthesizes
    return stack, findings, app


@pytest.fixture(scope="module")
def template(delivery) -> Template:
    return Template.from_stack(delivery[0])


def _pipeline(template: Template) -> dict:
    [pipeline] = template.find_resources("AWS::CodePipeline::Pipeline").values()
    return pipeline["Properties"]


def _stage(template: Template, name: str) -> dict:
    return next(s for s in _pipeline(template)["Stages"] if s["Name"] == name)


def test_pipeline_builds_updates_itself_then_deploys_staging_then_prod(template):
    assert [s["Name"] for s in _pipeline(template)["Stages"]] == [
        "Source",
        "Build",
        "UpdatePipeline",
        "Assets",
        "staging",
        "prod",
    ]


def test_a_manual_approval_gates_prod_only(template):
    prod = _stage(template, "prod")["Actions"]
    first = min(prod, key=lambda a: a["RunOrder"])
    assert first["Name"] == "Approve-prod" and first["ActionTypeId"]["Category"] == "Approval"
    assert all(a["RunOrder"] > first["RunOrder"] for a in prod if a is not first)
    assert not any(a["ActionTypeId"]["Category"] == "Approval" for a in _stage(template, "staging")["Actions"])


def test_each_environment_deploys_all_its_stacks(template):
    for env in ("staging", "prod"):
        deployed = {
            a["Configuration"]["StackName"]
            for a in _stage(template, env)["Actions"]
            if a["ActionTypeId"]["Provider"] == "CloudFormation"
        }
        assert deployed == {f"ml-platform-{env}-{part}" for part in STAGE_PARTS}


def test_pipeline_deploys_the_serving_stacks_with_the_default_parameter_which_keeps_the_served_model(template):
    """CodePipeline sends the template's defaults: ``ModelPackageArn`` empty, which the serving stack's
    ``ServedModelPackage`` record reads as "keep what is served" (test_served_model_handler.py)."""
    for env in ("staging", "prod"):
        [serving] = [
            a
            for a in _stage(template, env)["Actions"]
            if a["ActionTypeId"]["Provider"] == "CloudFormation"
            and a["Configuration"].get("StackName") == f"ml-platform-{env}-serving"
            and a["Configuration"].get("ActionMode") == "CHANGE_SET_REPLACE"
        ]
        assert "ParameterOverrides" not in serving["Configuration"]


def test_staging_registry_skips_prod_in_another_account(delivery):
    """Delivered staging and prod are separate accounts: approved packages roll out to staging only."""
    stages = delivery[0].stages
    assert [t.stack_name for t in stages["staging"].monitoring.deployment.targets] == [
        "ml-platform-staging-serving",
        "ml-platform-staging-monitoring",
    ]
    assert stages["prod"].monitoring.deployment is None


def _synth_spec(template: Template) -> dict:
    projects = template.find_resources("AWS::CodeBuild::Project")
    synth = next(p for logical_id, p in projects.items() if "Synth" in logical_id)
    return json.loads(synth["Properties"]["Source"]["BuildSpec"])


def test_synth_step_runs_the_tests_before_synthesizing(template):
    spec = _synth_spec(template)
    assert spec["phases"]["build"]["commands"] == ["make test", "make synth"]
    assert spec["phases"]["install"]["runtime-versions"] == {"python": "3.11"}
    assert spec["artifacts"]["base-directory"] == "cdk.out"


def test_source_is_the_configured_connection_repository_and_branch(template):
    [action] = _stage(template, "Source")["Actions"]
    assert action["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    assert action["Configuration"]["ConnectionArn"] == DELIVERY.connection_arn
    assert action["Configuration"]["FullRepositoryId"] == "my-org/ml-platform"
    assert action["Configuration"]["BranchName"] == "main"


def test_self_mutation_uses_the_pinned_cdk_cli(template):
    projects = template.find_resources("AWS::CodeBuild::Project")
    mutate = next(p for logical_id, p in projects.items() if "SelfMutation" in logical_id)
    spec = json.loads(mutate["Properties"]["Source"]["BuildSpec"])
    assert spec["phases"]["install"]["commands"] == [f"npm install -g aws-cdk@{pinned_cli_version()}"]
    assert pinned_cli_version().startswith("2.")


def test_deploy_actions_assume_the_target_accounts_cdk_roles(template):
    for env, account in (("staging", STAGING), ("prod", PROD)):
        roles = {json.dumps(a["RoleArn"]) for a in _stage(template, env)["Actions"] if "RoleArn" in a}
        assert roles and all(f"iam::{account}:role/cdk-hnb659fds-deploy-role-{account}-eu-west-1" in r for r in roles)


def test_artifacts_are_encrypted_with_a_rotated_key_shared_with_the_target_accounts(template):
    store = _pipeline(template)["ArtifactStore"]
    assert store["EncryptionKey"]["Type"] == "KMS"
    [key] = template.find_resources("AWS::KMS::Key").values()
    assert key["Properties"]["EnableKeyRotation"] is True
    shared = next(
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Principal", {}).get("AWS") and isinstance(s["Principal"]["AWS"], list)
    )
    principals = json.dumps(shared["Principal"]["AWS"])
    assert f":iam::{STAGING}:role/cdk-hnb659fds-deploy-role" in principals
    assert f":iam::{PROD}:role/cdk-hnb659fds-deploy-role" in principals
    assert shared["Action"] == ["kms:Decrypt", "kms:DescribeKey"]


def test_artifact_bucket_is_a_secure_bucket_readable_by_the_target_accounts(template):
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "VersioningConfiguration": {"Status": "Enabled"},
            "LoggingConfiguration": Match.object_like({"DestinationBucketName": Match.any_value()}),
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    Match.object_like({"ServerSideEncryptionByDefault": Match.object_like({"SSEAlgorithm": "aws:kms"})})
                ]
            },
        },
    )
    policies = template.find_resources("AWS::S3::BucketPolicy")
    statements = [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    cross_account = [s for s in statements if s["Effect"] == "Allow" and PROD in json.dumps(s.get("Principal"))]
    assert cross_account and cross_account[0]["Action"] == ["s3:GetBucket*", "s3:GetObject*", "s3:List*"]


def test_codebuild_projects_are_unprivileged_and_kms_encrypted(template):
    projects = template.find_resources("AWS::CodeBuild::Project")
    assert len(projects) == 3  # synth, self-mutation, file assets
    for project in projects.values():
        assert project["Properties"]["Environment"]["PrivilegedMode"] is False
        assert project["Properties"]["Environment"]["Image"] == "aws/codebuild/standard:7.0"
        assert project["Properties"]["EncryptionKey"]["Fn::GetAtt"][0].startswith("ArtifactKey")


def test_build_logs_are_encrypted_and_retained(template):
    template.has_resource_properties("AWS::Logs::LogGroup", {"KmsKeyId": Match.any_value(), "RetentionInDays": 365})


def test_stages_deploy_into_their_own_accounts_and_regions(delivery):
    stack = delivery[0]
    assert stack.account == DELIVERY.account and stack.region == DELIVERY.region
    assert {name: (s.account, s.region) for name, s in stack.stages.items()} == {
        "staging": (STAGING, "eu-west-1"),
        "prod": (PROD, "eu-west-1"),
    }
    assert stack.stack_name == "ml-platform-delivery"


def test_pipeline_and_its_stages_have_no_unacknowledged_nag_finding(delivery):
    assert delivery[1] == []


def test_pipeline_template_passes_cfn_lint(delivery):
    """The pipeline's own template. Its stages are the app's stages with concrete accounts: the same
    code, linted per environment in test_app.py, and every template of `make synth` (these
    included) is linted again by `.ci/run`."""
    stack, _, app = delivery
    assembly = app.synth()
    assert cfn_lint_errors(assembly.get_stack_by_name(stack.stack_name).template) == []
    for part in ("staging", "prod"):
        assert len(assembly.get_nested_assembly(f"assembly-Delivery-{part}").stacks) == len(STAGE_PARTS)


def test_pipeline_resources_carry_cost_allocation_tags(template):
    [pipeline] = template.find_resources("AWS::CodePipeline::Pipeline").values()
    tags = {t["Key"]: t["Value"] for t in pipeline["Properties"]["Tags"]}
    assert tags == {"environment": "delivery", "project": "ml-platform", "owner": "ml-platform-team"}


def test_stage_resources_keep_their_environments_tags(delivery):
    _, _, app = delivery
    assembly = app.synth()
    for env in ("staging", "prod"):
        for nested in assembly.get_nested_assembly(f"assembly-Delivery-{env}").stacks:
            for resource in nested.template["Resources"].values():
                tags = resource.get("Properties", {}).get("Tags")
                if isinstance(tags, list):
                    assert {t["Key"]: t["Value"] for t in tags}["environment"] == env


@pytest.fixture(scope="module")
def codecommit():
    """A pipeline from a CodeCommit repository deploying staging, under the nag packs: one synthesis
    for its checks."""
    config = dataclasses.replace(
        DELIVERY,
        source="codecommit",
        repository="ml-platform",
        connection_arn=None,
        environments=("staging",),
        approval_before=(),
    )
    app = new_app()
    add_compliance_checks(app)
    stack = DeliveryStack(app, "Delivery", config=config, environments=default_environments())
    findings = nag_findings(app)  # synthesizes
    return findings, Template.from_stack(stack)


def test_codecommit_source(codecommit):
    _, template = codecommit
    [action] = _stage(template, "Source")["Actions"]
    assert action["ActionTypeId"]["Provider"] == "CodeCommit"
    assert action["Configuration"]["RepositoryName"] == "ml-platform"
    assert [s["Name"] for s in _pipeline(template)["Stages"]][-1] == "staging"
    # Commits start the pipeline through a rule with a retry policy and a dead-letter queue.
    assert action["Configuration"]["PollForSourceChanges"] is False
    [rule] = template.find_resources("AWS::Events::Rule").values()
    assert rule["Properties"]["EventPattern"]["detail"]["referenceName"] == ["main"]
    [target] = rule["Properties"]["Targets"]
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}
    assert target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0].startswith("SourceEventsDeadLetterQueue")
    [queue] = template.find_resources("AWS::SQS::Queue").values()
    assert "KmsMasterKeyId" in queue["Properties"]


def test_codecommit_source_is_compliant(codecommit):
    findings, template = codecommit
    assert findings == []
    assert cfn_lint_errors(template) == []


def test_an_environment_without_an_account_fails_before_synthesis():
    config = DeliveryConfig(
        account="111111111111",
        region="eu-west-1",
        repository="my-org/ml-platform",
        connection_arn=DELIVERY.connection_arn,
        accounts={"staging": STAGING},
    )
    with pytest.raises(ConfigError, match=r"delivery.accounts\['prod'\]: missing"):
        DeliveryStack(new_app(), "Delivery", config=config, environments=default_environments())


def test_every_service_principal_of_the_pipeline_is_pinned_to_its_account(template):
    """CodePipeline's and CodeBuild's roles, including those CDK Pipelines creates itself."""
    from tests.stacks.test_service_principals import unpinned_service_principals

    assert unpinned_service_principals(iter([("Delivery", template.to_json())])) == []


def test_snapshot_of_the_delivery_stack(template, snapshot):
    from syrupy.extensions.json import JSONSnapshotExtension

    assert template.to_json() == snapshot.use_extension(JSONSnapshotExtension)(name="Delivery")


def test_codebuild_may_read_the_artifacts_codepipeline_hands_it_by_version(template):
    """CodePipeline passes its actions' input artifacts as versions of objects of the (versioned)
    artifact bucket; each build project's role reads them with s3:GetObjectVersion."""
    roles = [k for k, r in template.find_resources("AWS::IAM::Role").items() if "codebuild" in json.dumps(r)]
    assert roles
    policies = {**template.find_resources("AWS::IAM::Policy"), **template.find_resources("AWS::IAM::ManagedPolicy")}
    for role in roles:
        actions = {
            action
            for p in policies.values()
            if {"Ref": role} in p["Properties"].get("Roles", [])
            for s in p["Properties"]["PolicyDocument"]["Statement"]
            for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        }
        assert {"s3:GetObject", "s3:GetObjectVersion"} <= actions, role
