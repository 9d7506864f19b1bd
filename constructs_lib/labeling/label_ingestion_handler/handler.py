"""``LabelingWorkflow``'s label ingester: a labeling job's output manifest in, Feature Store
``PutRecord`` out (one record per labeled data object).

The state machine invokes it after the job with ``{"Bucket", "Key", "LabelingJobName"}``: the job's
output manifest (an augmented manifest, one JSON object a line). A Ground Truth output line holds the
data object (``source-ref``, the object's S3 URI, or ``source``, a text), the label under the job's
label attribute (``LABEL_ATTRIBUTE``: a class index, an object of boxes or entities, or for ``-ref``
attributes the S3 URI of a mask or an annotation file) and ``<attribute>-metadata`` (``class-name``,
``confidence``, ``human-annotated``, ``creation-date``, ``job-name``; ``failure-reason`` for an object
that could not be labeled). It becomes the record:

- ``object_id`` (the record identifier): SHA-256 of ``source-ref`` (or of ``source``), the same for the
  same data object in every job, every retry and every duplicate of this event;
- ``labeled_at`` (the event time): the label's ``creation-date`` as ISO-8601 UTC to the millisecond
  (``yyyy-MM-ddTHH:mm:ss.SSSZ``), fixed by Ground Truth, so a retry writes the same event time;
- ``source``, ``label`` (a string as it is, anything else as compact JSON), ``class_name``,
  ``confidence``, ``human_annotated``, ``labeling_job``: those the feature group defines
  (``FEATURES``: name to type) and the line has.

Idempotence: ``PutRecord`` is an upsert by record identifier and event time, so a retried invocation
or a duplicated event rewrites identical records: the online store keeps one per object (the latest
``creation-date`` wins: a later job's label of the same object replaces an earlier one), and the
offline store's history gets rows with the same (identifier, event time), which its readers
deduplicate on. Lines without a label (``failure-reason``) are skipped and counted.

Failures: throttling and transient errors are retried by botocore (standard mode, with backoff);
beyond that the invocation fails and the state machine retries it whole (harmless, see above). A line
Feature Store refuses (``ValidationError``) or that is not a label line is counted and logged with its
line number and reason (never its values), and the others are still written; the result carries the
counts. Every decision is one JSON log line.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from datetime import UTC, datetime
from typing import Any, cast

import boto3  # pyright: ignore[reportMissingTypeStubs] - boto3 ships no stubs: clients are Any (_client)
from botocore.config import Config  # pyright: ignore[reportMissingTypeStubs] - botocore ships no stubs
from botocore.exceptions import ClientError  # pyright: ignore[reportMissingTypeStubs] - botocore ships no stubs

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 8}, connect_timeout=5, read_timeout=15)
#: Feature Store's errors that no retry can fix: the line is counted as refused.
PERMANENT_ERRORS = frozenset({"ValidationError"})
#: ``ValueAsString`` in botocore's sagemaker-featurestore-runtime model: at most 358400 characters.
MAX_VALUE_LENGTH = 358400
RECORD_IDENTIFIER = "object_id"
EVENT_TIME = "labeled_at"


class NotALabel(Exception):
    """A line that holds no label to ingest (its reason is safe to log: no values)."""


def _client(service: str) -> Any:
    return cast(Any, boto3).client(service, config=CLIENT_CONFIG)


def _error_code(error: ClientError) -> str | None:
    return cast("dict[str, Any]", error.response).get("Error", {}).get("Code")


def _log(decision: str, **fields: Any) -> None:
    LOG.info(json.dumps({"decision": decision, **fields}, default=str))


def event_time(creation_date: Any) -> str:
    """Ground Truth's ``creation-date`` (``2026-12-01T10:00:00.123456``, UTC) as Feature Store's
    ISO-8601 event time (``2026-12-01T10:00:00.123Z``)."""
    if not isinstance(creation_date, str):
        raise NotALabel("the label metadata has no creation-date")
    try:
        parsed = datetime.fromisoformat(creation_date.removesuffix("Z"))
    except ValueError as error:
        raise NotALabel("the label's creation-date is not ISO-8601") from error
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.") + f"{parsed.microsecond // 1000:03d}Z"


def label_values(line: dict[str, Any], attribute: str, job_name: str) -> dict[str, Any]:
    """The label record's feature values of one output manifest line (``NotALabel`` if it has none)."""
    source = line.get("source-ref", line.get("source"))
    if not isinstance(source, str) or not source:
        raise NotALabel("the line has no source-ref or source")
    metadata = line.get(f"{attribute}-metadata")
    if not isinstance(metadata, dict):
        raise NotALabel(f"the line has no {attribute}-metadata")
    metadata = cast(dict[str, Any], metadata)
    if attribute not in line:
        raise NotALabel("the object was not labeled" + (" (failure-reason)" if "failure-reason" in metadata else ""))
    label = line[attribute]
    confidence = metadata.get("confidence")
    return {
        RECORD_IDENTIFIER: hashlib.sha256(source.encode()).hexdigest(),
        EVENT_TIME: event_time(metadata.get("creation-date")),
        "source": source,
        "label": label if isinstance(label, str) else json.dumps(label, separators=(",", ":"), sort_keys=True),
        "class_name": metadata.get("class-name"),
        "confidence": confidence
        if isinstance(confidence, (int, float)) and not isinstance(confidence, bool) and math.isfinite(confidence)
        else None,
        "human_annotated": metadata.get("human-annotated"),
        "labeling_job": job_name,
    }


