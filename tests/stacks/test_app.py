"""The app: every environment synthesizes, is compliant, lints clean and matches its snapshots."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from stacks.config import default_environments
from tests.conftest import ROOT, cfn_lint_errors

ENVIRONMENTS = list(default_environments())


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def test_every_environment_has_its_stacks(synthesized_app):
    ids = [stack_id for stack_id, _ in synthesized_app.templates()]
    for env in ENVIRONMENTS:
        assert f"{env}/Data" in ids and f"{env}/Network" in ids and f"{env}/Governance" in ids
        assert f"{env}/Platform" in ids
        assert f"{env}/Serving" in ids
        assert f"{env}/Training" in ids
        assert f"{env}/Studio" in ids
        assert f"{env}/Monitoring" in ids


def test_stacks_have_stable_names_per_environment(synthesized_app):
    stage = synthesized_app.stages["prod"]
    assert stage.data.stack_name == "ml-platform-prod-data"
    assert stage.network.stack_name == "ml-platform-prod-network"
    assert stage.governance.stack_name == "ml-platform-prod-governance"
    assert stage.platform.stack_name == "ml-platform-prod-platform"
    assert stage.training.stack_name == "ml-platform-prod-training"
    assert stage.monitoring.stack_name == "ml-platform-prod-monitoring"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_snapshot_of_every_stack(synthesized_app, snapshot_json, env):
    for stack_id, template in synthesized_app.templates():
        if stack_id.startswith(f"{env}/"):
            assert template == snapshot_json(name=stack_id.replace("/", "-"))


def test_every_environment_has_no_unacknowledged_nag_finding(synthesized_app):
    # The fixture's synth would have raised on any finding; the report must show no failed pack.
    report = json.loads((synthesized_app.outdir / "validation-report.json").read_text())
    failed = [p["pluginName"] for p in report["pluginReports"] if p["conclusion"] != "success"]
    assert failed == []


def test_every_role_can_make_every_call_its_resources_imply(synthesized_app):
    """The run-time contracts over every template: zero missing grants (the fixture's synth ran the
    same check as a validation plugin; here it is run again to count what it proved)."""
    from constructs_lib._core.cfn_values import Assembly
    from constructs_lib.foundation._runtime_contracts import RuntimeContractCheck

    paths = sorted(str(p) for p in synthesized_app.outdir.glob("assembly-*/*.template.json"))
    check = RuntimeContractCheck(Assembly.from_template_paths(paths))
    assert check.findings() == []
    proved = [need for obligation in check.obligations() for need in obligation.needs]
    kinds = {obligation.stack.resources[obligation.logical_id]["Type"] for obligation in check.obligations()}
    assert {
        "AWS::SageMaker::Model",
        "AWS::SageMaker::EndpointConfig",
        "AWS::SageMaker::Pipeline",
        "AWS::SageMaker::DataQualityJobDefinition",
        "AWS::SageMaker::ModelQualityJobDefinition",
        "AWS::SageMaker::MlflowTrackingServer",
        "AWS::SageMaker::ModelPackageGroup",
        "AWS::ApiGateway::Account",
    } <= kinds
    assert len(proved) > 500


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_template_passes_cfn_lint(synthesized_app, env):
    region = default_environments()[env].region
    errors = [
        f"{stack_id}: {error}"
        for stack_id, template in synthesized_app.templates()
        if stack_id.startswith(f"{env}/")
        for error in cfn_lint_errors(template, region)
    ]
    assert errors == []


def test_the_cfn_lint_check_reports_errors():
    """The check can fail: a wrong property type and a missing required property are errors, even
    with cfn-lint's warning rules off."""
    broken = {
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"VersioningConfiguration": "on"}},
            "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
        }
    }
    errors = cfn_lint_errors(broken)
    assert any(e.startswith("E3012 ") and "VersioningConfiguration" in e for e in errors), errors
    assert any(e.startswith("E3003 ") and "AssumeRolePolicyDocument" in e for e in errors), errors


