"""``FeatureIngestionStream``'s consumer: Kinesis records in, Feature Store ``PutRecord`` out.

Each Kinesis record's data is one JSON object: feature name to value. It is checked against the
feature group's definitions (``FEATURES``: name to ``String``/``Integral``/``Fractional``) before it
is written:

- the record identifier (``RECORD_IDENTIFIER``) and event time (``EVENT_TIME``) are required; other
  features may be missing or null (left out of the record); names the group does not define are refused;
- ``Integral`` values are whole numbers (JSON integers or integer strings), ``Fractional`` numbers,
  ``String`` strings; an event time is Unix seconds (``Fractional``) or ISO-8601
  ``yyyy-MM-ddTHH:mm:ss[.SSS]Z`` (``String``), as Feature Store takes them.

A record that fails these checks, or that Feature Store refuses (``ValidationError``), can never
succeed: it goes to the dead-letter queue (``DEAD_LETTER_QUEUE_URL``) with the reason and its
Kinesis coordinates and data, and is not retried. Anything else that fails (throttling and
service errors beyond botocore's retries, a feature group being created, a failed send to the
dead-letter queue) stops the batch there: that record's sequence number is reported as the batch
item failure, so Lambda retries from it (``ReportBatchItemFailures``), bisecting and at most
``MaximumRetryAttempts`` times, after which the event source mapping's on-failure destination gets
the batch's shard and sequence range (the records stay in the stream for its retention period).

Duplicates are harmless. ``PutRecord`` is an upsert by record identifier and event time: a record
whose event time is not newer than the online record's (a redelivery, a retry from the reported
sequence number, a replay) leaves the online store unchanged and adds one more row with the same
identifier and event time to the offline store's history, which readers deduplicate on
(record identifier, event time). Order does not matter to the online store: the latest event time wins.

Every decision is logged as one JSON line (no feature values).
"""

from __future__ import annotations

import base64
import json
import logging
import math
import os
import re
from typing import Any, cast

import boto3  # pyright: ignore[reportMissingTypeStubs] - boto3 ships no stubs: clients are Any (_client)
from botocore.config import Config  # pyright: ignore[reportMissingTypeStubs] - botocore ships no stubs
from botocore.exceptions import ClientError  # pyright: ignore[reportMissingTypeStubs] - botocore ships no stubs

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

#: Throttling and transient errors are retried with backoff by botocore; a call that hangs times out.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=15)
#: Feature Store's errors that no retry can fix: the record goes to the dead-letter queue.
PERMANENT_ERRORS = frozenset({"ValidationError"})
#: ``ValueAsString`` in botocore's sagemaker-featurestore-runtime model: at most 358400 characters.
MAX_VALUE_LENGTH = 358400
_ISO_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$")
_INTEGER = re.compile(r"^-?\d+$")


class InvalidRecord(Exception):
    """A record that can never be written (its reason is safe to log: no feature values)."""


def _client(service: str) -> Any:
    """A boto3 client, typed ``Any`` here once: boto3 has no type stubs."""
    return cast(Any, boto3).client(service, config=CLIENT_CONFIG)


def _error_code(error: ClientError) -> str | None:
    return cast("dict[str, Any]", error.response).get("Error", {}).get("Code")


def _log(decision: str, **fields: Any) -> None:
    LOG.info(json.dumps({"decision": decision, **fields}, default=str))


def _features() -> dict[str, str]:
    return cast(dict[str, str], json.loads(os.environ["FEATURES"]))


