"""``LabelingWorkflow``'s batcher: one SQS batch of S3 "Object Created" events becomes one labeling job.

The queue receives the events from an EventBridge rule; Lambda's SQS event source collects them for up
to the batching window (or until the batch is full) and invokes this function with the batch. The
function:

1. keeps the events of objects under ``SOURCE_BUCKET``/``SOURCE_PREFIX`` (not folder markers), one per
   key: S3 and EventBridge deliver at least once and an overwritten key sends a second event, so a key
   appears once in a manifest, with its newest event (the highest ``sequencer``);
2. writes the input manifest ``MANIFEST_PREFIX<job name>.manifest``, one JSON line per object, as
   ``MANIFEST_LINE`` says: ``source-ref`` (``{"source-ref": "s3://..."}``), ``source`` (text tasks:
   ``{"source": "<the object's UTF-8 text>"}``) or ``object`` (3D point cloud frames: the object's
   own JSON line, checked here). An object that is gone, too large or not what the line needs is
   left out (logged);
3. starts the state machine with execution name = labeling job name. The name derives from the batch:
   the newest event's minute and a digest of the keys and their sequencers. A batch that SQS delivers
   again (the function failed or timed out after the start) has the same name: Step Functions answers
   a running execution's duplicate start with that execution, and a finished one's with
   ``ExecutionAlreadyExists``, so no object is labeled twice for a retried batch and no second job
   starts. The manifest write is idempotent for the same reason.

A batch with no usable event (foreign keys, folders, malformed bodies) starts nothing. Any failure
(throttling beyond botocore's retries, a timeout) fails the whole batch: SQS delivers it again after
the visibility timeout and, after ``maxReceiveCount`` receives, moves its messages to the dead-letter
queue. Every decision is logged as one JSON line.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from datetime import UTC, datetime
from typing import Any, TypeGuard, cast

import boto3  # pyright: ignore[reportMissingTypeStubs] - boto3 ships no stubs: clients are Any (_client)
from botocore.config import Config  # pyright: ignore[reportMissingTypeStubs] - botocore ships no stubs
from botocore.exceptions import ClientError  # pyright: ignore[reportMissingTypeStubs] - botocore ships no stubs

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

#: Throttling and transient errors are retried with backoff by botocore; a call that hangs times out.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=15)
#: The largest object read into a manifest line (a text, a 3D point cloud frame's line).
MAX_OBJECT_BYTES = 100_000


def _client(service: str) -> Any:
    """A boto3 client, typed ``Any`` here once: boto3 has no type stubs."""
    return cast(Any, boto3).client(service, config=CLIENT_CONFIG)


def _is_object(value: Any) -> TypeGuard[dict[str, Any]]:
    return isinstance(value, dict)


def _error_code(error: ClientError) -> str | None:
    return cast("dict[str, Any]", error.response).get("Error", {}).get("Code")


def _log(decision: str, **fields: Any) -> None:
    LOG.info(json.dumps({"decision": decision, **fields}, default=str, sort_keys=True))


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    records: Any = event.get("Records") if _is_object(event) else None
    if not isinstance(records, list):
        _log("rejected", reason="event has no SQS Records list")
        raise ValueError("malformed invocation: expected an SQS event with a 'Records' list")
    objects = _objects(cast("list[Any]", records))
    if not objects:
        _log("empty-batch", records=len(cast("list[Any]", records)))
        return {"batchItemFailures": []}
    bucket = os.environ["SOURCE_BUCKET"]
    lines = _manifest_lines(bucket, objects)
    if not lines:
        _log("empty-batch", records=len(cast("list[Any]", records)), reason="no object gave a manifest line")
        return {"batchItemFailures": []}
    name = job_name(objects)
    manifest_bucket = os.environ["MANIFEST_BUCKET"]
    manifest_key = f"{os.environ['MANIFEST_PREFIX']}{name}.manifest"
    _client("s3").put_object(
        Bucket=manifest_bucket,
        Key=manifest_key,
        Body=("\n".join(lines) + "\n").encode(),
        ContentType="application/jsonlines",
    )
    execution_input = {
        "LabelingJobName": name,
        "ManifestS3Uri": f"s3://{manifest_bucket}/{manifest_key}",
        "ObjectCount": len(lines),
    }
    try:
        response = _client("stepfunctions").start_execution(
            stateMachineArn=os.environ["STATE_MACHINE_ARN"], name=name, input=json.dumps(execution_input)
        )
    except ClientError as error:
        if _error_code(error) != "ExecutionAlreadyExists":
            raise
        _log("duplicate-batch", job=name, objects=len(lines))  # this batch's job ran already
        return {"batchItemFailures": []}
    _log("started", job=name, objects=len(lines), execution=response["executionArn"], manifest=manifest_key)
    return {"batchItemFailures": []}


def _objects(records: list[Any]) -> dict[str, dict[str, str]]:
    """Key -> its newest event's ``sequencer`` and ``time``, for the batch's objects under the prefix."""
    bucket, prefix = os.environ["SOURCE_BUCKET"], os.environ["SOURCE_PREFIX"]
    newest: dict[str, dict[str, str]] = {}
    for record in records:
        body = _body(record)
        detail = body.get("detail") if body is not None else None
        s3_object = detail.get("object") if _is_object(detail) else None
        if not (_is_object(detail) and _is_object(s3_object)):
            _log("ignored-record", reason="not an S3 'Object Created' event", message_id=_message_id(record))
            continue
        key = s3_object.get("key")
        named = detail.get("bucket")
        if not isinstance(key, str) or not _is_object(named) or named.get("name") != bucket:
            _log("ignored-record", reason="another bucket, or no key", message_id=_message_id(record))
            continue
        if not key.startswith(prefix) or key.endswith("/"):
            _log("ignored-record", reason="outside the prefix, or a folder marker", key=key)
            continue
        sequencer = str(s3_object.get("sequencer") or "")
        seen = newest.get(key)
        if seen is None or _later(sequencer, seen["sequencer"]):
            newest[key] = {"sequencer": sequencer, "time": str(body.get("time") if body else "")}
        else:
            _log("duplicate-event", key=key)
    return newest


def _body(record: Any) -> dict[str, Any] | None:
    if not _is_object(record):
        return None
    try:
        body = json.loads(record.get("body") or "")
    except (TypeError, ValueError):
        return None
    return body if _is_object(body) else None


def _message_id(record: Any) -> Any:
    return record.get("messageId") if _is_object(record) else None


def _later(sequencer: str, than: str) -> bool:
    """S3's sequencers order the events of one key: hexadecimal, compared at equal length."""
    width = max(len(sequencer), len(than))
    return sequencer.rjust(width, "0") > than.rjust(width, "0")


