"""The example model the serving stacks serve by default (``stacks/example_model/model.tar.gz``, made by
``scripts/make_example_model.py``): what the SageMaker XGBoost 1.7-1 container loads, uploaded by
``cdk deploy`` (a file asset), read by the served model's role; nothing to upload by hand.
No XGBoost here: the archive is read as data."""

from __future__ import annotations

import json
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest

from constructs_lib import SecureBucket
from stacks.config import ConfigError, ServingConfig, default_environments
from stacks.config.reference_workload import EXAMPLE_MODEL_PATH, FEATURES
from stacks.serving_stack import APP_DIRECTORY, model_artifact
from tests.conftest import new_stack
from tests.constructs_lib.assets import published
from tests.iam_eval import Request, allowed

ENVIRONMENTS = ("dev", "staging", "prod")
ARCHIVE = APP_DIRECTORY / EXAMPLE_MODEL_PATH
ASSETS_BUCKET = {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-eu-west-1"}


def _model_file() -> bytes:
    with tarfile.open(ARCHIVE, "r:gz") as archive:
        member = archive.extractfile("xgboost-model")
        assert member is not None
        return member.read()


def test_the_example_model_is_a_gzip_tar_of_one_xgboost_model_at_its_root():
    assert ARCHIVE.read_bytes()[:2] == b"\x1f\x8b" and ARCHIVE.stat().st_size < 20_000
    with tarfile.open(ARCHIVE, "r:gz") as archive:
        # The container loads the first file of /opt/ml/model: exactly one, a regular file.
        [member] = archive.getmembers()
    assert member.name == "xgboost-model" and member.isreg()
    assert (member.uid, member.gid, member.uname, member.gname, member.mtime) == (0, 0, "", "", 315532800)


def test_the_example_model_is_an_xgboost_1_7_json_booster_of_the_reference_features():
    data = _model_file()
    assert data.startswith(b'{"')  # XGBoost's load_model reads a file starting so as JSON, whatever its name
    model = json.loads(data)
    assert model["version"][:2] == [1, 7]  # the XGBoost of the 1.7-1 image (1.7.4)
    learner = model["learner"]
    assert int(learner["learner_model_param"]["num_feature"]) == len(FEATURES) == 5
    assert learner["objective"]["name"] == "binary:logistic"
    assert learner["gradient_booster"]["model"]["trees"]


def test_the_default_environments_serve_the_example_model():
    for name, config in default_environments().items():
        assert (config.serving.model_data_path, config.serving.model_data_key) == (EXAMPLE_MODEL_PATH, None), name


@pytest.mark.parametrize(
    "path, key", [(EXAMPLE_MODEL_PATH, "models/churn/model.tar.gz"), (None, None)], ids=["both", "neither"]
)
def test_the_serving_config_takes_a_local_artifact_or_a_key_exactly_one(path, key):
    staging = default_environments()["staging"]
    with pytest.raises(ConfigError, match=r"serving\.model_data_path.*exactly one"):
        replace(staging, serving=replace(staging.serving, model_data_path=path, model_data_key=key))


def test_a_key_in_the_artifact_bucket_still_serves_instead_of_the_example():
    serving = ServingConfig(model_data_path=None, model_data_key="models/churn/model.tar.gz")
    bucket = SecureBucket(new_stack(), "Artifacts")
    data = model_artifact(bucket, serving.model_data_key, serving.model_data_path)
    assert not data.is_asset and data.key == "models/churn/model.tar.gz" and data.bucket is bucket


def _served_model(synthesized_app, env: str) -> tuple[dict, dict]:
    """The served model and its role's managed policy, from the serving stack's nested model stack."""
    stage = synthesized_app.assembly.get_nested_assembly(f"assembly-{env}")
    nested = synthesized_app.stages[env].serving.model_stack
    resources = json.loads((Path(stage.directory) / nested.template_file).read_text())["Resources"]
    [model] = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::SageMaker::Model"]
    role = model["ExecutionRoleArn"]["Fn::GetAtt"][0]
    [policy] = [
        r["Properties"]["PolicyDocument"]
        for r in resources.values()
        if r["Type"] == "AWS::IAM::ManagedPolicy" and {"Ref": role} in r["Properties"]["Roles"]
    ]
    return model, policy


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_served_model_reads_the_example_model_that_cdk_deploy_uploads(synthesized_app, env):
    model, _ = _served_model(synthesized_app, env)
    condition, package, artifact = model["PrimaryContainer"]["ModelDataUrl"]["Fn::If"]
    assert condition == "ServesModelPackage" and package == {"Ref": "AWS::NoValue"}  # a package needs none
    scheme, bucket, key = artifact["Fn::Join"][1]
    assert (scheme, bucket) == ("s3://", ASSETS_BUCKET)
    uploads = published(synthesized_app.assembly.get_nested_assembly(f"assembly-{env}").directory)
    assert uploads[key.lstrip("/")].read_bytes() == ARCHIVE.read_bytes()  # in the manifest, as committed


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_served_model_role_may_read_exactly_the_example_model(synthesized_app, env):
    model, policy = _served_model(synthesized_app, env)
    key = model["PrimaryContainer"]["ModelDataUrl"]["Fn::If"][2]["Fn::Join"][1][2].lstrip("/")
    bucket = "arn:aws:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-eu-west-1"
    statements = policy["Statement"]
    assert allowed(statements, Request("s3:GetObject", f"{bucket}/{key}"))
    for other in (f"{key}x", f"other-{key}", "0" * 64 + ".gz"):
        assert not allowed(statements, Request("s3:GetObject", f"{bucket}/{other}")), other
    assert not allowed(statements, Request("s3:PutObject", f"{bucket}/{key}"))
