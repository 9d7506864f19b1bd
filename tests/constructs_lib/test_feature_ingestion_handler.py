"""FeatureIngestionStream's consumer (``constructs_lib/platform/feature_ingestion_stream_handler/handler.py``)
with moto's SQS (the dead-letter queue), a Feature Store that keeps PutRecord's documented semantics
(checked against botocore's model), and botocore's Stubber for faults.

Feature Store (SageMaker API reference, PutRecord): "If a new record's EventTime is greater, the new
record is written to both the OnlineStore and OfflineStore. Otherwise, the record is a historic record
and it is written only to the OfflineStore." moto has no Feature Store runtime: ``FeatureStore`` is that
rule, on a real botocore client's parameter validation.
"""

import base64
import functools
import json

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from botocore.validate import validate_parameters
from moto import mock_aws

from constructs_lib.platform.feature_ingestion_stream_handler import handler as consumer

REGION = "eu-west-1"
STREAM = f"arn:aws:kinesis:{REGION}:123456789012:stream/ingest"
FEATURES = {"customer_id": "String", "event_time": "Fractional", "orders_30d": "Integral", "channel": "String"}


class FeatureStore:
    """PutRecord as Feature Store documents it: the online store keeps each identifier's record with
    the greatest event time; the offline store appends every record."""

    def __init__(self) -> None:
        self.online: dict[str, dict[str, str]] = {}
        self.offline: list[dict[str, str]] = []
        self._input = _put_record_input()

    def put_record(self, **params):
        validate_parameters(params, self._input)  # botocore's model: names, lengths, required members
        assert params["FeatureGroupName"] == "customers"
        record = {v["FeatureName"]: v["ValueAsString"] for v in params["Record"]}
        self.offline.append(record)
        current = self.online.get(record["customer_id"])
        if current is None or float(record["event_time"]) > float(current["event_time"]):
            self.online[record["customer_id"]] = record
        return {}


@functools.cache
def _put_record_input():
    """PutRecord's input shape in botocore's model, loaded once: it is only read (by ``validate_parameters``)."""
    model = boto3.client("sagemaker-featurestore-runtime", region_name=REGION).meta.service_model
    return model.operation_model("PutRecord").input_shape


def kinesis_record(data, sequence: str) -> dict:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return {
        "eventSource": "aws:kinesis",
        "eventSourceARN": STREAM,
        "kinesis": {"partitionKey": "p", "sequenceNumber": sequence, "data": base64.b64encode(raw).decode()},
    }


def batch(*payloads) -> dict:
    return {"Records": [kinesis_record(p, f"{i:05d}") for i, p in enumerate(payloads, start=1)]}


@pytest.fixture(scope="module")
def session() -> boto3.session.Session:
    """The boto3 session the tests make their clients with: ``mock_aws`` drops boto3's default session
    at each start, and making one costs about 5 ms. Safe to share: a session only makes clients, and
    each client copies its event handlers, so what a test stubs stays on its own client."""
    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


@pytest.fixture
def world(monkeypatch, session):
    with mock_aws():
        sqs = session.client("sqs")
        url = sqs.create_queue(QueueName="ingest-dlq")["QueueUrl"]
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "FEATURE_GROUP_NAME": "customers",
            "FEATURES": json.dumps(FEATURES),
            "RECORD_IDENTIFIER": "customer_id",
            "EVENT_TIME": "event_time",
            "DEAD_LETTER_QUEUE_URL": url,
        }.items():
            monkeypatch.setenv(name, value)
        store = FeatureStore()
        clients = {"sagemaker-featurestore-runtime": store, "sqs": sqs}
        monkeypatch.setattr(consumer, "_client", lambda service: clients[service])

        class World:
            pass

        w = World()
        w.store, w.sqs, w.url, w.clients, w.session = store, sqs, url, clients, session

        def dead_letters() -> list[dict]:
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            return [json.loads(m["Body"]) for m in messages]

        w.dead_letters = dead_letters
        yield w


def customer(cid: str, at: float, **more) -> dict:
    return {"customer_id": cid, "event_time": at, **more}


def test_valid_records_are_written_and_none_reported(world):
    result = consumer.handler(batch(customer("c1", 100.0, orders_30d=3, channel="web"), customer("c2", 100.5)))
    assert result == {"batchItemFailures": []}
    assert world.store.online["c1"] == {"customer_id": "c1", "event_time": "100.0", "orders_30d": "3", "channel": "web"}
    assert set(world.store.online) == {"c1", "c2"}
    assert world.dead_letters() == []


def test_missing_and_null_features_are_left_out_of_the_record(world):
    consumer.handler(batch(customer("c1", 1.0, orders_30d=None)))
    assert world.store.online["c1"] == {"customer_id": "c1", "event_time": "1.0"}


def test_a_duplicate_leaves_the_online_record_and_adds_an_offline_row(world):
    consumer.handler(batch(customer("c1", 100.0, orders_30d=3)))
    # A redelivery (or a retry from an earlier reported sequence number) of the same record.
    result = consumer.handler(batch(customer("c1", 100.0, orders_30d=3)))
    assert result == {"batchItemFailures": []}
    assert world.store.online["c1"]["orders_30d"] == "3"
    assert world.store.offline == [world.store.online["c1"]] * 2


