"""The retraining triggers' functions (``NewDataRetraining``, ``DriftRetraining``), one module, two entry points.

``on_queue_batch`` (new data, a quiet-period debounce). One FIFO SQS queue with a single message group
carries two kinds of message, so the function handles them one at a time, in order, and never races
itself:

- S3 "Object Created" events (from the EventBridge rule). Each moves the trigger's one-time EventBridge
  Scheduler schedule (fixed name ``SCHEDULE_NAME`` in ``SCHEDULE_GROUP``) to ``at(event time + quiet
  period)``, never earlier: a duplicate or an out-of-order (older) event changes nothing, and the schedule
  fires only once uploads have stopped for the quiet period. The schedule's input records the upload
  window (first and last event time). An event older than a window that has already come due was in S3
  when that window's run started: it is covered, and ignored.
- "due" messages, which the schedule sends to the same queue when it fires (its input: the window and
  the due time). A due message whose schedule has since moved later is stale (uploads resumed: the later
  due covers it). Otherwise, if an execution of the pipeline is running, the schedule is re-armed
  ``DEFER_SECONDS`` later with the same window (the run is deferred, not dropped); else the pipeline
  starts with the window in its description and ``DATA_URI_PARAMETER`` (when set) = ``SOURCE``, the
  whole prefix, so the run covers everything uploaded. Failed or stopped runs block nothing. The
  start is idempotent: its display name and client token derive from the due time, so a redelivered
  due message (the scheduler and SQS deliver at least once) finds its run and starts no second one.

A message that fails (throttling beyond botocore's retries, a timeout) is reported with every later one
as a batch item failure: SQS redelivers them in order, and after ``maxReceiveCount`` tries moves them to
the dead-letter queue.

``on_drift_alarm`` (drift, rate-limited): an EventBridge "CloudWatch Alarm State Change" event to ALARM
starts the pipeline unless this trigger started a run (display name ``drift-...``, whatever its outcome)
less than ``MIN_INTERVAL_SECONDS`` ago, so a flapping alarm starts at most one run per interval. The
function's reserved concurrency is 1, so two events at once are handled one after the other; the client
token derives from the event id, so a redelivered event starts no second run.

Every decision is logged as one JSON line.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from datetime import UTC, datetime, timedelta
from typing import Any, TypeGuard, cast

import boto3  # pyright: ignore[reportMissingTypeStubs] - boto3 ships no stubs: clients are Any (_client)
from botocore.config import Config  # pyright: ignore[reportMissingTypeStubs] - botocore ships no stubs
from botocore.exceptions import ClientError  # pyright: ignore[reportMissingTypeStubs] - botocore ships no stubs

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

#: Throttling and transient errors are retried with backoff by botocore; a call that hangs times out.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=15)
DUE_KIND = "retraining-due"
#: Statuses of an execution that is still running: a new run waits for it.
RUNNING = frozenset({"Executing", "Stopping"})
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")


def _client(service: str) -> Any:
    """A boto3 client, typed ``Any`` here once: boto3 has no type stubs."""
    return cast(Any, boto3).client(service, config=CLIENT_CONFIG)


def _error_code(error: ClientError) -> str | None:
    """The service's error code of a ``ClientError`` (``ConflictException``...)."""
    return cast("dict[str, Any]", error.response).get("Error", {}).get("Code")


def _is_object(value: Any) -> TypeGuard[dict[str, Any]]:
    """Whether a value of an event (JSON) is an object."""
    return isinstance(value, dict)


# --- new data: quiet-period debounce -----------------------------------------------------------------


def on_queue_batch(event: Any, context: Any = None) -> dict[str, Any]:
    records: Any = event.get("Records") if _is_object(event) else None
    if not isinstance(records, list):
        _log(
            "rejected",
            reason="event has no SQS Records list",
            event_keys=sorted(event) if _is_object(event) else None,
        )
        raise ValueError("malformed invocation: expected an SQS event with a 'Records' list")
    scheduler, sagemaker = _client("scheduler"), _client("sagemaker")
    messages = cast("list[dict[str, Any]]", records)
    for index, record in enumerate(messages):
        try:
            _handle_message(scheduler, sagemaker, record)
        except Exception as error:  # noqa: BLE001 - reported, retried by SQS in order
            failed = [r.get("messageId") for r in messages[index:]]
            _log("failed", message_id=record.get("messageId"), error=f"{type(error).__name__}: {error}", retried=failed)
            return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
    return {"batchItemFailures": []}


def _handle_message(scheduler: Any, sagemaker: Any, record: dict[str, Any]) -> None:
    try:
        body = json.loads(record["body"])
    except (KeyError, TypeError, ValueError):
        _log("ignored-record", reason="body is not JSON", message_id=record.get("messageId"))
        return
    if _is_object(body) and body.get("kind") == DUE_KIND:
        _on_due(scheduler, sagemaker, body)
        return
    upload = _upload_time(body)
    if upload is None:
        _log(
            "ignored-record", reason="not an S3 'Object Created' event with a time", message_id=record.get("messageId")
        )
        return
    _on_upload(scheduler, upload, key=body["detail"]["object"]["key"])


