"""The new-data starter (``constructs_lib/retraining_handler/handler.py``) against moto's SageMaker."""

import json
import logging

import boto3
import pytest
from moto import mock_aws

from constructs_lib.retraining_handler import handler as starter

REGION = "eu-west-1"


@pytest.fixture
def sagemaker(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": REGION, "PIPELINE_NAME": "churn-training",
                        "PIPELINE_PARAMETERS": json.dumps([{"Name": "Trigger", "Value": "new-data"}]),
                        "MIN_INTERVAL_SECONDS": "3600", "SOURCE": "s3://data/training/"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("sagemaker", region_name=REGION)
        client.create_pipeline(
            PipelineName="churn-training", RoleArn="arn:aws:iam::123456789012:role/pipeline",
            PipelineDefinition=json.dumps({"Version": "2020-12-01", "Parameters": [{"Name": "Trigger", "Type": "String"}],
                                           "Steps": []}))
        yield client


def sqs_event(*keys: str) -> dict:
    return {"Records": [{"messageId": f"m-{i}", "body": json.dumps({
        "source": "aws.s3", "detail-type": "Object Created",
        "detail": {"bucket": {"name": "data"}, "object": {"key": key}}})} for i, key in enumerate(keys)]}


def executions(client) -> list[dict]:
    return client.list_pipeline_executions(PipelineName="churn-training")["PipelineExecutionSummaries"]


def test_a_burst_of_uploads_starts_one_run_with_the_parameters(sagemaker):
    result = starter.handler(sqs_event("training/a.csv", "training/b.csv", "training/c.csv"))
    assert result["started"] is True and result["objects"] == 3
    runs = executions(sagemaker)
    assert len(runs) == 1
    assert runs[0]["PipelineExecutionDescription"] == "New training data: 3 object(s) under s3://data/training/"
    described = sagemaker.describe_pipeline_execution(PipelineExecutionArn=runs[0]["PipelineExecutionArn"])
    assert described["PipelineExecutionArn"] == result["execution"]


def test_the_next_batch_of_the_same_burst_does_not_start_another_run(sagemaker, caplog):
    starter.handler(sqs_event("training/a.csv"))
    with caplog.at_level(logging.INFO):
        result = starter.handler(sqs_event("training/d.csv"))
    assert result == {"started": False, "reason": "recent-execution", "execution": executions(sagemaker)[0][
        "PipelineExecutionArn"]}
    assert len(executions(sagemaker)) == 1
    assert '"action": "skipped"' in caplog.text


def test_a_run_starts_again_once_the_interval_has_passed(sagemaker, monkeypatch):
    starter.handler(sqs_event("training/a.csv"))
    monkeypatch.setenv("MIN_INTERVAL_SECONDS", "0")
    assert starter.handler(sqs_event("training/e.csv"))["started"] is True
    assert len(executions(sagemaker)) == 2


def test_a_failed_start_raises_so_the_batch_is_retried_and_not_lost(sagemaker, monkeypatch):
    monkeypatch.setenv("PIPELINE_NAME", "no-such-pipeline")
    with pytest.raises(Exception):
        starter.handler(sqs_event("training/a.csv"))


def test_a_malformed_invocation_is_rejected_with_a_clear_log_line(sagemaker, caplog):
    with caplog.at_level(logging.INFO), pytest.raises(ValueError, match="expected an SQS event with a 'Records' list"):
        starter.handler({"detail": {}})
    assert '"action": "rejected"' in caplog.text and "no SQS Records list" in caplog.text
    assert executions(sagemaker) == []


def test_records_that_are_not_object_created_events_are_ignored_and_logged(sagemaker, caplog):
    event = {"Records": [{"messageId": "x", "body": "not json"},
                         {"messageId": "y", "body": json.dumps({"detail-type": "Object Deleted"})}]}
    with caplog.at_level(logging.INFO):
        assert starter.handler(event) == {"started": False, "reason": "no-objects"}
    assert caplog.text.count('"action": "ignored-record"') == 2
    assert executions(sagemaker) == []