def test_order_does_not_matter_to_the_online_store_the_latest_event_time_wins(world):
    consumer.handler(batch(customer("c1", 200.0, orders_30d=5), customer("c1", 100.0, orders_30d=1)))
    assert world.store.online["c1"]["orders_30d"] == "5"
    assert len(world.store.offline) == 2


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"not json", "the data is not base64-encoded JSON"),
        ([1, 2], "the data must be a JSON object"),
        (customer("c1", 1.0, colour="red"), "the feature group defines no feature ['colour']"),
        ({"event_time": 1.0}, "the record needs 'customer_id'"),
        ({"customer_id": "c1"}, "the record needs 'event_time'"),
        ({"customer_id": "", "event_time": 1.0}, "the record identifier 'customer_id' must not be empty"),
        (customer("c1", 1.0, orders_30d="three"), "feature 'orders_30d' is Integral: needs a whole number"),
        (customer("c1", 1.0, orders_30d=2.5), "feature 'orders_30d' is Integral"),
        (customer("c1", 1.0, orders_30d=True), "feature 'orders_30d' is Integral"),
        (customer("c1", "yesterday"), "feature 'event_time' is Fractional: needs a finite number"),
        (b'{"customer_id": "c1", "event_time": NaN}', "feature 'event_time' is Fractional: needs a finite number"),
        (customer("c1", 1.0, channel=7), "feature 'channel' is String: needs a string"),
    ],
)
def test_a_record_that_can_never_be_written_goes_to_the_dead_letter_queue_not_back_to_lambda(world, data, reason):
    result = consumer.handler(batch(data, customer("c2", 1.0)))
    assert result == {"batchItemFailures": []}  # not retried forever
    [letter] = world.dead_letters()
    assert reason in letter["reason"]
    assert (letter["sequenceNumber"], letter["eventSourceARN"], letter["featureGroupName"]) == (
        "00001",
        STREAM,
        "customers",
    )
    assert base64.b64decode(letter["data"])  # the record itself is kept for a redrive
    assert set(world.store.online) == {"c2"}  # the rest of the batch is written


def test_an_iso_8601_string_event_time_is_checked(world, monkeypatch):
    monkeypatch.setenv("FEATURES", json.dumps({**FEATURES, "event_time": "String"}))
    consumer.handler(batch(customer("c1", "2026-12-01T10:00:00Z"), customer("c2", "2026-12-01 10:00")))
    assert set(world.store.online) == {"c1"}
    [letter] = world.dead_letters()
    assert "must be ISO-8601" in letter["reason"]


def _stubbed_feature_store(world) -> Stubber:
    client = world.session.client("sagemaker-featurestore-runtime")
    world.clients["sagemaker-featurestore-runtime"] = client
    return Stubber(client)


def test_a_record_feature_store_refuses_is_dead_lettered(world):
    stubber = _stubbed_feature_store(world)
    stubber.add_client_error("put_record", "ValidationError", "value too long", 400)
    stubber.add_response("put_record", {})
    with stubber:
        result = consumer.handler(batch(customer("c1", 1.0), customer("c2", 1.0)))
    assert result == {"batchItemFailures": []}
    [letter] = world.dead_letters()
    assert letter["reason"] == "Feature Store refused the record: ValidationError"
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("code", ["ThrottlingException", "ServiceUnavailable", "InternalFailure", "ResourceNotFound"])
def test_a_transient_failure_reports_that_record_and_stops_the_batch(world, code):
    stubber = _stubbed_feature_store(world)
    stubber.add_response("put_record", {})
    stubber.add_client_error("put_record", code, "try again", 503)
    with stubber:  # the third record is not tried: Lambda retries from the second
        result = consumer.handler(batch(customer("c1", 1.0), customer("c2", 1.0), customer("c3", 1.0)))
    assert result == {"batchItemFailures": [{"itemIdentifier": "00002"}]}
    assert world.dead_letters() == []
    stubber.assert_no_pending_responses()


def test_a_failed_send_to_the_dead_letter_queue_is_retried_not_dropped(world):
    stubber = Stubber(world.sqs)
    stubber.add_client_error("send_message", "RequestThrottled", "slow down", 400)
    with stubber:
        result = consumer.handler(batch(customer("c1", 1.0), b"not json", customer("c3", 1.0)))
    assert result == {"batchItemFailures": [{"itemIdentifier": "00002"}]}
    assert set(world.store.online) == {"c1"}


def test_the_retry_from_the_reported_record_writes_the_rest(world):
    """What Lambda does after a reported failure: the batch again from that sequence number."""
    stubber = _stubbed_feature_store(world)
    stubber.add_client_error("put_record", "ThrottlingException", "slow down", 400)
    records = batch(customer("c1", 1.0), customer("c2", 2.0))
    with stubber:
        failed = consumer.handler(records)["batchItemFailures"][0]["itemIdentifier"]
    world.clients["sagemaker-featurestore-runtime"] = world.store
    retry = {"Records": [r for r in records["Records"] if r["kinesis"]["sequenceNumber"] >= failed]}
    assert consumer.handler(retry) == {"batchItemFailures": []}
    assert set(world.store.online) == {"c1", "c2"}


def test_an_empty_batch_does_nothing(world):
    assert consumer.handler({"Records": []}) == {"batchItemFailures": []}


def test_decisions_are_logged_without_feature_values(world, caplog):
    caplog.set_level("INFO")
    consumer.handler(batch(customer("secret-id", 1.0, channel="secret-channel"), b"junk"))
    text = caplog.text
    assert "dead-lettered" in text and "batch-done" in text
    assert "secret" not in text


def test_client_errors_keep_their_codes():
    error = ClientError({"Error": {"Code": "ThrottlingException", "Message": "m"}}, "PutRecord")
    assert consumer._error_code(error) == "ThrottlingException"