def _on_upload(scheduler: Any, upload: datetime, *, key: str) -> None:
    quiet = timedelta(seconds=int(os.environ["QUIET_SECONDS"]))
    now = _now()
    current = _get_schedule(scheduler)
    exists = current is not None
    wanted = _ceil_second(upload + quiet)
    if current is not None and current["due"] <= now:  # that window came due: its run sees what was there
        if upload < current["due"]:
            _log("covered", key=key, upload=upload, due=current["due"])
            return
        current = None  # a new window
    if current is None:
        window = {"first_upload": upload, "last_upload": upload}
        due = max(wanted, _ceil_second(now + timedelta(seconds=60)))  # a late event: due soon, not in the past
        _put_schedule(scheduler, due, window, create=not exists)
        _log("armed", key=key, upload=upload, due=due)
        return
    window = {"first_upload": min(current["first_upload"], upload), "last_upload": max(current["last_upload"], upload)}
    due = max(current["due"], wanted)  # never earlier: duplicates and older events change nothing
    if due == current["due"] and window == _window(current):
        _log("unchanged", key=key, upload=upload, due=due)
        return
    _put_schedule(scheduler, due, window, deferrals=current["deferrals"])
    _log("moved", key=key, upload=upload, due=due)


def _on_due(scheduler: Any, sagemaker: Any, message: dict[str, Any]) -> None:
    due = _parse_time(message["due"])
    window = {"first_upload": _parse_time(message["first_upload"]), "last_upload": _parse_time(message["last_upload"])}
    current = _get_schedule(scheduler)
    if current is not None and current["due"] > due:
        # Uploads resumed after this window came due: the open, later window's run covers both.
        if current["first_upload"] > window["first_upload"] and current["due"] > _now():
            _put_schedule(
                scheduler,
                current["due"],
                {**_window(current), "first_upload": window["first_upload"]},
                deferrals=current["deferrals"],
            )
        _log("stale-due", due=due, current_due=current["due"])
        return
    pipeline = os.environ["PIPELINE_NAME"]
    display_name = f"new-data-{due:%Y%m%d%H%M%S}"
    recent = _executions(sagemaker, pipeline)
    mine = [e for e in recent if e.get("PipelineExecutionDisplayName") == display_name]
    if mine:
        _log("duplicate-due", due=due, execution=mine[0]["PipelineExecutionArn"])
        return
    running = [e["PipelineExecutionArn"] for e in recent if e.get("PipelineExecutionStatus") in RUNNING]
    if running:
        deferred = _ceil_second(_now() + timedelta(seconds=int(os.environ["DEFER_SECONDS"])))
        deferrals = int(message.get("deferrals", 0)) + 1
        _put_schedule(scheduler, deferred, window, deferrals=deferrals)
        _log("deferred", due=due, until=deferred, running=running, deferrals=deferrals)
        return
    source = os.environ["SOURCE"]
    parameters = json.loads(os.environ.get("PIPELINE_PARAMETERS", "[]"))
    data_parameter = os.environ.get("DATA_URI_PARAMETER")
    if data_parameter:
        parameters = [p for p in parameters if p["Name"] != data_parameter] + [
            {"Name": data_parameter, "Value": source}
        ]
    response = sagemaker.start_pipeline_execution(
        PipelineName=pipeline,
        PipelineExecutionDisplayName=display_name,
        PipelineExecutionDescription=(
            f"New training data: everything under {source}; uploads from "
            f"{window['first_upload']:%Y-%m-%dT%H:%M:%SZ} to "
            f"{window['last_upload']:%Y-%m-%dT%H:%M:%SZ}, quiet until "
            f"{due:%Y-%m-%dT%H:%M:%SZ}"
        )[:3072],
        PipelineParameters=parameters,
        ClientRequestToken=_token(os.environ["SCHEDULE_NAME"], due.isoformat()),
    )
    _log("started", execution=response["PipelineExecutionArn"], due=due, **window)


def _get_schedule(scheduler: Any) -> dict[str, Any] | None:
    try:
        schedule = scheduler.get_schedule(Name=os.environ["SCHEDULE_NAME"], GroupName=os.environ["SCHEDULE_GROUP"])
    except ClientError as error:
        if _error_code(error) == "ResourceNotFoundException":
            return None
        raise
    match = _AT.match(schedule.get("ScheduleExpression", ""))
    try:
        state = json.loads(schedule["Target"]["Input"])
        if match is not None and state.get("kind") == DUE_KIND:
            return {
                "due": _parse_time(match.group(1) + "Z"),
                "first_upload": _parse_time(state["first_upload"]),
                "last_upload": _parse_time(state["last_upload"]),
                "deferrals": int(state.get("deferrals", 0)),
            }
    except (AttributeError, KeyError, TypeError, ValueError):
        pass
    _log(
        "schedule-replaced",
        reason="the schedule is not one this trigger wrote",
        expression=schedule.get("ScheduleExpression"),
    )
    return None


