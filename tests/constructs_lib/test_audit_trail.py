import gzip
import json
from pathlib import Path

import botocore
import pytest
from aws_cdk import RemovalPolicy
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template

from constructs_lib import (
    DEFAULT_SENSITIVE_ACTIONS,
    AuditTrail,
    ConstructValidationError,
    SecureBucket,
    SensitiveAction,
)
from constructs_lib.governance.audit_trail import JOB_CREATING_OPERATIONS
from tests.conftest import compliance_app, nag_findings, new_stack

DATA_BUCKET_ARN = {"Fn::GetAtt": [Match.string_like_regexp("^Data"), "Arn"]}


@pytest.fixture(scope="module")
def trail():
    stack = new_stack()
    data = SecureBucket(stack, "Data")
    artifacts = SecureBucket(stack, "Artifacts")
    audit = AuditTrail(stack, "Audit", data_buckets=[data, artifacts])
    return audit, Template.from_stack(stack)


@pytest.fixture(scope="module")
def template(trail) -> Template:
    return trail[1]


def _trail_props(template: Template) -> dict:
    trails = template.find_resources("AWS::CloudTrail::Trail")
    assert len(trails) == 1
    return next(iter(trails.values()))["Properties"]


def test_trail_records_every_management_event_of_every_region(template):
    props = _trail_props(template)
    assert props["IsMultiRegionTrail"] is True
    assert props["IncludeGlobalServiceEvents"] is True
    assert props["IsLogging"] is True
    # All management events (SageMaker's included): no excluded event sources.
    assert {"IncludeManagementEvents": True, "ReadWriteType": "All"} in props["EventSelectors"]


def test_trail_records_object_reads_and_writes_of_the_data_and_artifact_buckets(template):
    data_selectors = [s for s in _trail_props(template)["EventSelectors"] if "DataResources" in s]
    assert len(data_selectors) == 1
    selector = data_selectors[0]
    assert selector["ReadWriteType"] == "All"
    assert selector["IncludeManagementEvents"] is False
    resource = selector["DataResources"][0]
    assert resource["Type"] == "AWS::S3::Object"
    buckets = [value["Fn::Join"][1][0]["Fn::GetAtt"][0] for value in resource["Values"]]
    assert [b[:4] for b in buckets] == ["Data", "Arti"]
    assert all(value["Fn::Join"][1][1] == "/" for value in resource["Values"])


def test_log_file_validation_is_on(template):
    assert _trail_props(template)["EnableLogFileValidation"] is True


def test_log_files_are_encrypted_with_a_key_cloudtrail_may_use_for_this_account_only(template):
    assert "Fn::GetAtt" in _trail_props(template)["KMSKeyId"]
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "AllowCloudTrailToEncryptLogs",
                                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                                "Action": "kms:GenerateDataKey*",
                                "Condition": {
                                    "ArnLike": {"aws:SourceArn": Match.any_value()},
                                    "StringLike": {
                                        "kms:EncryptionContext:aws:cloudtrail:arn": {
                                            "Fn::Join": [
                                                "",
                                                [
                                                    "arn:",
                                                    {"Ref": "AWS::Partition"},
                                                    ":cloudtrail:*:",
                                                    {"Ref": "AWS::AccountId"},
                                                    ":trail/*",
                                                ],
                                            ]
                                        }
                                    },
                                },
                            }
                        ),
                        Match.object_like({"Sid": "AllowCloudTrailToDescribeKey", "Action": "kms:DescribeKey"}),
                    ]
                )
            }
        },
    )


def test_log_bucket_is_encrypted_versioned_retained_and_open_to_cloudtrail_only(template):
    bucket_id = _trail_props(template)["S3BucketName"]["Ref"]
    bucket = template.to_json()["Resources"][bucket_id]
    assert bucket["DeletionPolicy"] == "Retain"
    assert bucket["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}
    sse = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": bucket_id},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Action": "s3:GetBucketAcl", "Principal": {"Service": "cloudtrail.amazonaws.com"}}
                        ),
                        Match.object_like(
                            {
                                "Action": "s3:PutObject",
                                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
                            }
                        ),
                    ]
                )
            },
        },
    )


