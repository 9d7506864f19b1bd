"""A model from a local artifact: ``ModelData.from_asset`` (a ``model.tar.gz`` or a folder packaged as
one), uploaded by CDK's asset machinery and read by the model's role. One app for the module."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from constructs_lib import ConstructValidationError, ContainerDefinition, ContainerImage, Model, ModelData
from constructs_lib.foundation._runtime_contracts import check_templates
from tests.conftest import new_app, new_stack
from tests.constructs_lib.assets import published
from tests.constructs_lib.inference_fixtures import XGBOOST


def write_model_tar_gz(path: Path, content: bytes = b"booster") -> Path:
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("xgboost-model")
        info.size = len(content)
        archive.addfile(info, io.BytesIO(content))
    return path


class Built:
    def __init__(self, root: Path) -> None:
        folder = root / "model"
        folder.mkdir()
        (folder / "xgboost-model").write_bytes(b"booster")
        (folder / "code").mkdir()
        (folder / "code" / "inference.py").write_text("def model_fn(model_dir): ...\n")
        self.archive = write_model_tar_gz(root / "model.tar.gz")
        app = new_app(outdir=str(root / "cdk.out"))
        stack = new_stack(app)
        image = ContainerImage.from_uri(XGBOOST)
        Model(
            stack,
            "FromArchive",
            containers=[ContainerDefinition(image=image, model_data=ModelData.from_asset(str(self.archive)))],
            network=None,
        )
        Model(
            stack,
            "FromFolder",
            containers=[ContainerDefinition(image=image, model_data=ModelData.from_asset(str(folder)))],
            network=None,
        )
        self.assembly = app.synth()
        self.template = Template.from_stack(stack).to_json()
        self.published = published(self.assembly.directory)

    def model(self, prefix: str) -> dict[str, Any]:
        return next(
            r["Properties"]
            for k, r in self.template["Resources"].items()
            if k.startswith(prefix) and r["Type"] == "AWS::SageMaker::Model"
        )

    def policy_of(self, prefix: str) -> str:
        return json.dumps(
            [
                r["Properties"]["PolicyDocument"]
                for k, r in self.template["Resources"].items()
                if k.startswith(prefix) and r["Type"] == "AWS::IAM::ManagedPolicy"
            ]
        )

    def staged(self, key: str) -> Path:
        return self.published[key]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return Built(tmp_path_factory.mktemp("model-asset"))


def _key(url: Any) -> str:
    parts = url["Fn::Join"][1]
    assert parts[0] == "s3://" and parts[1] == {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-eu-west-1"}
    return parts[2].lstrip("/")


def test_a_model_tar_gz_is_uploaded_as_it_is_and_named_by_the_model(built: Built):
    key = _key(built.model("FromArchive")["PrimaryContainer"]["ModelDataUrl"])
    assert built.staged(key).read_bytes() == built.archive.read_bytes()


def test_a_folder_is_packaged_as_a_model_tar_gz(built: Built):
    key = _key(built.model("FromFolder")["PrimaryContainer"]["ModelDataUrl"])
    with tarfile.open(built.staged(key), "r:gz") as archive:
        assert archive.getnames() == ["code", "code/inference.py", "xgboost-model"]


def test_the_model_role_may_read_exactly_its_artifact(built: Built):
    for prefix in ("FromArchive", "FromFolder"):
        key = _key(built.model(prefix)["PrimaryContainer"]["ModelDataUrl"])
        policy = built.policy_of(prefix)
        assert f'"/{key}"' in policy and f"/{key}*" not in policy


def test_the_run_time_contracts_find_the_artifacts_readable(built: Built):
    assert check_templates(s.template_full_path for s in built.assembly.stacks) == []


def test_a_file_that_is_not_a_gzip_tar_is_refused(tmp_path: Path):
    bad = tmp_path / "model.tar.gz"
    bad.write_text("not an archive")
    with pytest.raises(ConstructValidationError, match="must be a gzip-compressed tar archive"):
        ModelData.from_asset(str(bad))
    with pytest.raises(ConstructValidationError, match="must be an existing .tar.gz file or folder"):
        ModelData.from_asset(str(tmp_path / "missing"))


def test_a_local_artifact_is_uploaded_by_the_model_that_serves_it(tmp_path: Path):
    data = ModelData.from_asset(str(write_model_tar_gz(tmp_path / "model.tar.gz")))
    with pytest.raises(ConstructValidationError, match="is uploaded by the Model that serves it"):
        _ = data.s3_url
