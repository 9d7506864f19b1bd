"""Code from local files: ``Code.from_asset`` / ``from_bucket`` and script mode (``ScriptSource``) for
processing and training steps, uploaded by CDK's asset machinery and read by the step's role.

One app is synthesized for the module: a pipeline with a processing script from a local file, a
script-mode processing step and a script-mode training step from a local folder."""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from constructs_lib import (
    SKLEARN_REPOSITORY,
    XGBOOST_REPOSITORY,
    Code,
    ConstructValidationError,
    ContainerImage,
    EncryptionKey,
    JobRole,
    MlPipeline,
    S3Location,
    ScriptSource,
    SecureBucket,
    sklearn_image_uri,
    xgboost_image_uri,
)
from constructs_lib._core.packaging import tar_gz_bytes
from constructs_lib.foundation._runtime_contracts import check_templates
from constructs_lib.training.pipeline import (
    IntegerRange,
    MetricDefinition,
    PipelineDefinition,
    ProcessingOutput,
    ProcessingStep,
    TrainingChannel,
    TrainingJob,
    TrainingStep,
    TuningObjective,
    TuningStep,
)
from tests.conftest import new_app, new_stack
from tests.constructs_lib.assets import file_assets, published
from tests.constructs_lib.pipeline.conftest import assert_valid


def write_source(folder: Path, *, requirements: str | None = "scikit-learn==1.4.2\n") -> Path:
    (folder / "lib").mkdir(parents=True, exist_ok=True)
    (folder / "train.py").write_text("import lib.helpers\nprint('training')\n")
    (folder / "lib" / "helpers.py").write_text("VALUE = 1\n")
    if requirements is not None:
        (folder / "requirements.txt").write_text(requirements)
    return folder


def resolved(node: Any) -> Any:
    """A ``PipelineDefinitionBody`` (``Fn::Join`` of text and references) as JSON, references as ``REF``."""
    if isinstance(node, dict) and "Fn::Join" in node:
        return json.loads("".join(p if isinstance(p, str) else "REF" for p in node["Fn::Join"][1]))
    return json.loads(node)