def _text(name: str, kind: str, value: Any, *, event_time: bool) -> str:
    """A feature value as ``ValueAsString``, or ``InvalidRecord`` naming the feature and its type."""
    if kind == "Integral":
        if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, str) and _INTEGER.match(value))
        ):
            raise InvalidRecord(f"feature {name!r} is Integral: needs a whole number")
        text = str(int(value))
    elif kind == "Fractional":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise InvalidRecord(f"feature {name!r} is Fractional: needs a finite number")
        text = repr(float(value)) if isinstance(value, float) else str(value)
    else:
        if not isinstance(value, str):
            raise InvalidRecord(f"feature {name!r} is String: needs a string")
        if event_time and not _ISO_8601.match(value):
            raise InvalidRecord(f"event time {name!r} must be ISO-8601 yyyy-MM-ddTHH:mm:ss[.SSS]Z")
        text = value
    if len(text) > MAX_VALUE_LENGTH:
        raise InvalidRecord(f"feature {name!r} is longer than {MAX_VALUE_LENGTH} characters")
    return text


def feature_record(payload: Any, features: dict[str, str], identifier: str, event_time: str) -> list[dict[str, str]]:
    """The ``Record`` of ``PutRecord`` for one decoded payload, or ``InvalidRecord``."""
    if not isinstance(payload, dict):
        raise InvalidRecord("the data must be a JSON object of feature name to value")
    values = cast(dict[str, Any], payload)
    unknown = sorted(k for k in values if k not in features)
    if unknown:
        raise InvalidRecord(f"the feature group defines no feature {unknown}")
    for required in (identifier, event_time):
        if values.get(required) is None:
            raise InvalidRecord(f"the record needs {required!r}")
    if values[identifier] == "":
        raise InvalidRecord(f"the record identifier {identifier!r} must not be empty")
    return [
        {"FeatureName": name, "ValueAsString": _text(name, features[name], value, event_time=name == event_time)}
        for name, value in values.items()
        if value is not None
    ]


def _decode(record: dict[str, Any]) -> Any:
    try:
        return json.loads(base64.b64decode(record["kinesis"]["data"], validate=True))
    except (ValueError, KeyError, TypeError) as error:  # binascii.Error and JSONDecodeError are ValueErrors
        raise InvalidRecord(f"the data is not base64-encoded JSON ({type(error).__name__})") from error


def _dead_letter(sqs: Any, record: dict[str, Any], reason: str) -> None:
    """Keep a record that can never be written, with why and where it came from."""
    kinesis = record.get("kinesis", {})
    sqs.send_message(
        QueueUrl=os.environ["DEAD_LETTER_QUEUE_URL"],
        MessageBody=json.dumps(
            {
                "reason": reason,
                "featureGroupName": os.environ["FEATURE_GROUP_NAME"],
                "eventSourceARN": record.get("eventSourceARN"),
                "partitionKey": kinesis.get("partitionKey"),
                "sequenceNumber": kinesis.get("sequenceNumber"),
                "data": kinesis.get("data"),
            }
        ),
    )


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    """A batch of Kinesis records; the first that must be retried is reported (Lambda retries from it)."""
    records = cast(list[dict[str, Any]], event.get("Records") or [])
    features = _features()
    identifier, event_time = os.environ["RECORD_IDENTIFIER"], os.environ["EVENT_TIME"]
    group = os.environ["FEATURE_GROUP_NAME"]
    runtime, sqs = _client("sagemaker-featurestore-runtime"), _client("sqs")
    written = dead = 0
    for record in records:
        sequence = record["kinesis"]["sequenceNumber"]
        try:
            try:
                values = feature_record(_decode(record), features, identifier, event_time)
                runtime.put_record(FeatureGroupName=group, Record=values)
                written += 1
                continue
            except InvalidRecord as error:
                reason = str(error)
            except ClientError as error:
                if _error_code(error) not in PERMANENT_ERRORS:
                    raise
                reason = f"Feature Store refused the record: {_error_code(error)}"
            _dead_letter(sqs, record, reason)
            dead += 1
            _log("dead-lettered", sequenceNumber=sequence, reason=reason)
        except ClientError as error:
            _log("retry", sequenceNumber=sequence, error=_error_code(error), written=written, deadLettered=dead)
            return {"batchItemFailures": [{"itemIdentifier": sequence}]}
    _log("batch-done", records=len(records), written=written, deadLettered=dead)
    return {"batchItemFailures": []}
