"""The governance stack in each environment: audit trail, reference team, dev workteam, model card."""

from __future__ import annotations

import dataclasses

import pytest

from stacks.config import GovernanceConfig, default_environments, get_environment
from tests.conftest import new_app

ENVIRONMENTS = list(default_environments())


def _resources(synthesized_app, env: str, kind: str) -> list[dict]:
    template = dict(synthesized_app.templates())[f"{env}/Governance"]
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_environment_has_an_audit_trail_over_the_data_and_artifact_buckets(synthesized_app, env):
    [trail] = _resources(synthesized_app, env, "AWS::CloudTrail::Trail")
    assert trail["EnableLogFileValidation"] is True and trail["IsMultiRegionTrail"] is True
    [data_selector] = [s for s in trail["EventSelectors"] if "DataResources" in s]
    outputs = [
        v["Fn::Join"][1][0]["Fn::GetStackOutput"]["OutputName"] for v in data_selector["DataResources"][0]["Values"]
    ]
    assert [o.split("FnGetAtt")[1][:10] for o in outputs] == ["DataBucket", "ArtifactBu"]
    assert len(_resources(synthesized_app, env, "AWS::CloudWatch::Alarm")) == 4


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_environment_has_the_reference_team_on_its_own_prefix(synthesized_app, env):
    stage = synthesized_app.stages[env]
    team = stage.governance.reference_team
    assert (team.team_name, team.prefix) == ("fraud-detection", "teams/fraud-detection/")
    expected = ("fraud-data-scientist-1", "fraud-data-scientist-2") if env == "dev" else ()
    assert team.user_profile_names == expected
    data_policy = [
        r["Properties"]
        for r in dict(synthesized_app.templates())[f"{env}/Data"]["Resources"].values()
        if r["Type"] == "AWS::S3::BucketPolicy"
    ]
    statements = [s for p in data_policy for s in p["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    outsiders = [
        s
        for s in statements
        if s.get("Condition", {}).get("StringNotEquals", {}).get("aws:PrincipalTag/team") == "fraud-detection"
    ]
    members = [
        s
        for s in statements
        if s.get("Condition", {}).get("StringEquals", {}).get("aws:PrincipalTag/team") == "fraud-detection"
    ]
    # Outsiders: the objects, the prefix, listings above it and without a prefix; members: outside the prefix.
    assert (len(outsiders), len(members)) == (4, 1)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_a_labeling_workteam_exists_in_dev_only(synthesized_app, env):
    workteams = _resources(synthesized_app, env, "AWS::SageMaker::Workteam")
    pools = _resources(synthesized_app, env, "AWS::Cognito::UserPool")
    if env == "dev":
        assert [w["WorkteamName"] for w in workteams] == ["ml-platform-dev-labelers"]
        assert pools[0]["MfaConfiguration"] == "ON"
    else:
        assert workteams == [] and pools == []


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_reference_model_has_a_draft_card_for_its_registry_group(synthesized_app, env):
    [card] = _resources(synthesized_app, env, "AWS::SageMaker::ModelCard")
    group = get_environment(env).governance.reference_model_package_group_name
    assert card["ModelCardStatus"] == "Draft"
    assert card["Content"]["ModelPackageDetails"] == {"ModelPackageGroupName": group}
    assert card["Content"]["IntendedUses"]["RiskRating"] == "Unknown"
    assert "KmsKeyId" in card["SecurityConfig"]


def test_the_audit_trail_can_be_switched_off_where_an_organisation_trail_records_the_account():
    from stacks.ml_platform_stage import MlPlatformStage

    config = get_environment("staging")
    config = dataclasses.replace(config, governance=GovernanceConfig(audit_trail_enabled=False))
    app = new_app()
    stage = MlPlatformStage(app, "staging", config=config)
    assert stage.governance.audit_trail is None
    template = (
        app.synth().get_nested_assembly("assembly-staging").get_stack_by_name(stage.governance.stack_name).template
    )
    types = {r["Type"] for r in template["Resources"].values()}
    assert "AWS::CloudTrail::Trail" not in types and "AWS::IAM::ManagedPolicy" in types