def test_stateful_resources_keep_their_logical_ids(synthesized_app):
    """Renaming these replaces keys and buckets: logical ids of stateful resources are public API."""
    templates = dict(synthesized_app.templates())
    data = templates["prod/Data"]["Resources"]
    assert data["PlatformKey205D0CA7"]["Type"] == "AWS::KMS::Key"
    assert data["DataBucketB1A7365C"]["Type"] == "AWS::S3::Bucket"
    assert data["ArtifactBucketBB91995B"]["Type"] == "AWS::S3::Bucket"
    assert data["AccessLogs247031D9"]["Type"] == "AWS::S3::Bucket"
    governance = templates["prod/Governance"]["Resources"]
    assert governance["GovernanceKey494DB103"]["Type"] == "AWS::KMS::Key"
    assert governance["AuditTrailBucket5C91496D"]["Type"] == "AWS::S3::Bucket"
    assert governance["AuditTrailLogGroup28BB9333"]["Type"] == "AWS::Logs::LogGroup"
    assert governance["ReferenceModelCard23264799"]["Type"] == "AWS::SageMaker::ModelCard"
    assert templates["dev/Governance"]["Resources"]["LabelingUserPoolA94A510B"]["Type"] == "AWS::Cognito::UserPool"
    platform = templates["prod/Platform"]["Resources"]
    assert platform["MlflowE97BC70F"]["Type"] == "AWS::SageMaker::MlflowTrackingServer"
    assert platform["MlflowArtifacts3EE97BAA"]["Type"] == "AWS::S3::Bucket"
    assert platform["FeatureStore40D5AEE1"]["Type"] == "AWS::S3::Bucket"
    assert platform["CustomersFeaturesED667AD5"]["Type"] == "AWS::SageMaker::FeatureGroup"
    assert platform["AlertsKeyB38A053B"]["Type"] == "AWS::KMS::Key"
    training = templates["prod/Training"]["Resources"]
    assert training["ModelRegistryB238A970"]["Type"] == "AWS::SageMaker::ModelPackageGroup"
    studio = templates["prod/Studio"]["Resources"]
    assert studio["Domain66AC69E0"]["Type"] == "AWS::SageMaker::Domain"


def test_cost_allocation_tags_on_every_taggable_resource(synthesized_app):
    """``owner`` may change: it skips the types whose Tags are create-only (tests/stacks/test_replacement_guard.py)."""
    from constructs_lib import CREATE_ONLY_TAG_TYPES

    untagged = []
    for stack_id, template in synthesized_app.templates():
        env = stack_id.split("/")[0]
        for logical_id, resource in template["Resources"].items():
            tags = resource.get("Properties", {}).get("Tags")
            if isinstance(tags, list):
                values = {t["Key"]: t["Value"] for t in tags}
                owner = "owner" in values or resource["Type"] in CREATE_ONLY_TAG_TYPES
                if values.get("environment") != env or "project" not in values or not owner:
                    untagged.append(f"{stack_id}/{logical_id}")
    assert untagged == []


def test_app_synthesizes_with_aws_cdk_builtin_template_validation(synthesized_app):
    """The session's app is synthesized with aws-cdk-lib's CloudFormation validation on (its
    fixture): synth would have failed on a template it rejects, in any environment."""
    assert synthesized_app.builtin_validation
    for env in synthesized_app.stages:
        assert {s.stack_name for s in synthesized_app.assembly.get_nested_assembly(f"assembly-{env}").stacks} == {
            f"ml-platform-{env}-{part}"
            for part in ("data", "network", "governance", "platform", "studio", "training", "serving", "monitoring")
        }


def test_package_builds_a_wheel_with_the_library_and_its_handlers(tmp_path):
    """``pip install .`` ships the library (CI installs it into a fresh virtual environment with its
    dependencies and synthesizes the README's three-line app from it: ``.ci/run``)."""
    import shutil
    import zipfile

    shutil.rmtree(ROOT / "build", ignore_errors=True)  # setuptools' staging dir: stale modules would ship
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--disable-pip-version-check",
            "-q",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
    )
    [wheel] = tmp_path.glob("constructs_lib-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "constructs_lib/__init__.py" in names and "constructs_lib/py.typed" in names
    handlers = {p.relative_to(ROOT).as_posix() for p in (ROOT / "constructs_lib").rglob("*.py")}
    assert handlers == {n for n in names if n.endswith(".py")}, sorted(handlers ^ names)
    assert not any(name.startswith(("stacks/", "tests/", "bench/")) for name in names)


def test_one_environment_per_account_and_region_owns_the_api_gateway_account_settings(synthesized_app):
    """AWS::ApiGateway::Account is one setting per account and region: staging and prod (same
    credentials' account here) must not both declare it."""
    owners = [
        stack_id
        for stack_id, template in synthesized_app.templates()
        if any(r["Type"] == "AWS::ApiGateway::Account" for r in template["Resources"].values())
    ]
    assert owners == ["staging/Serving"]


def test_environments_in_different_accounts_each_own_their_api_gateway_settings():
    import dataclasses

    from stacks.config import api_gateway_account_owners

    envs = default_environments()
    assert api_gateway_account_owners(envs.values()) == {"staging"}
    split = [
        dataclasses.replace(envs["staging"], account="222222222222"),
        dataclasses.replace(envs["prod"], account="333333333333"),
    ]
    assert api_gateway_account_owners(split) == {"staging", "prod"}
