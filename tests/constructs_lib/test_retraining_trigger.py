import json
from pathlib import Path
from typing import NamedTuple

import pytest
from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from aws_cdk.assertions import Annotations, Match, Template

from constructs_lib import (
    ConstructValidationError,
    DriftRetraining,
    NewDataRetraining,
    PrivateNetwork,
    ScheduledRetraining,
    SecureBucket,
)
from constructs_lib.foundation.private_network import DEFAULT_INTERFACE_ENDPOINTS
from tests.conftest import cfn_lint_errors, compliance_app, nag_findings, new_stack
from tests.constructs_lib.fakes import FakePipeline

ZONES = ["eu-west-1a", "eu-west-1b"]
#: What the new-data function calls from isolated subnets, besides the default endpoints.
NEW_DATA_ENDPOINTS = (*DEFAULT_INTERFACE_ENDPOINTS, "scheduler")
PIPELINE_ARN = {
    "Fn::Join": ["", ["arn:aws:sagemaker:eu-west-1:", {"Ref": "AWS::AccountId"}, ":pipeline/churn-training"]]
}


def build(stack):
    pipeline = FakePipeline(stack, "Pipeline")
    metric = cloudwatch.Metric(
        namespace="aws/sagemaker/Endpoints/data-metrics", metric_name="feature_baseline_drift_age"
    )
    alarms = [
        cloudwatch.Alarm(stack, f"Drift{i}", metric=metric, threshold=0.1 * i, evaluation_periods=1) for i in (1, 2)
    ]
    scheduled = ScheduledRetraining(
        stack,
        "Weekly",
        pipeline=pipeline,
        parameters={"Trigger": "schedule"},
        schedule=scheduler.ScheduleExpression.cron(minute="0", hour="3", week_day="SUN"),
    )
    network = PrivateNetwork(
        stack, "Net", availability_zones=ZONES, interface_endpoints=[*DEFAULT_INTERFACE_ENDPOINTS, "scheduler"]
    )
    drift = DriftRetraining(
        stack,
        "OnDrift",
        pipeline=pipeline,
        alarms=alarms,
        parameters={"Trigger": "drift"},
        network=network,
        retry_attempts=5,
        max_event_age=Duration.hours(2),
        min_interval=Duration.hours(4),
    )
    new_data = NewDataRetraining(
        stack,
        "OnNewData",
        pipeline=pipeline,
        bucket=SecureBucket(stack, "Data"),
        prefix="training/churn/",
        network=network,
        parameters={"Trigger": "new-data"},
        data_uri_parameter="InputDataUrl",
        quiet_period=Duration.minutes(20),
    )
    return scheduled, drift, new_data


@pytest.fixture(scope="module")
def synthesized() -> tuple[Template, list[str]]:
    """The three triggers of ``build``, in an app with the compliance packs: synthesized once, for the
    packs' findings (``nag_findings``) and for the template every other test reads. The packs fail
    that synthesis (on the stand-in drift alarms, see the nag test), which CDK does once it has
    written the assembly: the template is read from there (``Template.from_stack`` would synthesize
    again, and fail the same way)."""
    app = compliance_app()
    stack = new_stack(app)
    build(stack)
    findings = nag_findings(app)
    return Template.from_string((Path(app.outdir) / stack.template_file).read_text()), findings


@pytest.fixture(scope="module")
def template(synthesized) -> Template:
    return synthesized[0]


def _policy_of(template: Template, role_prefix: str) -> list[dict]:
    policies = [
        p
        for logical_id, p in template.find_resources("AWS::IAM::ManagedPolicy").items()
        if logical_id.startswith(role_prefix)
    ]
    assert len(policies) == 1, role_prefix
    return policies[0]["Properties"]["PolicyDocument"]["Statement"]


def _sagemaker_statements(statements: list[dict]) -> list[dict]:
    return [s for s in statements if "sagemaker:" in json.dumps(s["Action"])]


