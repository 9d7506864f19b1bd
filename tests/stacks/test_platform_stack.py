"""The platform stack of each environment: alert topic, budget, MLflow tracking server, Feature Store."""

from __future__ import annotations

import pytest

from stacks.config import default_environments

ENVIRONMENTS = default_environments()


def _resources(synthesized_app, env: str, kind: str) -> list[dict]:
    templates = dict(synthesized_app.templates())
    return [r for r in templates[f"{env}/Platform"]["Resources"].values() if r["Type"] == kind]


@pytest.mark.parametrize("env", list(ENVIRONMENTS))
def test_each_environment_has_a_monthly_budget_of_its_amount_filtered_by_its_tag(synthesized_app, env):
    [budget] = _resources(synthesized_app, env, "AWS::Budgets::Budget")
    data = budget["Properties"]["Budget"]
    assert data["BudgetLimit"] == {"Amount": ENVIRONMENTS[env].platform.monthly_budget_usd, "Unit": "USD"}
    assert data["BudgetName"] == f"ml-platform-{env}-monthly"
    assert data["FilterExpression"]["Tags"] == {"Key": "environment", "Values": [env], "MatchOptions": ["EQUALS"]}
    kinds = {n["Notification"]["NotificationType"] for n in budget["Properties"]["NotificationsWithSubscribers"]}
    assert kinds == {"ACTUAL", "FORECASTED"}


def test_budgets_alert_the_environments_encrypted_topic(synthesized_app):
    [topic] = _resources(synthesized_app, "prod", "AWS::SNS::Topic")
    assert "KmsMasterKeyId" in topic["Properties"]
    [budget] = _resources(synthesized_app, "prod", "AWS::Budgets::Budget")
    for notification in budget["Properties"]["NotificationsWithSubscribers"]:
        assert notification["Subscribers"] == [{"SubscriptionType": "SNS", "Address": {"Ref": "AlertsE664E991"}}]


def test_tracking_server_size_is_set_per_environment(synthesized_app):
    sizes = {
        env: _resources(synthesized_app, env, "AWS::SageMaker::MlflowTrackingServer")[0]["Properties"][
            "TrackingServerSize"
        ]
        for env in ENVIRONMENTS
    }
    assert sizes == {"dev": "Small", "staging": "Small", "prod": "Medium"}


def test_tracking_server_and_feature_group_are_retained_except_in_dev(synthesized_app):
    for kind in ("AWS::SageMaker::MlflowTrackingServer", "AWS::SageMaker::FeatureGroup"):
        assert _resources(synthesized_app, "prod", kind)[0]["DeletionPolicy"] == "Retain"
        assert _resources(synthesized_app, "dev", kind)[0]["DeletionPolicy"] == "Delete"  # destroy_on_delete opt-in


def test_example_feature_group_uses_the_platform_key_and_its_bucket(synthesized_app):
    [group] = _resources(synthesized_app, "staging", "AWS::SageMaker::FeatureGroup")
    props = group["Properties"]
    assert props["FeatureGroupName"] == "ml-platform-staging-customers"
    assert "Fn::GetStackOutput" in props["OnlineStoreConfig"]["SecurityConfig"]["KmsKeyId"]  # the Data stack's key
    assert props["OfflineStoreConfig"]["S3StorageConfig"]["S3Uri"]["Fn::Join"][1][1] == {"Ref": "FeatureStore40D5AEE1"}
    dev = _resources(synthesized_app, "dev", "AWS::SageMaker::FeatureGroup")[0]["Properties"]
    assert dev["OnlineStoreConfig"]["TtlDuration"] == {"Unit": "Days", "Value": 30}
    assert "TtlDuration" not in props["OnlineStoreConfig"]


def test_platform_stack_depends_on_the_data_stack(synthesized_app):
    stage = synthesized_app.stages["prod"]
    assert stage.data in stage.platform.dependencies
    assert stage.platform.tracking_server.artifact_bucket.encryption_key is stage.data.key


@pytest.mark.parametrize("env", list(ENVIRONMENTS))
def test_records_stream_into_the_example_feature_group(synthesized_app, env):
    [stream] = _resources(synthesized_app, env, "AWS::Kinesis::Stream")
    assert stream["Properties"]["ShardCount"] == ENVIRONMENTS[env].platform.feature_ingestion_shards
    assert stream["Properties"]["StreamEncryption"]["EncryptionType"] == "KMS"
    # The stream's mapping (dev's labeling workflow has an SQS one too).
    [mapping] = [
        m
        for m in _resources(synthesized_app, env, "AWS::Lambda::EventSourceMapping")
        if "StartingPosition" in m["Properties"]
    ]
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    consumer = [
        f
        for f in _resources(synthesized_app, env, "AWS::Lambda::Function")
        if "FEATURES" in f["Properties"].get("Environment", {}).get("Variables", {})
    ]
    [function] = consumer
    assert function["Properties"]["Environment"]["Variables"]["FEATURE_GROUP_NAME"] == f"ml-platform-{env}-customers"
    # Its alarms notify the environment's alert topic.
    alarms = [a for a in _resources(synthesized_app, env, "AWS::CloudWatch::Alarm") if "Ingestion" in str(a)]
    assert alarms and all(a["Properties"]["AlarmActions"] == [{"Ref": "AlertsE664E991"}] for a in alarms)
