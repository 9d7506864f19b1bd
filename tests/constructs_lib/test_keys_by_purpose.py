"""Constructs of the monitoring loop and the audit trail take one key per purpose: ``encryption_key``
for queues, schedules and function environments, ``log_key`` for log groups, ``alert_key`` for
topics; a given ``EncryptionKey`` gets exactly the service principals its purpose needs, pinned to
this account's rules or alarms."""

from __future__ import annotations

import json

import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk.assertions import Template
from constructs import Construct

from constructs_lib import (
    AuditTrail,
    DriftRetraining,
    EncryptionKey,
    NewDataRetraining,
    PrivateNetwork,
    SecureBucket,
    acknowledge,
)
from constructs_lib.foundation.private_network import DEFAULT_INTERFACE_ENDPOINTS
from tests.conftest import cfn_lint_errors, compliance_app, nag_findings, new_stack
from tests.constructs_lib.fakes import FakePipeline
from tests.constructs_lib.test_deploy_on_approval import build as build_deployment
from tests.constructs_lib.test_monitoring_alarms import build as build_alarms

ZONES = ["eu-west-1a", "eu-west-1b"]


def _keys(stack) -> tuple[EncryptionKey, EncryptionKey, EncryptionKey]:
    no_principals = dict(allow_cloudwatch_logs=False, service_principals=())
    return (
        EncryptionKey(stack, "QueueKey", **no_principals),
        EncryptionKey(stack, "LogsKey", service_principals=()),
        EncryptionKey(stack, "AlertKey", **no_principals),
    )


def _key_of(template: dict, resource: dict, prop: str) -> str:
    """The logical id of the key ``resource``'s ``prop`` refers to."""
    return resource["Properties"][prop]["Fn::GetAtt"][0]


def _principals(template: dict, key_prefix: str) -> dict[str, dict]:
    """Service principal -> conditions of the key's own statement (with a Sid) for it."""
    key = next(
        r for lid, r in template["Resources"].items() if r["Type"] == "AWS::KMS::Key" and lid.startswith(key_prefix)
    )
    found: dict[str, dict] = {}
    for statement in key["Properties"]["KeyPolicy"]["Statement"]:
        if "Service" in statement.get("Principal", {}) and (
            statement.get("Sid") or statement["Principal"]["Service"] not in found
        ):
            found[statement["Principal"]["Service"]] = statement.get("Condition", {})
    return found


def _by_type(template: dict, type_name: str) -> dict[str, dict]:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == type_name}


@pytest.fixture(scope="module")
def synthesized_loop():
    """Alarms, a rollout and the two triggers with a function, each given the three keys, in an app
    with the compliance packs: synthesized once, for the packs' findings and the template
    (``Template.from_stack`` reads that synthesis's assembly)."""
    app = compliance_app()
    stack = new_stack(app)
    queues, logs, alerts = _keys(stack)
    build_alarms(stack, encryption_key=queues, alert_key=alerts)
    build_deployment(Construct(stack, "Rollout"), encryption_key=queues, log_key=logs, alert_key=alerts)
    network = PrivateNetwork(
        stack, "TriggerNet", availability_zones=ZONES, interface_endpoints=[*DEFAULT_INTERFACE_ENDPOINTS, "scheduler"]
    )
    pipeline = FakePipeline(stack, "Pipeline")
    alarm = cloudwatch.Alarm(
        stack, "Drift", metric=cloudwatch.Metric(namespace="n", metric_name="m"), threshold=1, evaluation_periods=1
    )
    acknowledge(
        alarm,
        "A stand-in for the drift alarms the trigger listens to: the test gives it no action.",
        "HIPAA.Security-CloudWatchAlarmAction",
        "NIST.800.53.R5-CloudWatchAlarmAction",
    )
    DriftRetraining(
        stack, "OnDrift", pipeline=pipeline, alarms=[alarm], network=network, encryption_key=queues, log_key=logs
    )
    NewDataRetraining(
        stack,
        "OnNewData",
        pipeline=pipeline,
        bucket=SecureBucket(stack, "NewData"),
        prefix="training/",
        network=network,
        encryption_key=queues,
        log_key=logs,
    )
    findings = nag_findings(app)
    return stack, Template.from_stack(stack).to_json(), findings


@pytest.fixture(scope="module")
def monitoring_loop(synthesized_loop):
    """(stack, template) of ``synthesized_loop``."""
    stack, template, _ = synthesized_loop
    return stack, template


def test_topics_are_on_the_alert_key(monitoring_loop):
    _, template = monitoring_loop
    topics = _by_type(template, "AWS::SNS::Topic")
    assert len(topics) == 2  # the alarm topic and the approval topic
    assert all(_key_of(template, t, "KmsMasterKeyId").startswith("AlertKey") for t in topics.values())


def test_log_groups_are_on_the_log_key(monitoring_loop):
    _, template = monitoring_loop
    groups = {lid: g for lid, g in _by_type(template, "AWS::Logs::LogGroup").items() if "FlowLog" not in lid}
    assert len(groups) == 4  # rollout function and state machine, two trigger functions
    assert all(_key_of(template, g, "KmsKeyId").startswith("LogsKey") for g in groups.values())