def test_schedule_starts_the_pipeline_with_parameters_dlq_and_retries(template):
    template.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {
            "ScheduleExpression": "cron(0 3 ? * SUN *)",
            "KmsKeyArn": Match.any_value(),
            "Target": {
                "Arn": PIPELINE_ARN,
                "RoleArn": Match.any_value(),
                "SageMakerPipelineParameters": {"PipelineParameterList": [{"Name": "Trigger", "Value": "schedule"}]},
                "DeadLetterConfig": {
                    "Arn": {"Fn::GetAtt": [Match.string_like_regexp("^WeeklyDeadLetterQueue"), "Arn"]}
                },
                "RetryPolicy": {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 3},
            },
        },
    )


def test_schedule_role_may_start_only_that_pipeline(template):
    statements = _sagemaker_statements(_policy_of(template, "WeeklyRole"))
    assert statements == [{"Action": "sagemaker:StartPipelineExecution", "Effect": "Allow", "Resource": PIPELINE_ARN}]
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {
                            "Principal": {"Service": "scheduler.amazonaws.com"},
                            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                        }
                    )
                ]
            }
        },
    )


def _rule(template: Template, source: str) -> dict:
    return next(
        r["Properties"]
        for r in template.find_resources("AWS::Events::Rule").values()
        if r["Properties"]["EventPattern"]["source"] == [source]
    )


def _function(template: Template, prefix: str) -> dict:
    functions = [
        f["Properties"]
        for logical_id, f in template.find_resources("AWS::Lambda::Function").items()
        if logical_id.startswith(prefix)
    ]
    assert len(functions) == 1, prefix
    return functions[0]


def test_drift_rule_listens_to_alarm_state_changes_of_one_composite_alarm(template):
    template.resource_count_is("AWS::CloudWatch::CompositeAlarm", 1)
    composite = next(iter(template.find_resources("AWS::CloudWatch::CompositeAlarm")))
    rule = _rule(template, "aws.cloudwatch")
    assert rule["EventPattern"] == {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "resources": [{"Fn::GetAtt": [composite, "Arn"]}],
        "detail": {"state": {"value": ["ALARM"]}},
    }


def test_drift_rule_invokes_a_rate_limiting_starter_with_a_dlq_and_retries(template):
    target = _rule(template, "aws.cloudwatch")["Targets"][0]
    assert target["Arn"]["Fn::GetAtt"][0].startswith("OnDriftStarter")
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 7200, "MaximumRetryAttempts": 5}
    assert target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0].startswith("OnDriftDeadLetterQueue")
    starter = _function(template, "OnDriftStarter")
    assert starter["Handler"] == "handler.on_drift_alarm"
    assert starter["ReservedConcurrentExecutions"] == 1  # events one at a time: no two starts race
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "handler.on_drift_alarm",
            "Environment": {
                "Variables": Match.object_like(
                    {
                        "PIPELINE_NAME": "churn-training",
                        "MIN_INTERVAL_SECONDS": "14400",
                        "PIPELINE_PARAMETERS": json.dumps([{"Name": "Trigger", "Value": "drift"}]),
                    }
                )
            },
        },
    )


def test_drift_starter_may_list_and_start_only_that_pipeline_and_the_dlq_accepts_only_its_rule(template):
    assert sorted(_sagemaker_statements(_policy_of(template, "OnDriftStarterRole")), key=json.dumps) == sorted(
        [
            {"Action": "sagemaker:StartPipelineExecution", "Effect": "Allow", "Resource": PIPELINE_ARN},
            {
                "Action": "sagemaker:ListPipelineExecutions",
                "Effect": "Allow",
                "Resource": PIPELINE_ARN,
                "Sid": "ReadPipelineExecutions",
            },
        ],
        key=json.dumps,
    )
    template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "Queues": [{"Ref": Match.string_like_regexp("^OnDriftDeadLetterQueue")}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Principal": {"Service": "events.amazonaws.com"},
                                "Action": "sqs:SendMessage",
                                "Condition": {
                                    "ArnEquals": {
                                        "aws:SourceArn": {"Fn::GetAtt": [Match.string_like_regexp("^OnDrift"), "Arn"]}
                                    }
                                },
                            }
                        )
                    ]
                )
            },
        },
    )


