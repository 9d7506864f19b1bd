"""Monitoring baselines from local files: ``MonitoringBaseline.from_asset`` for data quality (constraints
and statistics) and for the constraints-only monitors, uploaded as file assets and read by the
monitor's role. One app (with the compliance packs and the run-time contracts) for the module."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from constructs_lib import (
    BiasDriftMonitorOptions,
    ConstructValidationError,
    DataCaptureOptions,
    DataQualityMonitorOptions,
    ModelMonitor,
    ModelQualityMonitorOptions,
    MonitoringBaseline,
    PrivateNetwork,
    ProblemType,
    SecureBucket,
)
from constructs_lib.foundation._runtime_contracts import check_templates
from tests.conftest import compliance_app, nag_findings, new_stack
from tests.constructs_lib.assets import published
from tests.constructs_lib.fakes import FakeEndpoint

ZONES = ["eu-west-1a", "eu-west-1b"]
ASSETS_BUCKET = {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-eu-west-1"}


def write_baseline(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    constraints = folder / "constraints.json"
    constraints.write_text(json.dumps({"version": 0.0, "features": [{"name": "_c1", "inferred_type": "Fractional"}]}))
    statistics = folder / "statistics.json"
    statistics.write_text(json.dumps({"version": 0.0, "dataset": {"item_count": 100}, "features": []}))
    return constraints, statistics


class Built:
    def __init__(self, root: Path) -> None:
        constraints, statistics = write_baseline(root / "baseline")
        model_constraints = root / "model-quality" / "constraints.json"
        model_constraints.parent.mkdir()
        model_constraints.write_text(json.dumps({"version": 0.0, "binary_classification_constraints": {}}))
        self.app = compliance_app()
        stack = new_stack(self.app)
        network = PrivateNetwork(stack, "Net", availability_zones=ZONES)
        bucket = SecureBucket(stack, "Data")
        endpoint = FakeEndpoint(stack, "Endpoint", data_capture=DataCaptureOptions(bucket=bucket))
        ModelMonitor(
            stack,
            "Monitor",
            endpoint=endpoint,
            network=network,
            data_quality=DataQualityMonitorOptions(
                baseline=MonitoringBaseline.from_asset(constraints=str(constraints), statistics=str(statistics))
            ),
            model_quality=ModelQualityMonitorOptions(
                problem_type=ProblemType.BINARY_CLASSIFICATION,
                ground_truth_s3_uri=bucket.s3_url_for_object("ground-truth/"),
                inference_attribute="0",
                baseline=MonitoringBaseline.from_asset(constraints=str(model_constraints)),
            ),
        )
        self.findings = nag_findings(self.app)
        self.assembly = self.app.synth()
        self.template = Template.from_stack(stack).to_json()
        self.published = published(self.assembly.directory)
        self.sources = {"constraints": constraints, "statistics": statistics, "model": model_constraints}

    def job(self, resource_type: str) -> dict[str, Any]:
        return next(r["Properties"] for r in self.template["Resources"].values() if r["Type"] == resource_type)

    def staged(self, key: str) -> Path:
        return self.published[key]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return Built(tmp_path_factory.mktemp("baseline"))


def _key(uri: Any) -> str:
    prefix = "s3://cdk-hnb659fds-assets-${AWS::AccountId}-eu-west-1/"
    assert uri["Fn::Sub"].startswith(prefix)
    return uri["Fn::Sub"].removeprefix(prefix)


def test_data_quality_baseline_files_are_uploaded_and_named_by_the_job(built: Built):
    config = built.job("AWS::SageMaker::DataQualityJobDefinition")["DataQualityBaselineConfig"]
    constraints = _key(config["ConstraintsResource"]["S3Uri"])
    statistics = _key(config["StatisticsResource"]["S3Uri"])
    assert built.staged(constraints).read_text() == built.sources["constraints"].read_text()
    assert built.staged(statistics).read_text() == built.sources["statistics"].read_text()


def test_a_constraints_only_monitor_takes_its_constraints_from_a_local_file(built: Built):
    config = built.job("AWS::SageMaker::ModelQualityJobDefinition")["ModelQualityBaselineConfig"]
    key = _key(config["ConstraintsResource"]["S3Uri"])
    assert built.staged(key).read_text() == built.sources["model"].read_text()


def test_the_monitor_role_may_read_exactly_the_uploaded_files(built: Built):
    statements = [
        s
        for r in built.template["Resources"].values()
        if r["Type"] == "AWS::IAM::ManagedPolicy"
        for s in r["Properties"]["PolicyDocument"]["Statement"]
        if "Baseline" not in s.get("Sid", "") and json.dumps(ASSETS_BUCKET) in json.dumps(s)
    ]
    assert sorted(s["Sid"] for s in statements) == [
        "ReadDataQualityConstraints",
        "ReadDataQualityStatistics",
        "ReadModelQualityConstraints",
    ]
    for statement in statements:
        assert statement["Action"] == "s3:GetObject"
        assert not statement["Resource"]["Fn::Join"][1][-1].endswith("*")


def test_the_monitor_is_compliant_and_its_jobs_can_read_the_baselines(built: Built):
    assert built.findings == []
    assert check_templates(s.template_full_path for s in built.assembly.stacks) == []


def test_a_baseline_file_must_be_local_json(tmp_path: Path):
    bad = tmp_path / "constraints.json"
    bad.write_text("{not json")
    with pytest.raises(ConstructValidationError, match="must be an existing local JSON file"):
        MonitoringBaseline.from_asset(constraints=str(bad))
    with pytest.raises(ConstructValidationError, match="give at least one file"):
        MonitoringBaseline.from_asset()


def test_a_constraints_only_monitor_refuses_statistics_and_two_baselines(tmp_path: Path):
    constraints, statistics = write_baseline(tmp_path)
    stack = new_stack()
    bucket = SecureBucket(stack, "Data")
    endpoint = FakeEndpoint(stack, "Endpoint", data_capture=DataCaptureOptions(bucket=bucket))
    with pytest.raises(ConstructValidationError) as error:
        ModelMonitor(
            stack,
            "Monitor",
            endpoint=endpoint,
            network=PrivateNetwork(stack, "Net", availability_zones=ZONES),
            bias_drift=BiasDriftMonitorOptions(
                analysis_config_s3_uri=bucket.s3_url_for_object("clarify/bias.json"),
                ground_truth_s3_uri=bucket.s3_url_for_object("ground-truth/"),
                baseline_constraints_s3_uri=bucket.s3_url_for_object("clarify/analysis.json"),
                baseline=MonitoringBaseline.from_asset(constraints=str(constraints), statistics=str(statistics)),
            ),
        )
    message = str(error.value)
    assert "bias_drift.baseline" in message and "give baseline or baseline_constraints_s3_uri, not both" in message
    assert "bias_drift.baseline.statistics" in message and "applies to data quality only" in message