def feature_record(values: dict[str, Any], features: dict[str, str]) -> list[dict[str, str]]:
    """``PutRecord``'s ``Record``: the values the feature group defines, as strings of their types."""
    record: list[dict[str, str]] = []
    for name, value in values.items():
        if value is None or name not in features:
            continue
        kind = features[name]
        if kind == "Integral":
            if not isinstance(value, int) or isinstance(value, bool):
                raise NotALabel(f"feature {name!r} is Integral: the line's value is not a whole number")
            text = str(value)
        elif kind == "Fractional":
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise NotALabel(f"feature {name!r} is Fractional: the line's value is not a number")
            text = repr(float(value))
        else:
            text = value if isinstance(value, str) else json.dumps(value)
        if len(text) > MAX_VALUE_LENGTH:
            raise NotALabel(f"feature {name!r} is longer than {MAX_VALUE_LENGTH} characters")
        record.append({"FeatureName": name, "ValueAsString": text})
    return record


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    """Ingest one labeling job's output manifest; returns the counts."""
    bucket, key, job = event["Bucket"], event["Key"], event["LabelingJobName"]
    features = cast(dict[str, str], json.loads(os.environ["FEATURES"]))
    attribute, group = os.environ["LABEL_ATTRIBUTE"], os.environ["FEATURE_GROUP_NAME"]
    s3, runtime = _client("s3"), _client("sagemaker-featurestore-runtime")
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    written = skipped = refused = 0
    for number, text in enumerate(body.splitlines(), start=1):
        if not text.strip():
            continue
        try:
            line = json.loads(text)
            if not isinstance(line, dict):
                raise NotALabel("the line is not a JSON object")
            record = feature_record(label_values(cast(dict[str, Any], line), attribute, job), features)
        except (NotALabel, ValueError) as error:
            reason = str(error) if isinstance(error, NotALabel) else "the line is not JSON"
            skipped += 1
            _log("skipped", line=number, reason=reason)
            continue
        try:
            runtime.put_record(FeatureGroupName=group, Record=record)
            written += 1
        except ClientError as error:
            if _error_code(error) not in PERMANENT_ERRORS:
                _log("retry", line=number, error=_error_code(error), written=written)
                raise  # the state machine retries the whole manifest: every put is an idempotent upsert
            refused += 1
            _log("refused", line=number, error=_error_code(error))
    result = {"labelingJob": job, "written": written, "skipped": skipped, "refused": refused}
    _log("manifest-done", **result)
    return result