def test_new_data_rule_sends_object_created_under_the_prefix_to_one_fifo_message_group(template):
    rule = _rule(template, "aws.s3")
    assert rule["EventPattern"]["detail-type"] == ["Object Created"]
    assert rule["EventPattern"]["detail"]["object"] == {"key": [{"prefix": "training/churn/"}]}
    target = rule["Targets"][0]
    assert target["Arn"]["Fn::GetAtt"][0].startswith("OnNewDataEvents")
    assert target["SqsParameters"] == {"MessageGroupId": "uploads"}
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 3}
    assert target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0].startswith("OnNewDataDeadLetterQueue")
    template.has_resource_properties(
        "AWS::S3::Bucket", {"NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}}
    )
    template.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "FifoQueue": True,
            "ContentBasedDeduplication": True,
            "VisibilityTimeout": 360,
            "RedrivePolicy": {
                "deadLetterTargetArn": {
                    "Fn::GetAtt": [Match.string_like_regexp("^OnNewDataEventsDeadLetterQueue"), "Arn"]
                },
                "maxReceiveCount": 5,
            },
        },
    )


def test_new_data_concurrency_settings_agree(template):
    mapping = next(iter(template.find_resources("AWS::Lambda::EventSourceMapping").values()))["Properties"]
    starter = _function(template, "OnNewDataStarter")
    assert mapping["ScalingConfig"]["MaximumConcurrency"] <= starter["ReservedConcurrentExecutions"]
    assert mapping["BatchSize"] <= 10 and "MaximumBatchingWindowInSeconds" not in mapping  # FIFO limits
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]  # failures retried in order


def test_new_data_starter_debounces_with_the_quiet_period_over_the_whole_prefix(template):
    variables = _function(template, "OnNewDataStarter")["Environment"]["Variables"]
    assert _function(template, "OnNewDataStarter")["Handler"] == "handler.on_queue_batch"
    assert variables["QUIET_SECONDS"] == "1200" and variables["DEFER_SECONDS"] == "1800"
    assert variables["DATA_URI_PARAMETER"] == "InputDataUrl"
    assert variables["PIPELINE_PARAMETERS"] == json.dumps([{"Name": "Trigger", "Value": "new-data"}])
    assert variables["SCHEDULE_NAME"] == "retraining-due" and variables["MESSAGE_GROUP_ID"] == "uploads"
    assert variables["DEAD_LETTER_QUEUE_ARN"]["Fn::GetAtt"][0].startswith("OnNewDataDeadLetterQueue")
    assert variables["RETRY_ATTEMPTS"] == "3" and variables["MAX_EVENT_AGE_SECONDS"] == "3600"
    template.has_resource("AWS::Scheduler::ScheduleGroup", {"DeletionPolicy": "Delete"})


def test_new_data_starter_may_write_only_its_schedule_and_list_and_start_only_that_pipeline(template):
    statements = _policy_of(template, "OnNewDataStarterRole")
    assert sorted(_sagemaker_statements(statements), key=json.dumps) == sorted(
        [
            {"Action": "sagemaker:StartPipelineExecution", "Effect": "Allow", "Resource": PIPELINE_ARN},
            {
                "Action": "sagemaker:ListPipelineExecutions",
                "Effect": "Allow",
                "Resource": PIPELINE_ARN,
                "Sid": "ReadPipelineExecutions",
            },
        ],
        key=json.dumps,
    )
    schedule = next(s for s in statements if s.get("Sid") == "WriteDueSchedule")
    assert sorted(schedule["Action"]) == [
        "scheduler:CreateSchedule",
        "scheduler:GetSchedule",
        "scheduler:UpdateSchedule",
    ]
    assert "retraining-due" in json.dumps(schedule["Resource"]) and "*" not in json.dumps(schedule["Resource"])
    pass_role = next(s for s in statements if s.get("Sid") == "PassScheduleRole")
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}
    assert pass_role["Resource"]["Fn::GetAtt"][0].startswith("OnNewDataScheduleRole")


def test_the_schedule_role_may_only_send_to_the_queue_and_its_dlq(template):
    statements = _policy_of(template, "OnNewDataScheduleRole")
    sqs_statements = [s for s in statements if "sqs:" in json.dumps(s["Action"])]
    assert len(sqs_statements) == 1 and sqs_statements[0]["Action"] == "sqs:SendMessage"
    assert sorted(r["Fn::GetAtt"][0][: len("OnNewDataEvents")] for r in sqs_statements[0]["Resource"]) == [
        "OnNewDataDeadLe",
        "OnNewDataEvents",
    ]


