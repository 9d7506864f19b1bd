"""FeatureIngestionStream: a KMS-encrypted Kinesis stream, a Lambda consumer that puts records to one
feature group (partial batch failures, bisect, bounded retries, a dead-letter queue) and its alarms."""

import json
from typing import NamedTuple

import pytest
from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk.assertions import Template

from constructs_lib import (
    FEATURE_STORE_RUNTIME_ENDPOINT,
    ConstructValidationError,
    FeatureGroup,
    FeatureIngestionStream,
    ManagedPolicyRole,
    PrivateNetwork,
)
from tests.conftest import cfn_lint_errors, compliance_app, nag_findings, new_stack
from tests.constructs_lib.feature_fixtures import FEATURES, network_with, online_group
from tests.constructs_lib.grants import SAGEMAKER, actions_of, role_statements
from tests.iam_eval import Request, allowed

ENDPOINTS = (FEATURE_STORE_RUNTIME_ENDPOINT, "sqs")


@pytest.fixture(scope="module")
def built():
    app = compliance_app()
    stack = new_stack(app, "Platform")
    group = online_group(stack)
    online_group(stack, "Orders", "orders")
    stream = FeatureIngestionStream(
        stack,
        "Ingest",
        feature_group=group,
        network=network_with(stack, *ENDPOINTS),
        shard_count=2,
        retention=Duration.days(2),
        parallelization_factor=2,
    )
    producer = ManagedPolicyRole(stack, "Producer", assumed_by=iam.AccountRootPrincipal())
    stream.grant_write(producer)
    findings = nag_findings(app)
    return {"template": Template.from_stack(stack), "findings": findings, "stream": stream}


@pytest.fixture(scope="module")
def template(built) -> Template:
    return built["template"]


def _one(template: Template, kind: str) -> dict:
    [resource] = template.find_resources(kind).values()
    return resource


def test_the_stream_is_encrypted_with_the_key_and_kept(template):
    stream = _one(template, "AWS::Kinesis::Stream")
    props = stream["Properties"]
    assert props["StreamEncryption"]["EncryptionType"] == "KMS"
    assert props["StreamEncryption"]["KeyId"]["Fn::GetAtt"][0].startswith("IngestKey")
    assert (props["ShardCount"], props["RetentionPeriodHours"]) == (2, 48)
    assert stream["DeletionPolicy"] == "Retain"


