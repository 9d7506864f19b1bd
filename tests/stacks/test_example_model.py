"""The example model of the reference workload (``stacks/example_model/model.tar.gz``, made by
``scripts/make_example_model.py``): what the SageMaker XGBoost 1.7-1 container loads.
No XGBoost here: the archive is read as data."""

from __future__ import annotations

import json
import tarfile

from stacks.config.reference_workload import EXAMPLE_MODEL_PATH, FEATURES
from stacks.serving_stack import APP_DIRECTORY

ARCHIVE = APP_DIRECTORY / EXAMPLE_MODEL_PATH


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