def test_dead_letter_queues_are_encrypted_tls_only_and_retained(template):
    queues = template.find_resources("AWS::SQS::Queue")
    assert len(queues) == 5  # three DLQs, the new-data FIFO buffer and its FIFO DLQ
    for queue in queues.values():
        assert "KmsMasterKeyId" in queue["Properties"] and queue["DeletionPolicy"] == "Retain"
    for policy in template.find_resources("AWS::SQS::QueuePolicy").values():
        assert {"Bool": {"aws:SecureTransport": "false"}} in [
            s.get("Condition") for s in policy["Properties"]["PolicyDocument"]["Statement"]
        ]


def test_is_compliant_under_the_nag_packs(synthesized):
    _, findings = synthesized
    # The stand-in drift alarms have no action (MonitoringAlarms' alarms do): only they may be reported.
    findings = [f for f in findings if "CloudWatchAlarmAction at Test/Drift" not in f]
    assert findings == []


def test_template_passes_cfn_lint(template):
    assert cfn_lint_errors(template) == []


def test_a_single_alarm_is_used_directly():
    stack = new_stack()
    alarm = cloudwatch.Alarm(
        stack, "A", metric=cloudwatch.Metric(namespace="n", metric_name="m"), threshold=1, evaluation_periods=1
    )
    DriftRetraining(
        stack,
        "OnDrift",
        pipeline=FakePipeline(stack, "P"),
        alarms=[alarm],
        network=PrivateNetwork(stack, "Net", availability_zones=ZONES),
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::CloudWatch::CompositeAlarm", 0)
    rule = next(iter(template.find_resources("AWS::Events::Rule").values()))["Properties"]
    assert rule["EventPattern"]["resources"] == [
        {"Fn::GetAtt": [next(iter(template.find_resources("AWS::CloudWatch::Alarm"))), "Arn"]}
    ]


def test_a_bucket_that_is_not_a_secure_bucket_gets_a_warning():
    stack = new_stack()
    NewDataRetraining(
        stack,
        "OnNewData",
        pipeline=FakePipeline(stack, "P"),
        bucket=s3.Bucket.from_bucket_name(stack, "Imported", "landing-zone-bucket"),
        prefix="in/",
        network=PrivateNetwork(stack, "Net", availability_zones=ZONES, interface_endpoints=NEW_DATA_ENDPOINTS),
    )
    Annotations.from_stack(stack).has_warning("/Test/OnNewData", Match.string_like_regexp("EventBridge"))


class Shared(NamedTuple):
    network: PrivateNetwork
    bucket: SecureBucket


@pytest.fixture(scope="module")
def shared() -> Shared:
    """A network (the default endpoints, so no ``scheduler``) and a bucket, in a stack of their own
    that is never synthesized, for the drift and new-data triggers that must be rejected (each in a
    fresh stack ``Test``). Safe to share: a trigger checks its input (of the pipeline, only its name
    and parameter names) and raises before it touches either, so a rejected trigger leaves them as
    they were."""
    stack = new_stack(construct_id="Shared")
    return Shared(PrivateNetwork(stack, "Net", availability_zones=ZONES), SecureBucket(stack, "B"))


def _schedule(stack, shared: Shared, **kwargs):
    """A scheduled trigger in ``stack`` (it has no network or bucket: ``shared`` is unused)."""
    kwargs.setdefault("schedule", scheduler.ScheduleExpression.rate(Duration.days(7)))
    return ScheduledRetraining(stack, "Trigger", pipeline=FakePipeline(stack, "P"), **kwargs)


def _drift(stack, shared: Shared, **kwargs):
    """A drift trigger in ``stack`` on ``shared``'s network (only for a trigger that must be rejected)."""
    alarm = cloudwatch.Alarm(
        stack, "A", metric=cloudwatch.Metric(namespace="n", metric_name="m"), threshold=1, evaluation_periods=1
    )
    kwargs.setdefault("alarms", [alarm])
    return DriftRetraining(stack, "Trigger", pipeline=FakePipeline(stack, "P"), network=shared.network, **kwargs)


def _new_data(stack, shared: Shared, **kwargs):
    """A new-data trigger in ``stack`` on ``shared``'s bucket and network (only for a trigger that
    must be rejected)."""
    kwargs.setdefault("prefix", "training/")
    return NewDataRetraining(
        stack, "Trigger", pipeline=FakePipeline(stack, "P"), bucket=shared.bucket, network=shared.network, **kwargs
    )


@pytest.mark.parametrize("factory", [_schedule, _drift, _new_data])
def test_rejects_a_parameter_the_pipeline_does_not_declare(factory, shared):
    with pytest.raises(ConstructValidationError) as error:
        factory(new_stack(), shared, parameters={"LearningRate": "0.1", "Trigger": "x"})
    assert "Retraining 'Test/Trigger' has invalid input" in str(error.value)
    assert (
        "parameters=['LearningRate']: the pipeline 'churn-training' does not declare them; it declares "
        "['InputDataUrl', 'TrainingInstanceType', 'Trigger']"
    ) in str(error.value)


@pytest.mark.parametrize(
    "factory, kwargs, message",
    [
        (_schedule, {"retry_attempts": 200}, "retry_attempts=200: must be an integer from 0 to 185"),
        (_schedule, {"max_event_age": Duration.seconds(30)}, "max_event_age (seconds)=30"),
        (_drift, {"alarms": []}, "alarms=[]: give at least one alarm"),
        (_new_data, {"prefix": "/"}, "prefix='/': must name a key prefix"),
        (_drift, {"min_interval": Duration.days(31)}, "min_interval (seconds)=2678400"),
        (_new_data, {"quiet_period": Duration.seconds(30)}, "quiet_period (seconds)=30: must be an integer from 60"),
        (_new_data, {"defer_interval": Duration.days(2)}, "defer_interval (seconds)=172800"),
        (
            _new_data,
            {"data_uri_parameter": "DataUri"},
            "data_uri_parameter='DataUri': the pipeline 'churn-training' does not declare it",
        ),
        (
            _new_data,
            {"data_uri_parameter": "Trigger", "parameters": {"Trigger": "x"}},
            "data_uri_parameter='Trigger': is set by the trigger",
        ),
        (_new_data, {"parameters": {"Trigger": "x" * 1025}}, "parameters['Trigger']="),
    ],
)
def test_rejects_invalid_input(factory, kwargs, message, shared):
    with pytest.raises(ConstructValidationError) as error:
        factory(new_stack(), shared, **kwargs)
    assert message in str(error.value)


def test_new_data_in_isolated_subnets_without_the_scheduler_endpoint_fails(shared):
    """On ``shared``'s network (isolated subnets, the default endpoints), which the trigger only reads
    (its endpoints and egress) when it refuses; the bucket, which it changes first, is its own."""
    assert "scheduler" not in shared.network.endpoints and not shared.network.internet_egress
    with pytest.raises(ConstructValidationError, match="no 'scheduler' interface endpoint"):
        _new_data_trigger(new_stack(), shared.network)


def _new_data_trigger(stack, network) -> NewDataRetraining:
    """A new-data trigger ``Trigger`` on a new bucket and pipeline in ``stack``, on ``network``."""
    return NewDataRetraining(
        stack,
        "Trigger",
        pipeline=FakePipeline(stack, "P"),
        bucket=SecureBucket(stack, "B"),
        prefix="training/",
        network=network,
    )


def test_the_scheduler_endpoint_serves_the_new_data_function():
    stack = new_stack()
    _new_data_trigger(
        stack,
        PrivateNetwork(stack, "Net", availability_zones=ZONES, interface_endpoints=["sagemaker.api", "scheduler"]),
    )
    Annotations.from_stack(stack).has_no_warning("/Test/Trigger", Match.string_like_regexp("interface endpoints"))
    Template.from_stack(stack).has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {"ServiceName": "com.amazonaws.eu-west-1.scheduler", "PrivateDnsEnabled": True, "VpcEndpointType": "Interface"},
    )