def test_cloudwatch_logs_copy_is_encrypted_retained_and_written_by_a_managed_policy_role(template):
    props = _trail_props(template)
    group_id = props["CloudWatchLogsLogGroupArn"]["Fn::GetAtt"][0]
    group = template.to_json()["Resources"][group_id]
    assert group["Properties"]["RetentionInDays"] == 365
    assert "KmsKeyId" in group["Properties"]
    assert group["DeletionPolicy"] == "Retain"
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Effect": "Allow",
                        "Resource": {"Fn::GetAtt": [group_id, "Arn"]},
                    }
                ]
            }
        },
    )
    template.resource_count_is("AWS::IAM::Policy", 0)  # no inline policy (HIPAA, NIST)


@pytest.mark.parametrize("action", DEFAULT_SENSITIVE_ACTIONS, ids=lambda a: a.name)
def test_sensitive_action_has_a_metric_filter_and_an_alarm_to_the_topic(template, action):
    template.has_resource_properties(
        "AWS::Logs::MetricFilter",
        {
            "FilterPattern": action.filter_pattern,
            "MetricTransformations": [
                {"MetricName": action.name, "MetricNamespace": "MLPlatform/Audit", "MetricValue": "1"}
            ],
        },
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": action.name,
            "Namespace": "MLPlatform/Audit",
            "Statistic": "Sum",
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": Match.string_like_regexp("^AuditAlarmTopic")}],
        },
    )


def test_filter_patterns_match_the_sensitive_calls():
    by_name = {a.name: a.filter_pattern for a in DEFAULT_SENSITIVE_ACTIONS}
    assert '($.eventName = "UpdateModelPackage")' in by_name["ModelApprovalStatusChanged"]
    assert '$.requestParameters.modelApprovalStatus = "*"' in by_name["ModelApprovalStatusChanged"]
    for call in ("CreateDomain", "UpdateDomain", "DeleteDomain"):
        assert f'($.eventName = "{call}")' in by_name["StudioDomainChanged"]
    assert '($.eventName = "DeleteModelPackageGroup")' in by_name["ModelPackageGroupDeleted"]
    assert '($.errorCode = "AccessDenied*")' in by_name["JobCreationDenied"]
    assert '($.eventName = "CreateTrainingJob")' in by_name["JobCreationDenied"]
    assert all('$.eventSource = "sagemaker.amazonaws.com"' in p for p in by_name.values())
    assert all(len(p) <= 1024 for p in by_name.values())


def test_watched_calls_are_sagemaker_operations():
    model = Path(botocore.__file__).parent / "data" / "sagemaker"
    with gzip.open(next(model.glob("*/service-2.json.gz"))) as compressed:
        service = json.loads(compressed.read())
    operations = set(service["operations"])
    watched = {
        "UpdateModelPackage",
        "CreateDomain",
        "UpdateDomain",
        "DeleteDomain",
        "DeleteModelPackageGroup",
        *JOB_CREATING_OPERATIONS,
    }
    assert watched <= operations
    assert "ModelApprovalStatus" in service["shapes"]["UpdateModelPackageInput"]["members"]


def test_alarm_topic_is_kms_encrypted(template):
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})


def test_exposes_alarms_and_metrics(trail):
    audit, _ = trail
    assert set(audit.alarms) == {a.name for a in DEFAULT_SENSITIVE_ACTIONS}
    assert audit.metric_model_approval_changes().metric_name == "ModelApprovalStatusChanged"
    assert audit.metric_denied_job_creations().metric_name == "JobCreationDenied"
    with pytest.raises(ConstructValidationError, match="action_name='Nope': must be one of \\['"):
        audit.metric("Nope")


