"""The README's labeling walkthrough runs as written."""

import json

import aws_cdk as cdk

from tests.conftest import ROOT, new_app
from tests.test_readme import _example


def test_readme_labeling_example_synthesizes(tmp_path, monkeypatch):
    app = new_app(outdir=str(tmp_path))
    monkeypatch.setattr(cdk, "App", lambda: app)
    monkeypatch.chdir(ROOT)  # the worker template's path is the repository's
    namespace: dict = {}
    exec(compile(_example("## Labeling: new data to a training manifest"), "README.md", "exec"), namespace)
    labeling = namespace["labeling"]
    assert labeling.output_manifest_uri("j").endswith("/raw/labeled/churn-messages/j/output.manifest")
    resources = json.loads((tmp_path / "Labeling.template.json").read_text())["Resources"]
    [machine] = [r for r in resources.values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    body = json.dumps(machine["Properties"]["DefinitionString"])
    assert "createLabelingJob.sync" in body and "568282634449:function:PRE-TextMultiClass" in body
    assert '\\"NumberOfHumanWorkersPerDataObject\\":3' in body
    assert any(r["Type"] == "AWS::Lambda::EventSourceMapping" for r in resources.values())
    assert "IngestLabels" in body and labeling.label_ingester is not None