def test_the_consumer_reports_partial_failures_bisects_and_retries_a_bounded_number_of_times(template):
    mapping = _one(template, "AWS::Lambda::EventSourceMapping")["Properties"]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert (mapping["MaximumRetryAttempts"], mapping["MaximumRecordAgeInSeconds"]) == (5, 86400)
    assert (mapping["BatchSize"], mapping["MaximumBatchingWindowInSeconds"]) == (100, 1)
    assert (mapping["StartingPosition"], mapping["ParallelizationFactor"]) == ("TRIM_HORIZON", 2)
    destination = mapping["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination["Fn::GetAtt"][0].startswith("IngestDeadLetterQueue")


def test_the_dead_letter_queue_is_kms_encrypted(template):
    queue = _one(template, "AWS::SQS::Queue")["Properties"]
    assert queue["KmsMasterKeyId"]["Fn::GetAtt"][0].startswith("IngestKey")


def test_the_consumer_knows_the_feature_definitions_and_runs_one_batch_per_shard_and_factor(template):
    function = next(
        f["Properties"]
        for f in template.find_resources("AWS::Lambda::Function").values()
        if "FEATURES" in f["Properties"].get("Environment", {}).get("Variables", {})
    )
    variables = function["Environment"]["Variables"]
    assert json.loads(variables["FEATURES"]) == {
        "customer_id": "String",
        "event_time": "Fractional",
        "orders_30d": "Integral",
    }
    assert (variables["RECORD_IDENTIFIER"], variables["EVENT_TIME"]) == ("customer_id", "event_time")
    assert variables["FEATURE_GROUP_NAME"] == "customers"
    assert function["ReservedConcurrentExecutions"] == 4  # 2 shards x parallelization factor 2
    assert function["VpcConfig"]["SubnetIds"]


def test_the_consumer_may_put_records_on_its_feature_group_only(template):
    statements = role_statements(template, "IngestConsumerRole")
    customers = f"{SAGEMAKER}:feature-group/customers"
    assert allowed(statements, Request("sagemaker:PutRecord", customers))
    for action in ("sagemaker:DeleteRecord", "sagemaker:GetRecord", "sagemaker:BatchGetRecord"):
        assert not allowed(statements, Request(action, customers))
    assert not allowed(statements, Request("sagemaker:PutRecord", f"{SAGEMAKER}:feature-group/orders"))
    feature_store = {a for a in actions_of(statements) if a.startswith("sagemaker:")}
    assert feature_store == {"sagemaker:PutRecord"}


def test_the_consumer_reads_and_decrypts_the_stream_and_sends_to_its_queue(template):
    statements = role_statements(template, "IngestConsumerRole")
    actions = actions_of(statements)
    assert {"kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream"} <= actions
    assert not any(a.startswith("kinesis:Put") for a in actions)
    assert "sqs:SendMessage" in actions and "kms:Decrypt" in actions


def test_producers_put_records_and_encrypt_only(template):
    actions = actions_of(role_statements(template, "Producer"))
    assert {"kinesis:PutRecord", "kinesis:PutRecords", "kms:GenerateDataKey"} <= actions
    assert not any(a.startswith("kinesis:Get") for a in actions)


def test_alarms_on_iterator_age_errors_and_dead_letters(template):
    alarms = {k: v["Properties"] for k, v in template.find_resources("AWS::CloudWatch::Alarm").items()}
    by_metric = {p["MetricName"]: p for p in alarms.values()}
    age = by_metric["IteratorAge"]
    assert (age["Statistic"], age["Threshold"], age["ComparisonOperator"]) == (
        "Maximum",
        300000,
        "GreaterThanThreshold",
    )
    assert by_metric["Errors"]["Threshold"] == 1
    assert by_metric["ApproximateNumberOfMessagesVisible"]["Threshold"] == 1


def test_is_compliant_under_the_nag_packs(built):
    assert built["findings"] == []


def test_the_template_passes_cfn_lint(template):
    assert cfn_lint_errors(template) == []


def test_an_on_demand_stream_has_no_shard_count():
    stack = new_stack()
    FeatureIngestionStream(
        stack,
        "Ingest",
        feature_group=online_group(stack),
        network=network_with(stack, *ENDPOINTS),
        stream_mode=kinesis.StreamMode.ON_DEMAND,
        shard_count=None,
    )
    props = _one(Template.from_stack(stack), "AWS::Kinesis::Stream")["Properties"]
    assert props["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    assert "ShardCount" not in props


class Shared(NamedTuple):
    group: FeatureGroup
    network: PrivateNetwork


@pytest.fixture(scope="module")
def shared() -> Shared:
    """A feature group and a network without interface endpoints, in a stack of their own that is
    never synthesized, for the streams that must be rejected (each in a fresh stack ``Test``). Safe
    to share: a stream checks its input (of the group, only its definitions, identifier and event
    time) and then the network's endpoints, and raises before it builds, grants or attaches
    anything, so a rejected stream leaves both as they were."""
    stack = new_stack(construct_id="Shared")
    return Shared(online_group(stack), network_with(stack))


def test_an_imported_feature_group_needs_its_definitions(shared):
    """Rejected on ``shared``'s network; the stream that is accepted gets a network of its own."""
    stack = new_stack()
    imported = FeatureGroup.from_feature_group_name(stack, "Imported", "customers")
    with pytest.raises(ConstructValidationError) as error:
        FeatureIngestionStream(stack, "Ingest", feature_group=imported, network=shared.network)
    text = str(error.value)
    for prop in ("features", "record_identifier", "event_time"):
        assert f"{prop}=None: is required with an imported feature group" in text
    FeatureIngestionStream(
        stack,
        "Given",
        feature_group=imported,
        network=network_with(new_stack(), *ENDPOINTS),
        features=FEATURES,
        record_identifier="customer_id",
        event_time="event_time",
    )


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"shard_count": 0}, "shard_count=0: must be an integer of at least 1 (botocore PositiveIntegerObject)"),
        ({"shard_count": 100_001}, "shard_count=100001: must be an integer of at most 100000"),
        ({"shard_count": None}, "shard_count=None: is required with stream_mode PROVISIONED"),
        (
            {"stream_mode": kinesis.StreamMode.ON_DEMAND, "shard_count": 2},
            "shard_count=2: must be None with stream_mode ON_DEMAND",
        ),
        ({"retention": Duration.hours(12)}, "retention (hours)=12: must be an integer from 24 to 8760"),
        ({"retention": Duration.days(400)}, "retention (hours)=9600"),
        ({"batch_size": 0}, "batch_size=0: must be an integer from 1 to 10000"),
        ({"max_batching_window": Duration.minutes(10)}, "max_batching_window (seconds)=600"),
        ({"parallelization_factor": 11}, "parallelization_factor=11: must be an integer from 1 to 10"),
        ({"retry_attempts": -1}, "retry_attempts=-1: must be an integer from 0 to 10000"),
        ({"max_record_age": Duration.seconds(30)}, "max_record_age (seconds)=30: must be an integer from 60"),
        ({"max_iterator_age": Duration.days(2)}, "max_iterator_age (seconds)=172800: must be above 0 and below"),
        ({"stream_name": "no spaces"}, "stream_name='no spaces': must match the pattern"),
    ],
)
def test_rejects_bad_input_with_a_clear_message(kwargs, message, shared):
    with pytest.raises(ConstructValidationError) as error:
        FeatureIngestionStream(new_stack(), "Bad", feature_group=shared.group, network=shared.network, **kwargs)
    assert "FeatureIngestionStream 'Test/Bad' has invalid input" in str(error.value)
    assert message in str(error.value)


def test_a_network_without_the_runtime_and_sqs_endpoints_is_named_at_synth(shared):
    """On ``shared``'s network, which has no interface endpoint and no internet route."""
    assert not shared.network.interface_endpoints and not shared.network.internet_egress
    with pytest.raises(ConstructValidationError) as error:
        FeatureIngestionStream(new_stack(), "Bad", feature_group=shared.group, network=shared.network)
    text = str(error.value)
    assert "'sagemaker.featurestore-runtime' interface, 'sqs' interface endpoint" in text
    assert "the consumer writes records to Feature Store" in text
