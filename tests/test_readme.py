"""The README's pipeline example runs as written."""

from __future__ import annotations

import json
import re

import aws_cdk as cdk

from constructs_lib.training.pipeline.per_run import run_state, shared_state
from tests.conftest import ROOT, new_app
from tests.sagemaker_contract import definition_from_template


def _example(heading: str) -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split(heading, 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_pipeline_example_synthesizes(tmp_path, monkeypatch):
    # The project's feature flags and output directory, without the built-in template validation.
    app = new_app(outdir=str(tmp_path))
    monkeypatch.setattr(cdk, "App", lambda: app)
    namespace: dict = {}
    exec(compile(_example("## Training, pipelines and the model registry"), "README.md", "exec"), namespace)
    assert namespace["pipeline"].parameter_names == frozenset({"AccuracyThreshold"})
    template = (tmp_path / "Ml.template.json").read_text()
    assert "AWS::SageMaker::Pipeline" in template and "churn-training" in template
    assert "lineage:code-version" in template and "evaluation.json" in template
    # Its checkpoints and outputs are per execution (the rule the builder applies at synth, on what it emitted).
    (pipeline,) = [r for r in json.loads(template)["Resources"].values() if r["Type"] == "AWS::SageMaker::Pipeline"]
    definition = definition_from_template(pipeline["Properties"]["PipelineDefinition"]["PipelineDefinitionBody"])
    assert {s.argument for s in run_state(definition["Steps"])} >= {"job.checkpoint_s3_uri"}
    assert shared_state(definition) == []


def test_readme_security_example_synthesizes(tmp_path, monkeypatch):
    app = new_app(outdir=str(tmp_path))
    monkeypatch.setattr(cdk, "App", lambda: app)
    namespace: dict = {}
    exec(
        compile(_example("## Security: network perimeter, service principals and keys"), "README.md", "exec"), namespace
    )
    template = (tmp_path / "Perimeter.template.json").read_text()
    assert "aws:PrincipalOrgID" in template and "shared-datasets" in template
    assert "alarm:ml-platform-*" in template
    assert "AllowCloudTrailToEncryptLogs" in template and "kms:EncryptionContext:aws:logs:arn" in template


def test_readme_foundations_example_synthesizes(tmp_path, monkeypatch):
    app = new_app(outdir=str(tmp_path))
    monkeypatch.setattr(cdk, "App", lambda: app)
    namespace: dict = {}
    exec(compile(_example("### Foundations are aws-cdk-lib's own types"), "README.md", "exec"), namespace)
    resources = json.loads((tmp_path / "Foundations.template.json").read_text())["Resources"]
    key_id = next(lid for lid, r in resources.items() if r["Type"] == "AWS::KMS::Key" and lid.startswith("Key"))
    bucket_id = next(lid for lid, r in resources.items() if r["Type"] == "AWS::S3::Bucket" and lid.startswith("Data"))
    by_type = {r["Type"]: r["Properties"] for r in resources.values()}
    assert by_type["AWS::SQS::Queue"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert by_type["AWS::Lambda::Function"]["Code"]["S3Bucket"] == {"Ref": bucket_id}
    topic_id = next(lid for lid, r in resources.items() if r["Type"] == "AWS::SNS::Topic")
    assert by_type["AWS::CloudWatch::Alarm"]["AlarmActions"] == [{"Ref": topic_id}]


def test_readme_values_example_runs(capsys):
    namespace: dict = {}
    exec(compile(_example("### Values: instance types, enums and API limits"), "README.md", "exec"), namespace)
    assert "botocore InstanceType" in capsys.readouterr().out
    template = cdk.assertions.Template.from_stack(namespace["stack"]).to_json()
    (config,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::SageMaker::EndpointConfig"]
    assert config["Properties"]["ProductionVariants"][0]["InstanceType"] == {"Ref": "InstanceType"}


def test_readme_check_steps_example_renders_a_valid_definition():
    from tests.sagemaker_contract import definition_api_problems, schema_errors

    namespace: dict = {}
    exec(compile(_example("### Check steps: baselines the pipeline computes"), "README.md", "exec"), namespace)
    definition = namespace["definition"]
    assert definition_api_problems(definition) == []
    assert schema_errors(definition) == []
    register = [s for s in definition["Steps"] if s["Name"] == "Register"][0]["Arguments"]
    assert register["DriftCheckBaselines"]["ModelDataQuality"]["Constraints"]["S3Uri"] == {
        "Get": "Steps.DataQuality.BaselineUsedForDriftCheckConstraints"
    }
    assert namespace["data_bias"].analysis_config()["facet"] == [{"name_or_index": "age", "value_or_threshold": [40]}]
