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


def test_readme_values_example_runs(capsys, tmp_path, monkeypatch):
    app = new_app(outdir=str(tmp_path))  # without the built-in template validation, as above
    monkeypatch.setattr(cdk, "App", lambda: app)
    namespace: dict = {}
    exec(compile(_example("### Values: instance types, enums and API limits"), "README.md", "exec"), namespace)
    assert "botocore InstanceType" in capsys.readouterr().out
    template = cdk.assertions.Template.from_stack(namespace["stack"]).to_json()
    (config,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::SageMaker::EndpointConfig"]
    assert config["Properties"]["ProductionVariants"][0]["InstanceType"] == {"Ref": "InstanceType"}


def _local_files(root) -> None:
    """The files the README's local-file examples name, in ``root`` (their working directory)."""
    import io
    import tarfile

    (root / "scripts").mkdir()
    (root / "scripts" / "prepare.py").write_text("print('prepare')\n")
    (root / "model").mkdir()
    with tarfile.open(root / "model" / "model.tar.gz", "w:gz") as archive:
        info = tarfile.TarInfo("xgboost-model")
        info.size = 7
        archive.addfile(info, io.BytesIO(b"booster"))
    (root / "baselines").mkdir()
    (root / "baselines" / "constraints.json").write_text('{"version": 0.0, "features": []}')
    (root / "baselines" / "statistics.json").write_text('{"version": 0.0, "features": []}')
    (root / "src").mkdir()
    (root / "src" / "train.py").write_text("print('train')\n")


def _run_in_local_files(tmp_path, monkeypatch, heading: str) -> tuple:
    """Run the example under ``heading`` in a folder holding the files it names: (cdk.out, its names)."""
    out = tmp_path / "cdk.out"
    app = new_app(outdir=str(out))
    monkeypatch.setattr(cdk, "App", lambda: app)
    _local_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(_example(heading), "README.md", "exec"), namespace)
    return out, namespace


def test_readme_local_files_example_synthesizes(tmp_path, monkeypatch):
    out, namespace = _run_in_local_files(tmp_path, monkeypatch, "### Code and artifacts from local files")
    assets = json.loads((out / "LocalFiles.assets.json").read_text())["files"]
    sources = sorted((out / a["source"]["path"]).read_bytes() for a in assets.values() if "Code" in a["displayName"])
    assert sources == [b"print('prepare')\n"]
    assert any("ModelData" in a["displayName"] for a in assets.values())
    _assert_pulls_sklearn(out / "LocalFiles.template.json")
    baseline = namespace["data_quality"].baseline
    assert baseline.constraints_file == str(tmp_path / "baselines" / "constraints.json")


def test_readme_script_mode_example_synthesizes(tmp_path, monkeypatch):
    out, _ = _run_in_local_files(tmp_path, monkeypatch, "### Script mode: a framework image runs your folder")
    template = json.loads((out / "ScriptMode.template.json").read_text())
    (pipeline,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::SageMaker::Pipeline"]
    definition = definition_from_template(pipeline["Properties"]["PipelineDefinition"]["PipelineDefinitionBody"])
    hyperparameters = definition["Steps"][0]["Arguments"]["HyperParameters"]
    assert hyperparameters["sagemaker_program"] == '"train.py"' and hyperparameters["n-estimators"] == "200"
    assert [c["ChannelName"] for c in definition["Steps"][0]["Arguments"]["InputDataConfig"]] == ["train", "code"]
    _assert_pulls_sklearn(out / "ScriptMode.template.json")


def _assert_pulls_sklearn(template_path) -> None:
    """The examples' job roles name no image repository: MlPipeline grants the pull of the step's image."""
    resources = json.loads(template_path.read_text())["Resources"]
    statements = [
        statement
        for r in resources.values()
        if r["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy")
        for statement in r["Properties"]["PolicyDocument"]["Statement"]
    ]
    pulls = [s for s in statements if "ecr:BatchGetImage" in s["Action"]]
    assert any("repository/sagemaker-scikit-learn" in json.dumps(s["Resource"]) for s in pulls), pulls


def test_readme_large_models_example_synthesizes(tmp_path, monkeypatch):
    app = new_app(outdir=str(tmp_path))
    monkeypatch.setattr(cdk, "App", lambda: app)
    exec(compile(_example("### Training large models"), "README.md", "exec"), {})
    resources = json.loads((tmp_path / "LargeModels.template.json").read_text())["Resources"]
    (pipeline,) = [r for r in resources.values() if r["Type"] == "AWS::SageMaker::Pipeline"]
    definition = definition_from_template(pipeline["Properties"]["PipelineDefinition"]["PipelineDefinitionBody"])
    finetune, hetero = (step["Arguments"] for step in definition["Steps"])
    assert finetune["HyperParameters"]["sagemaker_torch_distributed_enabled"] == "true"
    assert finetune["ResourceConfig"]["KeepAlivePeriodInSeconds"] == 1800
    assert {r["RuleConfigurationName"] for r in finetune["DebugRuleConfigurations"]} == {
        "LossNotDecreasing",
        "VanishingGradient",
    }
    assert finetune["ProfilerRuleConfigurations"][0]["RuleEvaluatorImage"].startswith("929884845733.dkr.ecr.eu-west-1")
    assert [g["InstanceGroupName"] for g in hetero["ResourceConfig"]["InstanceGroups"]] == ["gpu", "cpu"]
    assert hetero["HyperParameters"]["sagemaker_distribution_instance_groups"] == '["gpu"]'
    policies = json.dumps([r for r in resources.values() if r["Type"] == "AWS::IAM::ManagedPolicy"])
    assert "llm/debug/*" in policies and "llm/tensorboard/*" in policies and "llm/profiler/*" in policies


def test_readme_more_step_types_example_synthesizes(tmp_path, monkeypatch):
    app = new_app(outdir=str(tmp_path))
    monkeypatch.setattr(cdk, "App", lambda: app)
    namespace: dict = {}
    exec(compile(_example("### More step types, experiments and MLflow"), "README.md", "exec"), namespace)
    resources = json.loads((tmp_path / "AutoMl.template.json").read_text())["Resources"]
    (pipeline,) = [r for r in resources.values() if r["Type"] == "AWS::SageMaker::Pipeline"]
    definition = definition_from_template(pipeline["Properties"]["PipelineDefinition"]["PipelineDefinitionBody"])
    assert [s["Type"] for s in definition["Steps"]] == ["EMR", "AutoML", "Model", "EndpointConfig", "Endpoint"]
    assert definition["PipelineExperimentConfig"]["TrialName"] == {"Get": "Execution.PipelineExecutionId"}
    assert "sagemaker-mlflow:LogMetric" in json.dumps(resources)


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