def _put_schedule(
    scheduler: Any, due: datetime, window: dict[str, datetime], *, deferrals: int = 0, create: bool = False
) -> None:
    state = {
        "kind": DUE_KIND,
        "due": _iso(due),
        "first_upload": _iso(window["first_upload"]),
        "last_upload": _iso(window["last_upload"]),
        "deferrals": deferrals,
    }
    request = {
        "Name": os.environ["SCHEDULE_NAME"],
        "GroupName": os.environ["SCHEDULE_GROUP"],
        "ScheduleExpression": f"at({due:%Y-%m-%dT%H:%M:%S})",
        "ScheduleExpressionTimezone": "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "State": "ENABLED",
        "ActionAfterCompletion": "NONE",  # the schedule keeps the window that came due (see _on_upload)
        "KmsKeyArn": os.environ["KMS_KEY_ARN"],
        "Description": f"Retraining due: uploads under {os.environ['SOURCE']} quiet until then",
        "Target": {
            "Arn": os.environ["QUEUE_ARN"],
            "RoleArn": os.environ["SCHEDULER_ROLE_ARN"],
            "Input": json.dumps(state, sort_keys=True),
            "SqsParameters": {"MessageGroupId": os.environ["MESSAGE_GROUP_ID"]},
            "DeadLetterConfig": {"Arn": os.environ["DEAD_LETTER_QUEUE_ARN"]},
            "RetryPolicy": {
                "MaximumRetryAttempts": int(os.environ["RETRY_ATTEMPTS"]),
                "MaximumEventAgeInSeconds": int(os.environ["MAX_EVENT_AGE_SECONDS"]),
            },
        },
    }
    if create:
        try:
            scheduler.create_schedule(**request)
            return
        except ClientError as error:
            if _error_code(error) != "ConflictException":
                raise
    scheduler.update_schedule(**request)


def _upload_time(body: Any) -> datetime | None:
    try:
        if body.get("detail-type") != "Object Created" or not body["detail"]["object"]["key"]:
            return None
        return _parse_time(body["time"])
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


def _window(schedule: dict[str, Any]) -> dict[str, datetime]:
    return {"first_upload": schedule["first_upload"], "last_upload": schedule["last_upload"]}


# --- drift: at most one run per interval ------------------------------------------------------------


def on_drift_alarm(event: Any, context: Any = None) -> dict[str, Any]:
    detail = event.get("detail") if _is_object(event) else None
    if not _is_object(detail) or event.get("detail-type") != "CloudWatch Alarm State Change":
        _log("rejected", reason="not a 'CloudWatch Alarm State Change' event")
        raise ValueError("malformed invocation: expected a 'CloudWatch Alarm State Change' event")
    alarm = detail.get("alarmName")
    state: dict[str, Any] = detail.get("state") or {}
    if state.get("value") != "ALARM":
        _log("ignored", reason="the alarm is not in ALARM", alarm=alarm)
        return {"started": False, "reason": "not-alarm"}
    sagemaker = _client("sagemaker")
    pipeline = os.environ["PIPELINE_NAME"]
    interval = timedelta(seconds=int(os.environ["MIN_INTERVAL_SECONDS"]))
    now = _now()
    for execution in _executions(sagemaker, pipeline):
        started = execution.get("StartTime")
        if (
            str(execution.get("PipelineExecutionDisplayName", "")).startswith("drift-")
            and isinstance(started, datetime)
            and _utc(started) > now - interval
        ):
            _log(
                "rate-limited",
                alarm=alarm,
                execution=execution["PipelineExecutionArn"],
                started=started,
                interval_seconds=int(interval.total_seconds()),
            )
            return {"started": False, "reason": "recent-drift-run", "execution": execution["PipelineExecutionArn"]}
    event_id = str(event.get("id") or json.dumps(event, sort_keys=True, default=str))
    response = sagemaker.start_pipeline_execution(
        PipelineName=pipeline,
        PipelineExecutionDisplayName=f"drift-{now:%Y%m%d%H%M%S}",
        PipelineExecutionDescription=f"Drift: alarm {alarm} in ALARM at {event.get('time')}"[:3072],
        PipelineParameters=json.loads(os.environ.get("PIPELINE_PARAMETERS", "[]")),
        ClientRequestToken=_token("drift", event_id),
    )
    _log("started", alarm=alarm, execution=response["PipelineExecutionArn"])
    return {"started": True, "execution": response["PipelineExecutionArn"]}


# --- shared -------------------------------------------------------------------------------------------


def _executions(sagemaker: Any, pipeline: str) -> list[dict[str, Any]]:
    """The pipeline's most recent executions, newest first (a running one is among the newest)."""
    response = sagemaker.list_pipeline_executions(
        PipelineName=pipeline, SortBy="CreationTime", SortOrder="Descending", MaxResults=100
    )
    return list(response.get("PipelineExecutionSummaries", []))


def _token(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _parse_time(value: object) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"not a time: {value!r}")
    return _utc(datetime.fromisoformat(value.replace("Z", "+00:00"))).astimezone(UTC)


def _ceil_second(value: datetime) -> datetime:
    return value.replace(microsecond=0) + (timedelta(seconds=1) if value.microsecond else timedelta(0))


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _log(action: str, **fields: Any) -> None:
    LOG.info(json.dumps({"action": action, **fields}, default=str))
