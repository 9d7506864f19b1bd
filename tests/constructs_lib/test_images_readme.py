"""The README's container-image examples (built-in algorithm, your own container) run as written."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest

from constructs_lib import ConstructValidationError
from tests.conftest import ROOT, new_app

SECTION = "### Three levels: built-in algorithm, script mode, your own container"


def _examples() -> list[str]:
    section = (ROOT / "README.md").read_text().split(SECTION, 1)[1].split("\n### ", 1)[0]
    return [block.split("```", 1)[0] for block in section.split("```python\n")[1:]]


def _run(code: str, tmp_path, monkeypatch) -> dict:
    app = new_app(outdir=str(tmp_path / "cdk.out"))
    namespace: dict = {}
    with monkeypatch.context() as patch:
        patch.setattr(cdk, "App", lambda: app)
        exec(compile(code, "README.md", "exec"), namespace)
    return namespace


def test_the_section_has_the_built_in_and_own_container_examples_and_points_to_script_mode():
    text = (ROOT / "README.md").read_text().split(SECTION, 1)[1]
    assert len(_examples()) == 2
    script_mode = text.split("**Script mode.**", 1)[1].split("**Your own container.**", 1)[0]
    assert "ScriptSource" in script_mode and "Script mode: a framework" in script_mode


def test_the_built_in_algorithm_example_synthesizes_and_its_counterexample_fails(tmp_path, monkeypatch):
    code = _examples()[0]
    _run(code, tmp_path, monkeypatch)
    template = json.loads((tmp_path / "cdk.out" / "BuiltIn.template.json").read_text())
    assert "438346466558.dkr.ecr.eu-west-1.amazonaws.com/linear-learner:1" in json.dumps(template)
    wrong = code.replace("lib.AlgorithmImage.linear_learner()", "lib.AlgorithmImage.seq2seq()").replace(
        "application/x-recordio-protobuf", "text/csv"
    )
    with pytest.raises(ConstructValidationError) as error:
        _run(wrong, tmp_path / "wrong", monkeypatch)
    for line in ("content_type='text/csv': Sequence-to-Sequence", "instance_type='ml.m5.xlarge': Sequence-to-Sequence"):
        assert line in str(error.value)


def test_the_own_container_example_builds_one_image_asset(tmp_path, monkeypatch):
    (tmp_path / "containers" / "scorer").mkdir(parents=True)
    (tmp_path / "containers" / "scorer" / "Dockerfile").write_text("FROM public.ecr.aws/docker/library/python:3.12\n")
    monkeypatch.chdir(tmp_path)
    _run(_examples()[1], tmp_path, monkeypatch)
    assets = json.loads((tmp_path / "cdk.out" / "OwnContainer.assets.json").read_text())
    assert len(assets["dockerImages"]) == 1
    template = (tmp_path / "cdk.out" / "OwnContainer.template.json").read_text()
    assert template.count("cdk-hnb659fds-container-assets-") >= 3
