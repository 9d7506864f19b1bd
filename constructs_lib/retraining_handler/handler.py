"""Starts the retraining pipeline once for a burst of new training data (``NewDataRetraining``).

Invoked by an SQS event source whose batching window gathers the "Object Created" events of a burst
of uploads into one batch. The function has a reserved concurrency of 1, so batches are handled one
after another, and it starts the pipeline only when no execution started within ``MIN_INTERVAL_SECONDS``:
a burst of uploads starts one run. Objects that land during that interval are in S3 for the next run.

Environment: ``PIPELINE_NAME``, ``PIPELINE_PARAMETERS`` (JSON list of ``{"Name", "Value"}``),
``MIN_INTERVAL_SECONDS``, ``SOURCE`` (``s3://bucket/prefix``, for the execution description).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    sagemaker = boto3.client("sagemaker")
    pipeline = os.environ["PIPELINE_NAME"]
    parameters = json.loads(os.environ.get("PIPELINE_PARAMETERS", "[]"))
    min_interval = timedelta(seconds=int(os.environ.get("MIN_INTERVAL_SECONDS", "3600")))
    source = os.environ.get("SOURCE", "")

    records = event.get("Records")
    if not isinstance(records, list):
        _log("rejected", reason="event has no SQS Records list",
             event_keys=sorted(event) if isinstance(event, dict) else None)
        raise ValueError("malformed invocation: expected an SQS event with a 'Records' list")
    keys: list[str] = []
    message_ids: list[str] = []
    for record in records:
        key = _object_key(record)
        if key is None:
            _log("ignored-record", reason="not an S3 'Object Created' event", message_id=record.get("messageId"))
            continue
        keys.append(key)
        message_ids.append(str(record.get("messageId", key)))
    if not keys:
        _log("nothing-to-do", reason="no object in the batch", records=len(records))
        return {"started": False, "reason": "no-objects"}

    now = datetime.now(timezone.utc)
    recent = _recent_execution(sagemaker, pipeline, since=now - min_interval)
    if recent is not None:
        _log("skipped", reason=f"an execution started less than {min_interval} ago", execution=recent,
             objects=len(keys))
        return {"started": False, "reason": "recent-execution", "execution": recent}

    token = hashlib.sha256("\n".join(sorted(message_ids)).encode()).hexdigest()
    response = sagemaker.start_pipeline_execution(
        PipelineName=pipeline,
        PipelineParameters=parameters,
        PipelineExecutionDescription=f"New training data: {len(keys)} object(s) under {source}"[:3072],
        ClientRequestToken=token,
    )
    arn = response["PipelineExecutionArn"]
    _log("started", execution=arn, objects=len(keys), first_keys=keys[:5])
    return {"started": True, "execution": arn, "objects": len(keys)}


def _object_key(record: dict[str, Any]) -> str | None:
    try:
        body = json.loads(record["body"])
        if body.get("detail-type") != "Object Created":
            return None
        key = body["detail"]["object"]["key"]
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return key if isinstance(key, str) and key else None


def _recent_execution(sagemaker: Any, pipeline: str, *, since: datetime) -> str | None:
    response = sagemaker.list_pipeline_executions(
        PipelineName=pipeline, CreatedAfter=since, SortBy="CreationTime", SortOrder="Descending", MaxResults=10
    )
    for summary in response.get("PipelineExecutionSummaries", []):
        start = summary.get("StartTime")
        if isinstance(start, datetime) and (start if start.tzinfo else start.replace(tzinfo=timezone.utc)) >= since:
            return summary["PipelineExecutionArn"]
    return None


def _log(action: str, **fields: Any) -> None:
    LOG.info(json.dumps({"action": action, **fields}, default=str))