def test_uses_the_topic_and_extra_actions_it_is_given():
    stack = new_stack()
    topic = sns.Topic(stack, "Topic")
    extra = SensitiveAction(
        "EndpointDeleted",
        "An endpoint was deleted.",
        '{ ($.eventSource = "sagemaker.amazonaws.com") && ($.eventName = "DeleteEndpoint") }',
    )
    AuditTrail(stack, "Audit", alarm_topic=topic, sensitive_actions=[*DEFAULT_SENSITIVE_ACTIONS, extra])
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SNS::Topic", 1)
    template.resource_count_is("AWS::CloudWatch::Alarm", 5)
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"MetricName": "EndpointDeleted", "AlarmActions": [{"Ref": Match.string_like_regexp("^Topic")}]},
    )


def test_without_data_buckets_only_management_events_are_recorded():
    stack = new_stack()
    AuditTrail(stack, "Audit")
    assert _trail_props(Template.from_stack(stack))["EventSelectors"] == [
        {"IncludeManagementEvents": True, "ReadWriteType": "All"}
    ]


def test_destroy_is_an_explicit_opt_in():
    stack = new_stack()
    AuditTrail(stack, "Audit", removal_policy=RemovalPolicy.DESTROY)
    template = Template.from_stack(stack)
    for kind in ("AWS::S3::Bucket", "AWS::KMS::Key", "AWS::Logs::LogGroup"):
        assert all(r["DeletionPolicy"] == "Delete" for r in template.find_resources(kind).values())


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"enable_file_validation": False}, "enable_file_validation=False: must be True"),
        ({"log_retention_days": 42}, "log_retention_days=42: must be a CloudWatch Logs retention period in days"),
        ({"metric_namespace": "AWS/SageMaker"}, "metric_namespace='AWS/SageMaker': must not start with 'AWS/'"),
        ({"trail_name": "-bad"}, "trail_name='-bad'"),
        (
            {"sensitive_actions": [DEFAULT_SENSITIVE_ACTIONS[0], DEFAULT_SENSITIVE_ACTIONS[0]]},
            "sensitive_actions (names)=['ModelApprovalStatusChanged']: names must be unique",
        ),
        ({"sensitive_actions": [SensitiveAction("bad name", "x", "{ $.a = 1 }")]}, "sensitive_actions.name='bad name'"),
        ({"sensitive_actions": [SensitiveAction("Long", "x", "x" * 1025)]}, "must be 1-1024 characters"),
    ],
)
def test_rejects_invalid_input(kwargs, message):
    with pytest.raises(ConstructValidationError) as error:
        AuditTrail(new_stack(), "Audit", **kwargs)
    assert "AuditTrail 'Test/Audit' has invalid input" in str(error.value)
    assert message in str(error.value)


def test_trail_is_compliant_under_the_nag_packs():
    app = compliance_app()
    stack = new_stack(app)
    AuditTrail(stack, "Audit", data_buckets=[SecureBucket(stack, "Data")], trail_name="ml-platform-audit")
    assert nag_findings(app) == []


def test_a_named_trail_pins_the_key_policy_to_that_trail():
    stack = new_stack()
    AuditTrail(stack, "Audit", trail_name="ml-platform-audit")
    Template.from_stack(stack).has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "AllowCloudTrailToDescribeKey",
                                "Condition": {
                                    "ArnLike": {
                                        "aws:SourceArn": {
                                            "Fn::Join": [
                                                "",
                                                [
                                                    "arn:",
                                                    {"Ref": "AWS::Partition"},
                                                    ":cloudtrail:eu-west-1:",
                                                    {"Ref": "AWS::AccountId"},
                                                    ":trail/ml-platform-audit",
                                                ],
                                            ]
                                        }
                                    }
                                },
                            }
                        ),
                    ]
                )
            }
        },
    )
