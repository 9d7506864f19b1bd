"""The serving stack and the model fleet serve a local artifact when configured with
``model_data_path``: ``cdk deploy`` uploads it (a file asset), nothing to upload by hand."""

from __future__ import annotations

import io
import json
import tarfile
from dataclasses import replace

import pytest
from aws_cdk.assertions import Template

from stacks.config import ConfigError, ModelFleetConfig, ServedModel, default_environments
from stacks.ml_platform_stage import MlPlatformStage
from tests.conftest import new_app

ASSETS_BUCKET = {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-eu-west-1"}


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> MlPlatformStage:
    artifact = tmp_path_factory.mktemp("artifact") / "model.tar.gz"
    with tarfile.open(artifact, "w:gz") as archive:
        info = tarfile.TarInfo("xgboost-model")
        info.size = 7
        archive.addfile(info, io.BytesIO(b"booster"))
    staging = default_environments()["staging"]
    config = replace(
        staging,
        serving=replace(staging.serving, model_data_path=str(artifact)),
        fleet=ModelFleetConfig(models=(ServedModel("scoring", model_data_path=str(artifact)),)),
    )
    return MlPlatformStage(new_app(), "staging", config=config)


def _model_data_urls(stack) -> list:
    resources = Template.from_stack(stack).to_json()["Resources"]
    return [
        r["Properties"]["PrimaryContainer"]["ModelDataUrl"]
        for r in resources.values()
        if r["Type"] == "AWS::SageMaker::Model"
    ]


def test_the_served_model_reads_the_uploaded_artifact(stage: MlPlatformStage):
    (url,) = _model_data_urls(stage.serving.model_stack)
    assert "Fn::If" in url and json.dumps(ASSETS_BUCKET) in json.dumps(url)


def test_a_fleet_model_reads_the_uploaded_artifact(stage: MlPlatformStage):
    (url,) = [u for s in stage.model_fleet for u in _model_data_urls(s)]
    assert url["Fn::Join"][1][1] == ASSETS_BUCKET


def test_a_fleet_model_takes_a_key_or_a_path_not_both():
    with pytest.raises(ConfigError, match="model_data_path.*not both"):
        replace(
            default_environments()["staging"],
            fleet=ModelFleetConfig(
                models=(ServedModel("scoring", model_data_key="m/model.tar.gz", model_data_path="m"),)
            ),
        )