def job_name(objects: dict[str, dict[str, str]]) -> str:
    """``<JOB_NAME_PREFIX>-<newest event, YYYYMMDDHHMM>-<digest of keys and sequencers>``: the same
    batch always has the same name (at most 63 characters: the prefix has at most 40)."""
    digest = hashlib.sha256(
        "\n".join(f"{key}@{seen['sequencer']}" for key, seen in sorted(objects.items())).encode()
    ).hexdigest()[:8]
    times = [_parse_time(seen["time"]) for seen in objects.values()]
    newest = max((t for t in times if t is not None), default=datetime(1970, 1, 1, tzinfo=UTC))
    return f"{os.environ['JOB_NAME_PREFIX']}-{newest:%Y%m%d%H%M}-{digest}"


def _parse_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _manifest_lines(bucket: str, objects: dict[str, dict[str, str]]) -> list[str]:
    kind = os.environ.get("MANIFEST_LINE", "source-ref")
    if kind == "source-ref":
        return [json.dumps({"source-ref": f"s3://{bucket}/{key}"}) for key in sorted(objects)]
    s3 = _client("s3")
    lines: list[str] = []
    for key in sorted(objects):
        data = _read(s3, bucket, key)
        line = None if data is None else (_text_line(key, data) if kind == "source" else _object_line(key, data))
        if line is not None:
            lines.append(line)
    return lines


def _read(s3: Any, bucket: str, key: str) -> bytes | None:
    """The object's bytes, or None (logged) if it is gone or larger than ``MAX_OBJECT_BYTES``."""
    try:
        response = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{MAX_OBJECT_BYTES}")
    except ClientError as error:
        if _error_code(error) in ("NoSuchKey", "404"):
            _log("ignored-object", key=key, reason="deleted since its event")
            return None
        raise
    data = cast(bytes, response["Body"].read())
    if len(data) > MAX_OBJECT_BYTES:
        _log("ignored-object", key=key, reason=f"larger than {MAX_OBJECT_BYTES} bytes")
        return None
    return data


def _text_line(key: str, data: bytes) -> str | None:
    """``{"source": text}`` of a UTF-8 text object, or None (logged) if it is not text or empty."""
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        text = ""
    if not text:
        _log("ignored-object", key=key, reason="not UTF-8 text, or empty")
        return None
    return json.dumps({"source": text}, ensure_ascii=False)


def _object_line(key: str, data: bytes) -> str | None:
    """The object's own manifest line (a JSON object with ``source-ref``), or None (logged)."""
    try:
        line = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        line = None
    if not (_is_object(line) and isinstance(line.get("source-ref"), str)):
        _log("ignored-object", key=key, reason="not a JSON manifest line with a 'source-ref'")
        return None
    return json.dumps(line, separators=(",", ":"))