class Built:
    def __init__(self, root: Path) -> None:
        self.source = write_source(root / "src")
        self.script = root / "preprocess.py"
        self.script.write_text("print('preprocess')\n")
        app = new_app(outdir=str(root / "cdk.out"))
        stack = new_stack(app)
        key = EncryptionKey(stack, "Key")
        bucket = SecureBucket(stack, "Work", encryption_key=key)
        work = S3Location(bucket, "work/")
        self.role = JobRole(
            stack,
            "JobRole",
            job_kinds=["processing", "training"],
            inputs=[work],
            outputs=[work],
            encryption_keys=[key],
            aws_image_repositories=[SKLEARN_REPOSITORY, XGBOOST_REPOSITORY],
        )
        prepare = ProcessingStep(
            "Prepare",
            role=self.role,
            image=ContainerImage.from_uri(sklearn_image_uri("eu-west-1")),
            instance_type="ml.m5.xlarge",
            code=Code.from_asset(str(self.script)),
            outputs=[ProcessingOutput("train", work.child("train/"))],
        )
        features = ProcessingStep(
            "Features",
            role=self.role,
            image=ContainerImage.from_uri(sklearn_image_uri("eu-west-1")),
            instance_type="ml.m5.xlarge",
            source=ScriptSource(entry_point="train.py", source_dir=str(self.source)),
            arguments=["--days", 30],
            enable_network_isolation=False,
        )
        train = TrainingStep(
            "Train",
            job=TrainingJob(
                role=self.role,
                image=ContainerImage.from_uri(xgboost_image_uri("eu-west-1")),
                instance_type="ml.m5.xlarge",
                output_path=work.child("models/"),
                channels=[TrainingChannel("train", prepare.outputs["train"], content_type="text/csv")],
                hyperparameters={"epochs": 10, "optimizer": "adam", "dropout": 0.1, "shuffle": True},
                source=ScriptSource(entry_point="train.py", source_dir=str(self.source), container_log_level=10),
                enable_network_isolation=False,
            ),
        )
        self.definition = PipelineDefinition(steps=[prepare, features, train])
        self.pipeline = MlPipeline(stack, "Pipeline", pipeline_name="code-assets", definition=self.definition)
        self.assembly = app.synth()
        self.stack = stack
        self.template = Template.from_stack(stack).to_json()
        body = next(r for r in self.template["Resources"].values() if r["Type"] == "AWS::SageMaker::Pipeline")[
            "Properties"
        ]["PipelineDefinition"]["PipelineDefinitionBody"]
        self.steps = {s["Name"]: s["Arguments"] for s in resolved(body)["Steps"]}
        self.assets = file_assets(self.assembly.directory)
        self.published = published(self.assembly.directory)

    def asset_key(self, suffix: str) -> str:
        return next(k for k in self.published if k.endswith(suffix))

    def statements(self) -> list[dict[str, Any]]:
        policies = [
            r
            for k, r in self.template["Resources"].items()
            if r["Type"] == "AWS::IAM::ManagedPolicy" and "JobRole" in k
        ]
        return [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return Built(tmp_path_factory.mktemp("code-assets"))


# --- script-mode training --------------------------------------------------------------------------


def test_script_mode_training_sets_program_submit_directory_region_and_log_level(built: Built):
    key = built.asset_key(".gz")
    hyperparameters = built.steps["Train"]["HyperParameters"]
    assert hyperparameters == {
        "epochs": "10",
        "optimizer": '"adam"',
        "dropout": "0.1",
        "shuffle": "true",
        "sagemaker_program": '"train.py"',
        "sagemaker_submit_directory": f'"/opt/ml/input/data/code/{key}"',
        "sagemaker_region": '"REF"',
        "sagemaker_container_log_level": "10",
    }
    # every literal is JSON, as the training toolkit decodes them
    assert json.loads(hyperparameters["dropout"]) == 0.1 and json.loads(hyperparameters["shuffle"]) is True


def test_script_mode_training_gets_its_source_folder_as_the_code_channel(built: Built):
    channels = {c["ChannelName"]: c for c in built.steps["Train"]["InputDataConfig"]}
    assert channels["code"] == {
        "ChannelName": "code",
        "DataSource": {
            "S3DataSource": {
                "S3DataType": "S3Prefix",
                "S3Uri": f"s3://REF/{built.asset_key('.gz')}",
                "S3DataDistributionType": "FullyReplicated",
            }
        },
        "InputMode": "File",
    }
    assert list(channels) == ["train", "code"]


def test_the_source_folder_is_a_file_asset_of_the_stack_in_its_manifest(built: Built):
    key = built.asset_key(".gz")
    asset = next(a for a in built.assets.values() if any(d["objectKey"] == key for d in a["destinations"].values()))
    assert asset["source"]["packaging"] == "file"
    with tarfile.open(built.published[key], "r:gz") as archive:
        assert sorted(archive.getnames()) == ["lib", "lib/helpers.py", "requirements.txt", "train.py"]
    destination = next(iter(asset["destinations"].values()))
    assert destination["bucketName"] == "cdk-hnb659fds-assets-${AWS::AccountId}-eu-west-1"


def test_the_script_file_is_a_file_asset_uploaded_as_it_is(built: Built):
    assert built.published[built.asset_key(".py")].read_text() == built.script.read_text()


def test_the_job_role_may_read_exactly_the_uploaded_objects(built: Built):
    bucket = {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-eu-west-1"}
    keys = sorted([built.asset_key(".gz"), built.asset_key(".py")])
    reads = [s for s in built.statements() if s["Action"] == "s3:GetObject"]
    granted = sorted(
        part for s in reads for r in s["Resource"] for part in r["Fn::Join"][1] if part in [f"/{k}" for k in keys]
    )
    assert granted == [f"/{k}" for k in keys]
    assert all(r["Fn::Join"][1][1] == bucket for s in reads for r in s["Resource"])
    lists = [s for s in built.statements() if s["Action"] == "s3:ListBucket" and "cdk-" in json.dumps(s)]
    assert sorted(p for s in lists for p in s["Condition"]["StringLike"]["s3:prefix"]) == keys


def test_the_run_time_contracts_find_every_call_of_the_jobs_allowed(built: Built):
    assert check_templates(s.template_full_path for s in built.assembly.stacks) == []


def test_the_definition_matches_the_sagemaker_api(built: Built):
    assert_valid(built.definition.render(built.pipeline))


# --- processing ------------------------------------------------------------------------------------


def test_a_processing_script_from_a_local_file_is_run_from_the_code_input(built: Built):
    key = built.asset_key(".py")
    args = built.steps["Prepare"]
    assert args["AppSpecification"]["ContainerEntrypoint"] == ["python3", f"/opt/ml/processing/input/code/{key}"]
    code = next(i for i in args["ProcessingInputs"] if i["InputName"] == "code")
    assert code["S3Input"]["S3Uri"] == f"s3://REF/{key}"
    assert code["S3Input"]["LocalPath"] == "/opt/ml/processing/input/code"


def test_script_mode_processing_unpacks_installs_requirements_and_runs_the_entry_point(built: Built):
    key = built.asset_key(".gz")
    app_spec = built.steps["Features"]["AppSpecification"]
    assert app_spec["ContainerEntrypoint"] == [
        "/bin/sh",
        "-c",
        f"set -e; cd /opt/ml/processing/input/code; tar -xzf {key}; "
        'if [ -f requirements.txt ]; then pip install -r requirements.txt; fi; exec python3 train.py "$@"',
        "runproc",
    ]
    assert app_spec["ContainerArguments"] == ["--days", "30"]
    code = next(i for i in built.steps["Features"]["ProcessingInputs"] if i["InputName"] == "code")
    assert code["S3Input"]["S3Uri"] == f"s3://REF/{key}"


def test_the_processing_runner_works_in_a_shell(built: Built, tmp_path: Path):
    """The entrypoint's script, run by /bin/sh in a copy of the code input (pip replaced by a stub)."""
    key = built.asset_key(".gz")
    code = tmp_path / "opt/ml/processing/input/code"
    code.mkdir(parents=True)
    (code / key).write_bytes(built.published[key].read_bytes())
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pip").write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/pip-args\n')
    (bin_dir / "python3").write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/python-args\n')
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    script = built.steps["Features"]["AppSpecification"]["ContainerEntrypoint"][2]
    script = script.replace("/opt/ml/processing/input/code", str(code))
    subprocess.run(
        ["/bin/sh", "-c", script, "runproc", "--days", "30"],
        check=True,
        env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"},
    )
    assert (tmp_path / "pip-args").read_text().split() == ["install", "-r", "requirements.txt"]
    assert (tmp_path / "python-args").read_text().split() == ["train.py", "--days", "30"]
    assert (code / "lib" / "helpers.py").is_file()


# --- hashes ----------------------------------------------------------------------------------------


def test_the_archive_is_the_same_bytes_whatever_the_mtimes_modes_and_caches(tmp_path: Path):
    first = write_source(tmp_path / "a")
    second = write_source(tmp_path / "b")
    os.utime(second / "train.py", (1_000_000_000, 1_000_000_000))
    (second / "__pycache__").mkdir()
    (second / "__pycache__" / "train.cpython-311.pyc").write_bytes(b"\0cache")
    (second / "lib" / "helpers.pyc").write_bytes(b"\0cache")
    assert tar_gz_bytes(first) == tar_gz_bytes(second)
    assert tar_gz_bytes(first) == tar_gz_bytes(first)


def test_the_archive_changes_when_a_file_changes(tmp_path: Path):
    folder = write_source(tmp_path / "src")
    before = tar_gz_bytes(folder)
    (folder / "lib" / "helpers.py").write_text("VALUE = 2\n")
    assert tar_gz_bytes(folder) != before


def _submit_directory(source: Path) -> str:
    app = new_app()
    stack = new_stack(app)
    role = JobRole(stack, "Role", job_kinds=["training"], aws_image_repositories=[XGBOOST_REPOSITORY])
    job = TrainingJob(
        role=role,
        image=ContainerImage.from_uri(xgboost_image_uri("eu-west-1")),
        instance_type="ml.m5.xlarge",
        output_path="s3://artifacts/models/",
        source=ScriptSource(entry_point="train.py", source_dir=str(source)),
        enable_network_isolation=False,
    )
    pipeline = MlPipeline(
        stack, "P", pipeline_name="p", definition=PipelineDefinition(steps=[TrainingStep("T", job=job)])
    )
    return pipeline.definition.render(pipeline)["Steps"][0]["Arguments"]["HyperParameters"][
        "sagemaker_submit_directory"
    ]


def test_a_changed_file_changes_the_pipeline_definition_and_an_unchanged_one_does_not(tmp_path: Path):
    folder = write_source(tmp_path / "src")
    first = _submit_directory(folder)
    assert _submit_directory(write_source(tmp_path / "copy")) == first  # same files elsewhere: same hash
    (folder / "train.py").write_text("print('training, better')\n")
    assert _submit_directory(folder) != first


# --- validation ------------------------------------------------------------------------------------


def _render(step: Any) -> None:
    app = new_app()
    stack = new_stack(app)
    MlPipeline(stack, "P", pipeline_name="p", definition=PipelineDefinition(steps=[step]))


def _job(role: Any, source: ScriptSource, **changes: Any) -> TrainingJob:
    options: dict[str, Any] = dict(
        role=role,
        image=ContainerImage.from_uri(xgboost_image_uri("eu-west-1")),
        instance_type="ml.m5.xlarge",
        output_path="s3://artifacts/models/",
        source=source,
        enable_network_isolation=False,
    )
    options.update(changes)
    return TrainingJob(**options)


@pytest.fixture(scope="module")
def source_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_source(tmp_path_factory.mktemp("source"))


@pytest.fixture(scope="module")
def offline_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_source(tmp_path_factory.mktemp("offline"), requirements="--no-index --find-links wheels\npandas\n")


def test_script_mode_refuses_the_hyperparameters_it_sets(built: Built, source_folder: Path):
    source = ScriptSource(entry_point="train.py", source_dir=str(source_folder))
    job = _job(
        built.role, source, hyperparameters={"sagemaker_program": "x.py", "sagemaker_submit_directory": "s3://b/k"}
    )
    with pytest.raises(ConstructValidationError) as error:
        _render(TrainingStep("T", job=job))
    message = str(error.value)
    assert "job.hyperparameters" in message and "['sagemaker_program', 'sagemaker_submit_directory']" in message
    assert "are set by source (ScriptSource): leave them out" in message


def test_script_mode_with_requirements_in_a_network_isolated_job_fails_at_synth(built: Built, source_folder: Path):
    source = ScriptSource(entry_point="train.py", source_dir=str(source_folder))
    with pytest.raises(
        ConstructValidationError, match=r"job.source \(requirements.txt\).*cannot reach a package index"
    ):
        _render(TrainingStep("T", job=_job(built.role, source, enable_network_isolation=True)))
    step = ProcessingStep(
        "P",
        role=built.role,
        image=ContainerImage.from_uri(sklearn_image_uri("eu-west-1")),
        instance_type="ml.m5.xlarge",
        source=source,
    )
    with pytest.raises(ConstructValidationError, match=r"source \(requirements.txt\).*--no-index"):
        _render(step)


def test_offline_requirements_run_in_a_network_isolated_job(built: Built, offline_folder: Path):
    source = ScriptSource(entry_point="train.py", source_dir=str(offline_folder))
    _render(TrainingStep("T", job=_job(built.role, source, enable_network_isolation=True)))


def test_script_mode_needs_an_image_and_its_own_code_channel(built: Built, source_folder: Path):
    source = ScriptSource(entry_point="train.py", source_dir=str(source_folder))
    job = _job(
        built.role,
        source,
        image=None,
        algorithm_name="arn:aws:sagemaker:eu-west-1:123456789012:algorithm/x",
        channels=[TrainingChannel("code", "s3://data/code/")],
    )
    with pytest.raises(ConstructValidationError) as error:
        _render(TrainingStep("T", job=job))
    assert "needs a framework image" in str(error.value)
    assert "must not use the name 'code'" in str(error.value)


def test_a_processing_step_takes_code_or_source_and_no_entrypoint_with_source(built: Built, source_folder: Path):
    step = ProcessingStep(
        "P",
        role=built.role,
        image=ContainerImage.from_uri(sklearn_image_uri("eu-west-1")),
        instance_type="ml.m5.xlarge",
        code=Code.from_asset(str(source_folder)),
        enable_network_isolation=False,
    )
    with pytest.raises(ConstructValidationError, match="must be a script file; for a folder give source=ScriptSource"):
        _render(step)
    step = ProcessingStep(
        "P",
        role=built.role,
        image=ContainerImage.from_uri(sklearn_image_uri("eu-west-1")),
        instance_type="ml.m5.xlarge",
        source=ScriptSource(entry_point="train.py", source_dir=str(source_folder)),
        code="s3://b/code/x.py",
        entrypoint=["python3", "x.py"],
        enable_network_isolation=False,
    )
    with pytest.raises(ConstructValidationError) as error:
        _render(step)
    assert "give code or source, not both" in str(error.value) and "is set by source" in str(error.value)


def test_a_script_source_checks_its_folder_and_entry_point(source_folder: Path, tmp_path: Path):
    with pytest.raises(ConstructValidationError, match="entry_point.*must be a file of source_dir"):
        ScriptSource(entry_point="missing.py", source_dir=str(source_folder))
    with pytest.raises(ConstructValidationError, match="without '..'"):
        ScriptSource(entry_point="../train.py", source_dir=str(source_folder))
    with pytest.raises(ConstructValidationError, match="must be an existing local file or folder"):
        ScriptSource(entry_point="train.py", source_dir=str(tmp_path / "nowhere"))
    with pytest.raises(ConstructValidationError, match="must be a folder"):
        ScriptSource(entry_point="train.py", source_dir=Code.from_asset(str(source_folder / "train.py")))
    with pytest.raises(ConstructValidationError, match="container_log_level"):
        ScriptSource(entry_point="train.py", source_dir=str(source_folder), container_log_level=15)


def test_a_definition_rendered_without_its_pipeline_names_the_asset_to_upload(built: Built, source_folder: Path):
    source = ScriptSource(entry_point="train.py", source_dir=str(source_folder))
    definition = PipelineDefinition(steps=[TrainingStep("T", job=_job(built.role, source))])
    with pytest.raises(ConstructValidationError, match="is uploaded by the MlPipeline that defines step 'T'"):
        definition.render()


# --- code in S3 and tuning -------------------------------------------------------------------------


def test_code_in_a_bucket_is_read_by_the_role_and_named_by_the_step():
    app = new_app()
    stack = new_stack(app)
    key = EncryptionKey(stack, "Key")
    bucket = SecureBucket(stack, "Code", encryption_key=key)
    role = JobRole(stack, "Role", job_kinds=["processing"], aws_image_repositories=[SKLEARN_REPOSITORY])
    step = ProcessingStep(
        "P",
        role=role,
        image=ContainerImage.from_uri(sklearn_image_uri("eu-west-1")),
        instance_type="ml.m5.xlarge",
        code=Code.from_bucket(bucket, "scripts/prepare.py"),
    )
    pipeline = MlPipeline(stack, "Pipeline", pipeline_name="p", definition=PipelineDefinition(steps=[step]))
    arguments = pipeline.definition.render(pipeline)["Steps"][0]["Arguments"]
    assert arguments["AppSpecification"]["ContainerEntrypoint"] == [
        "python3",
        "/opt/ml/processing/input/code/prepare.py",
    ]
    assembly = app.synth()
    assert check_templates(s.template_full_path for s in assembly.stacks) == []
    document = json.dumps(Template.from_stack(stack).to_json())
    assert '"/scripts/prepare.py*"' in document and '"kms:Decrypt"' in document


def test_code_from_bucket_must_name_an_object():
    app = new_app()
    bucket = SecureBucket(new_stack(app), "Code")
    with pytest.raises(ConstructValidationError, match="must be an object key"):
        Code.from_bucket(bucket, "scripts/")


def test_a_tuning_job_in_script_mode_passes_the_source_as_static_hyperparameters(built: Built, source_folder: Path):
    app = new_app()
    stack = new_stack(app)
    role = JobRole(stack, "Role", job_kinds=["tuning"], aws_image_repositories=[XGBOOST_REPOSITORY])
    source = ScriptSource(entry_point="train.py", source_dir=str(source_folder))
    job = _job(role, source, metric_definitions=[MetricDefinition("validation:auc", r"auc=([0-9.]+)")])
    step = TuningStep(
        "Tune",
        job=job,
        objective=TuningObjective("validation:auc"),
        ranges=[IntegerRange("epochs", 1, 20)],
        max_jobs=2,
        max_parallel_jobs=1,
    )
    pipeline = MlPipeline(stack, "Pipeline", pipeline_name="p", definition=PipelineDefinition(steps=[step]))
    definition = pipeline.definition.render(pipeline)["Steps"][0]["Arguments"]["TrainingJobDefinition"]
    assert json.loads(definition["StaticHyperParameters"]["sagemaker_program"]) == "train.py"
    assert [c["ChannelName"] for c in definition["InputDataConfig"]] == ["code"]


def test_a_processing_entry_point_too_long_for_the_api_fails_at_synth(built: Built, tmp_path: Path):
    folder = tmp_path / "src"
    deep = folder / ("a" * 60) / ("b" * 60)
    deep.mkdir(parents=True)
    (deep / "run.py").write_text("print('deep')\n")
    step = ProcessingStep(
        "P",
        role=built.role,
        image=ContainerImage.from_uri(sklearn_image_uri("eu-west-1")),
        instance_type="ml.m5.xlarge",
        source=ScriptSource(entry_point=f"{'a' * 60}/{'b' * 60}/run.py", source_dir=str(folder)),
    )
    with pytest.raises(ConstructValidationError, match=r"at most 256 \(botocore ContainerEntrypointString\)"):
        _render(step)


def test_a_folder_leaves_out_caches_and_what_exclude_names(tmp_path: Path):
    folder = write_source(tmp_path / "src", requirements=None)
    (folder / ".venv" / "lib").mkdir(parents=True)
    (folder / ".venv" / "lib" / "site.py").write_text("x = 1\n")
    (folder / "data").mkdir()
    (folder / "data" / "big.csv").write_text("1,2\n")
    (folder / "notes.md").write_text("notes\n")
    archive = Code.from_asset(str(folder), exclude=["data", "*.md"])
    assert archive.has_file("train.py") and archive.has_file("lib/helpers.py")
    assert not archive.has_file("notes.md") and not archive.has_file("data/big.csv")
    with tarfile.open(fileobj=io.BytesIO(tar_gz_bytes(folder, ["data", "*.md"])), mode="r:gz") as tar:
        assert tar.getnames() == ["lib", "lib/helpers.py", "train.py"]
        assert {m.mtime for m in tar.getmembers()} == {315532800}
        assert {(m.uid, m.gid, m.uname, m.gname) for m in tar.getmembers()} == {(0, 0, "", "")}