def test_queues_and_function_environments_are_on_the_queue_key(monitoring_loop):
    _, template = monitoring_loop
    queues = _by_type(template, "AWS::SQS::Queue")
    assert all(_key_of(template, q, "KmsMasterKeyId").startswith("QueueKey") for q in queues.values())
    functions = [f for f in _by_type(template, "AWS::Lambda::Function").values() if "KmsKeyArn" in f["Properties"]]
    assert functions and all(_key_of(template, f, "KmsKeyArn").startswith("QueueKey") for f in functions)


def test_each_key_serves_only_its_purposes_service_principals_pinned_to_this_accounts_rules_or_alarms(monitoring_loop):
    _, template = monitoring_loop
    queues = _principals(template, "QueueKey")
    assert set(queues) == {"events.amazonaws.com"}  # rules deliver to the queues and dead-letter queues
    assert ":rule/*" in json.dumps(queues["events.amazonaws.com"]["ArnLike"]["aws:SourceArn"])
    alerts = _principals(template, "AlertKey")
    assert set(alerts) == {"cloudwatch.amazonaws.com"}  # the rollout's and the monitoring-run rule's roles publish
    assert ":alarm:*" in json.dumps(alerts["cloudwatch.amazonaws.com"]["ArnLike"]["aws:SourceArn"])
    assert set(_principals(template, "LogsKey")) == {"logs.eu-west-1.amazonaws.com"}


def test_the_roles_that_publish_may_use_the_alert_key(monitoring_loop):
    _, template = monitoring_loop
    grants = [
        p
        for p in _by_type(template, "AWS::IAM::ManagedPolicy").values()
        if "AlertKey" in json.dumps(p["Properties"]["PolicyDocument"])
    ]
    assert len(grants) == 2  # the state machine (approval requests) and the monitoring-run rule's role


def test_the_monitoring_loop_with_three_keys_passes_cfn_lint_and_the_nag_packs(synthesized_loop):
    _, template, findings = synthesized_loop
    assert cfn_lint_errors(template) == []
    assert findings == []


def test_without_alert_and_log_keys_everything_stays_on_the_one_key():
    stack = new_stack()
    key = EncryptionKey(stack, "Key")
    build_alarms(stack, encryption_key=key)
    build_deployment(Construct(stack, "Rollout"), encryption_key=key)
    template = Template.from_stack(stack).to_json()
    for type_name, prop in (("AWS::SNS::Topic", "KmsMasterKeyId"), ("AWS::Logs::LogGroup", "KmsKeyId")):
        assert all(
            _key_of(template, r, prop).startswith("Key")
            for lid, r in _by_type(template, type_name).items()
            if "FlowLog" not in lid
        )
    assert all(
        _key_of(template, q, "KmsMasterKeyId").startswith("Key")
        for lid, q in _by_type(template, "AWS::SQS::Queue").items()
        if lid.startswith(("Alarms", "Rollout"))
    )
    assert set(_principals(template, "Key")) == {
        "logs.eu-west-1.amazonaws.com",
        "cloudwatch.amazonaws.com",
        "events.amazonaws.com",
    }


def test_audit_trail_puts_its_log_group_and_alarm_topic_on_their_keys():
    stack = new_stack()
    trail_key = EncryptionKey(stack, "TrailKey", allow_cloudwatch_logs=False, service_principals=())
    _, logs, alerts = _keys(stack)
    AuditTrail(stack, "Audit", encryption_key=trail_key, log_key=logs, alert_key=alerts)
    template = Template.from_stack(stack).to_json()
    (group,) = _by_type(template, "AWS::Logs::LogGroup").values()
    assert _key_of(template, group, "KmsKeyId").startswith("LogsKey")
    (topic,) = _by_type(template, "AWS::SNS::Topic").values()
    assert _key_of(template, topic, "KmsMasterKeyId").startswith("AlertKey")
    (trail,) = _by_type(template, "AWS::CloudTrail::Trail").values()
    assert _key_of(template, trail, "KMSKeyId").startswith("TrailKey")
    bucket = template["Resources"][trail["Properties"]["S3BucketName"]["Ref"]]
    assert "TrailKey" in json.dumps(bucket["Properties"]["BucketEncryption"])
    assert set(_principals(template, "TrailKey")) == {"cloudtrail.amazonaws.com"}
    assert set(_principals(template, "AlertKey")) == {"cloudwatch.amazonaws.com"}
    assert cfn_lint_errors(template) == []


def test_allowing_a_service_twice_adds_one_statement_and_a_narrower_one_after_a_wider_none():
    stack = new_stack()
    key = EncryptionKey(stack, "Key", allow_cloudwatch_logs=False)  # events allowed for the whole account
    key.allow_service("events.amazonaws.com", source_arn="arn:aws:events:eu-west-1:111111111111:rule/*")
    pinned = EncryptionKey(stack, "Pinned", allow_cloudwatch_logs=False, service_principals=())
    for arn in (
        "arn:aws:events:eu-west-1:111111111111:rule/a",
        "arn:aws:events:eu-west-1:111111111111:rule/a",
        "arn:aws:events:eu-west-1:111111111111:rule/b",
    ):
        pinned.allow_service("events.amazonaws.com", source_arn=arn)
    template = Template.from_stack(stack).to_json()
    sids = {
        lid: [s.get("Sid") for s in r["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid")]
        for lid, r in _by_type(template, "AWS::KMS::Key").items()
    }
    assert sorted(sids[next(k for k in sids if k.startswith("Key"))]) == ["AllowCloudwatch", "AllowEvents"]
    assert sids[next(k for k in sids if k.startswith("Pinned"))] == ["AllowEvents", "AllowEvents2"]
