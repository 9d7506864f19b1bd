"""The retraining triggers' functions (``constructs_lib/monitoring/retraining_trigger_handler/handler.py``)
against moto's SageMaker and EventBridge Scheduler, and botocore's Stubber for faults.

The new-data tests play what AWS does: ``upload`` is an S3 "Object Created" event through the FIFO queue,
``fire`` is the one-time schedule firing (its input, sent to the same queue), the clock is the test's.
"""

import json
import logging
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.stub import Stubber
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID

from constructs_lib.monitoring.retraining_trigger_handler import handler as starter

REGION = "eu-west-1"
GROUP = "churn-new-data"
QUIET = timedelta(minutes=20)
DEFER = timedelta(minutes=30)
T0 = datetime(2026, 12, 1, 9, 0, 0, tzinfo=UTC)
ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "PIPELINE_NAME": "churn-training",
    "PIPELINE_PARAMETERS": json.dumps([{"Name": "Trigger", "Value": "new-data"}]),
    "DATA_URI_PARAMETER": "InputDataUri",
    "SOURCE": "s3://data/raw/churn/",
    "QUIET_SECONDS": str(int(QUIET.total_seconds())),
    "DEFER_SECONDS": str(int(DEFER.total_seconds())),
    "SCHEDULE_GROUP": GROUP,
    "SCHEDULE_NAME": "retraining-due",
    "MESSAGE_GROUP_ID": "uploads",
    "QUEUE_ARN": f"arn:aws:sqs:{REGION}:{DEFAULT_ACCOUNT_ID}:events.fifo",
    "SCHEDULER_ROLE_ARN": f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/schedule",
    "DEAD_LETTER_QUEUE_ARN": f"arn:aws:sqs:{REGION}:{DEFAULT_ACCOUNT_ID}:dlq",
    "KMS_KEY_ARN": f"arn:aws:kms:{REGION}:{DEFAULT_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "RETRY_ATTEMPTS": "3",
    "MAX_EVENT_AGE_SECONDS": "3600",
    "MIN_INTERVAL_SECONDS": "21600",
}


class World:
    """moto's SageMaker and Scheduler, a clock, and the messages AWS would send to the function."""

    def __init__(self, monkeypatch, clients: dict):
        self.now = T0
        monkeypatch.setattr(starter, "_now", lambda: self.now)
        self.sagemaker, self.scheduler = clients["sagemaker"], clients["scheduler"]
        self.scheduler.create_schedule_group(Name=GROUP)
        self.sagemaker.create_pipeline(
            PipelineName="churn-training",
            RoleArn=f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/pipeline",
            PipelineDefinition=json.dumps(
                {
                    "Version": "2020-12-01",
                    "Steps": [],
                    "Parameters": [{"Name": "Trigger", "Type": "String"}, {"Name": "InputDataUri", "Type": "String"}],
                }
            ),
        )
        self._ids = 0

    def record(self, body: dict) -> dict:
        self._ids += 1
        return {"messageId": f"m-{self._ids}", "body": json.dumps(body)}

    def upload_event(self, key: str, at: datetime, event_id: str | None = None) -> dict:
        return self.record(
            {
                "id": event_id or f"e-{key}-{at:%H%M%S}",
                "source": "aws.s3",
                "detail-type": "Object Created",
                "time": f"{at:%Y-%m-%dT%H:%M:%SZ}",
                "detail": {"bucket": {"name": "data"}, "object": {"key": key}},
            }
        )

    def deliver(self, *records: dict) -> dict:
        return starter.on_queue_batch({"Records": list(records)})

    def upload(self, key: str, at: datetime | None = None) -> dict:
        return self.deliver(self.upload_event(key, at or self.now))

    def schedule(self) -> dict:
        return self.scheduler.get_schedule(Name="retraining-due", GroupName=GROUP)

    def due(self) -> datetime:
        expression = self.schedule()["ScheduleExpression"]
        return datetime.strptime(expression, "at(%Y-%m-%dT%H:%M:%S)").replace(tzinfo=UTC)

    def due_message(self) -> dict:
        """What the schedule sends to the queue when it fires: its input, as it is now."""
        return self.record(json.loads(self.schedule()["Target"]["Input"]))

    def fire(self) -> dict:
        """The clock reaches the schedule's time and its message is handled."""
        self.now = max(self.now, self.due())
        return self.deliver(self.due_message())

    def runs(self) -> list[dict]:
        return self.sagemaker.list_pipeline_executions(PipelineName="churn-training")["PipelineExecutionSummaries"]

    def set_status(self, arn: str, status: str) -> None:
        from moto.sagemaker.models import sagemaker_backends

        pipeline = sagemaker_backends[DEFAULT_ACCOUNT_ID][REGION].pipelines["churn-training"]
        pipeline.pipeline_executions[arn].pipeline_execution_status = status

    def start_other_run(self, status: str = "Executing") -> str:
        arn = self.sagemaker.start_pipeline_execution(
            PipelineName="churn-training", PipelineExecutionDisplayName="scheduled-run"
        )["PipelineExecutionArn"]
        self.set_status(arn, status)
        return arn


@pytest.fixture(scope="module")
def clients() -> dict:
    """The worlds' SageMaker and Scheduler clients, made once (about 8 ms a test). Safe to share: a
    client keeps no state of moto's (each ``mock_aws`` routes it to fresh backends), and no test stubs,
    patches or registers a handler on these (the fault tests stub clients of their own)."""
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    return {service: session.client(service) for service in ("sagemaker", "scheduler")}


@pytest.fixture
def world(monkeypatch, clients):
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield World(monkeypatch, clients)


# --- new data: the quiet-period debounce ------------------------------------------------------------


def test_an_upload_longer_than_any_window_starts_one_run_after_it_stops_over_everything(world):
    for minute in range(0, 60, 5):  # an hour of uploads, each within the quiet period of the previous
        world.now = T0 + timedelta(minutes=minute)
        assert world.upload(f"raw/churn/part-{minute}.csv") == {"batchItemFailures": []}
        assert world.due() == world.now + QUIET  # the schedule moves with each upload
        assert world.runs() == []
    world.fire()
    runs = world.runs()
    assert len(runs) == 1
    assert runs[0]["PipelineExecutionDisplayName"] == "new-data-20261201101500"
    assert runs[0]["PipelineExecutionDescription"] == (
        "New training data: everything under s3://data/raw/churn/; uploads from 2026-12-01T09:00:00Z to "
        "2026-12-01T09:55:00Z, quiet until 2026-12-01T10:15:00Z"
    )
    parameters = world.sagemaker.list_pipeline_parameters_for_execution(
        PipelineExecutionArn=runs[0]["PipelineExecutionArn"]
    )["PipelineParameters"]
    assert sorted(parameters, key=lambda p: p["Name"]) == [
        {"Name": "InputDataUri", "Value": "s3://data/raw/churn/"},
        {"Name": "Trigger", "Value": "new-data"},
    ]


def test_the_schedule_has_a_dlq_a_retry_policy_and_the_trigger_key(world):
    world.upload("raw/churn/a.csv")
    schedule = world.schedule()
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"} and schedule["KmsKeyArn"] == ENVIRONMENT["KMS_KEY_ARN"]
    assert schedule["Target"]["Arn"] == ENVIRONMENT["QUEUE_ARN"]
    assert schedule["Target"]["SqsParameters"] == {"MessageGroupId": "uploads"}
    assert schedule["Target"]["DeadLetterConfig"] == {"Arn": ENVIRONMENT["DEAD_LETTER_QUEUE_ARN"]}
    assert schedule["Target"]["RetryPolicy"] == {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600}


def test_duplicate_and_older_events_never_move_the_schedule_earlier(world, caplog):
    world.upload("raw/churn/b.csv", at=T0 + timedelta(minutes=10))
    due = world.due()
    with caplog.at_level(logging.INFO):
        world.upload("raw/churn/b.csv", at=T0 + timedelta(minutes=10))  # the same event delivered again
        world.upload("raw/churn/a.csv", at=T0)  # an older event, out of order
    assert world.due() == due
    assert '"action": "unchanged"' in caplog.text
    state = json.loads(world.schedule()["Target"]["Input"])
    assert (state["first_upload"], state["last_upload"]) == ("2026-12-01T09:00:00Z", "2026-12-01T09:10:00Z")


def test_a_duplicate_event_makes_no_write_at_all(world):
    world.upload("raw/churn/a.csv")
    scheduler = boto3.client("scheduler", region_name=REGION)
    current = world.schedule()
    with Stubber(scheduler) as stub:  # only a read is expected: the Stubber fails on any other call
        stub.add_response(
            "get_schedule",
            {
                key: current[key]
                for key in ("Name", "GroupName", "ScheduleExpression", "Target", "FlexibleTimeWindow", "State")
            },
            {"Name": "retraining-due", "GroupName": GROUP},
        )
        starter._on_upload(scheduler, T0, key="raw/churn/a.csv")
        stub.assert_no_pending_responses()


def test_two_events_at_once_are_handled_in_order_and_the_later_wins(world):
    result = world.deliver(
        world.upload_event("raw/churn/b.csv", T0 + timedelta(minutes=3)),
        world.upload_event("raw/churn/a.csv", T0 + timedelta(minutes=1)),
    )
    assert result == {"batchItemFailures": []}
    assert world.due() == T0 + timedelta(minutes=3) + QUIET


def test_a_schedule_created_by_a_concurrent_writer_is_updated_not_failed():
    scheduler = boto3.client("scheduler", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(scheduler) as stub, pytest.MonkeyPatch.context() as patch:
        for name, value in ENVIRONMENT.items():
            patch.setenv(name, value)
        patch.setattr(starter, "_now", lambda: T0)
        stub.add_client_error("get_schedule", "ResourceNotFoundException", http_status_code=404)
        stub.add_client_error("create_schedule", "ConflictException", http_status_code=409)
        stub.add_response("update_schedule", {"ScheduleArn": "arn:aws:scheduler:eu-west-1:1:schedule/g/retraining-due"})
        starter._on_upload(scheduler, T0, key="raw/churn/a.csv")
        stub.assert_no_pending_responses()


def test_a_failed_run_does_not_block_new_data(world):
    world.upload("raw/churn/a.csv")
    world.fire()
    world.set_status(world.runs()[0]["PipelineExecutionArn"], "Failed")
    world.now += timedelta(minutes=5)
    world.upload("raw/churn/fixed.csv")
    world.fire()
    assert len(world.runs()) == 2


def test_a_run_in_progress_defers_the_next_one_instead_of_dropping_it(world, caplog):
    running = world.start_other_run("Executing")
    world.upload("raw/churn/a.csv")
    due = world.due()
    with caplog.at_level(logging.INFO):
        world.fire()
    assert '"action": "deferred"' in caplog.text
    assert [r["PipelineExecutionArn"] for r in world.runs()] == [running]
    assert world.due() == due + DEFER  # re-armed, with the same window
    assert json.loads(world.schedule()["Target"]["Input"])["first_upload"] == f"{T0:%Y-%m-%dT%H:%M:%SZ}"
    world.set_status(running, "Succeeded")
    world.fire()
    assert len(world.runs()) == 2


def test_a_run_starting_while_deferring_defers_again_and_uploads_meanwhile_join_the_deferred_run(world):
    first = world.start_other_run("Executing")
    world.upload("raw/churn/a.csv")
    world.fire()  # deferred
    world.set_status(first, "Succeeded")
    second = world.start_other_run("Executing")  # another trigger starts a run meanwhile
    world.fire()  # deferred again, not run beside it
    assert len(world.runs()) == 2
    world.now += timedelta(minutes=1)
    world.upload("raw/churn/b.csv")  # lands while deferred: same window, due stays later
    world.set_status(second, "Succeeded")
    world.fire()
    runs = [r for r in world.runs() if r["PipelineExecutionDisplayName"].startswith("new-data-")]
    assert (
        len(runs) == 1
        and "uploads from 2026-12-01T09:00:00Z to 2026-12-01T09:51:00Z" in runs[0]["PipelineExecutionDescription"]
    )


def test_a_due_message_overtaken_by_new_uploads_is_stale(world, caplog):
    world.upload("raw/churn/a.csv")
    stale = world.due_message()
    world.now = world.due() - timedelta(seconds=1)
    world.upload("raw/churn/b.csv")  # just before the schedule fires: it moves later
    world.now += timedelta(seconds=2)
    with caplog.at_level(logging.INFO):
        world.deliver(stale)  # the old due message, delivered late
    assert '"action": "stale-due"' in caplog.text and world.runs() == []
    world.fire()
    assert len(world.runs()) == 1


def test_uploads_that_resume_after_the_schedule_fired_but_before_its_message_is_handled_join_one_run(world):
    world.upload("raw/churn/a.csv", at=T0)
    fired = world.due_message()  # the schedule fires at T0 + quiet...
    world.now = T0 + QUIET + timedelta(seconds=5)
    world.upload("raw/churn/b.csv")  # ...and this upload is queued before its message
    world.deliver(fired)  # stale: uploads resumed
    assert world.runs() == []
    assert json.loads(world.schedule()["Target"]["Input"])["first_upload"] == "2026-12-01T09:00:00Z"
    world.fire()
    [run] = world.runs()
    assert "uploads from 2026-12-01T09:00:00Z to 2026-12-01T09:20:05Z" in run["PipelineExecutionDescription"]


def test_a_redelivered_due_message_starts_no_second_run(world, caplog):
    world.upload("raw/churn/a.csv")
    message = world.due_message()
    world.now = world.due()
    world.deliver(message)
    with caplog.at_level(logging.INFO):
        world.deliver(dict(message, messageId="again"))  # the scheduler and SQS deliver at least once
    assert len(world.runs()) == 1 and '"action": "duplicate-due"' in caplog.text


def test_an_event_older_than_a_window_that_came_due_is_covered_by_its_run(world, caplog):
    world.upload("raw/churn/a.csv", at=T0)
    world.fire()
    with caplog.at_level(logging.INFO):
        world.upload("raw/churn/late.csv", at=T0 + timedelta(minutes=1))  # delayed delivery of an older upload
    assert '"action": "covered"' in caplog.text
    assert world.due() == T0 + QUIET and len(world.runs()) == 1


def test_an_upload_after_a_run_opens_a_new_window_and_a_late_one_is_due_soon_not_in_the_past(world):
    world.upload("raw/churn/a.csv", at=T0)
    world.fire()
    world.now = T0 + timedelta(hours=2)
    world.upload("raw/churn/b.csv", at=T0 + timedelta(hours=1))  # an hour late
    assert world.due() == world.now + timedelta(seconds=60)
    assert json.loads(world.schedule()["Target"]["Input"])["first_upload"] == "2026-12-01T10:00:00Z"
    world.fire()
    assert len(world.runs()) == 2


def test_throttling_beyond_retries_fails_the_message_and_every_later_one_in_order(world, monkeypatch):
    ok = world.upload_event("raw/churn/a.csv", T0)
    throttled = world.upload_event("raw/churn/b.csv", T0 + timedelta(minutes=1))
    after = world.upload_event("raw/churn/c.csv", T0 + timedelta(minutes=2))
    scheduler = boto3.client("scheduler", region_name=REGION)
    real_client = starter._client
    monkeypatch.setattr(
        starter, "_client", lambda service: scheduler if service == "scheduler" else real_client(service)
    )
    with Stubber(scheduler) as stub:
        stub.add_client_error("get_schedule", "ResourceNotFoundException", http_status_code=404)
        stub.add_response("create_schedule", {"ScheduleArn": "arn:aws:scheduler:eu-west-1:1:schedule/g/retraining-due"})
        stub.add_client_error("get_schedule", "ThrottlingException", "Rate exceeded", http_status_code=400)
        result = world.deliver(ok, throttled, after)
        stub.assert_no_pending_responses()
    assert result == {
        "batchItemFailures": [{"itemIdentifier": throttled["messageId"]}, {"itemIdentifier": after["messageId"]}]
    }


def test_a_start_that_times_out_is_retried_without_a_second_run(world, monkeypatch, caplog):
    world.upload("raw/churn/a.csv")
    message = world.due_message()
    world.now = world.due()
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    real_start = sagemaker.start_pipeline_execution

    def start_then_time_out(**kwargs):
        real_start(**kwargs)  # SageMaker started the run, but the response never arrived
        raise ReadTimeoutError(endpoint_url="https://api.sagemaker.eu-west-1.amazonaws.com")

    monkeypatch.setattr(sagemaker, "start_pipeline_execution", start_then_time_out)
    real_client = starter._client
    monkeypatch.setattr(
        starter, "_client", lambda service: sagemaker if service == "sagemaker" else real_client(service)
    )
    assert world.deliver(message) == {"batchItemFailures": [{"itemIdentifier": message["messageId"]}]}
    monkeypatch.setattr(starter, "_client", real_client)
    with caplog.at_level(logging.INFO):
        assert world.deliver(message) == {"batchItemFailures": []}  # SQS redelivers it
    assert len(world.runs()) == 1 and '"action": "duplicate-due"' in caplog.text


def test_the_function_gives_itself_timeouts_and_standard_retries():
    assert (
        starter.CLIENT_CONFIG.retries["mode"] == "standard" and starter.CLIENT_CONFIG.retries["total_max_attempts"] > 1
    )
    assert starter.CLIENT_CONFIG.read_timeout < 60 and starter.CLIENT_CONFIG.connect_timeout < 60  # < the function's


def test_a_malformed_invocation_is_rejected_and_foreign_records_are_ignored(world, caplog):
    with caplog.at_level(logging.INFO), pytest.raises(ValueError, match="expected an SQS event with a 'Records' list"):
        starter.on_queue_batch({"detail": {}})
    assert '"action": "rejected"' in caplog.text
    result = world.deliver(
        {"messageId": "x", "body": "not json"},
        world.record({"detail-type": "Object Deleted", "time": "2026-12-01T09:00:00Z"}),
    )
    assert result == {"batchItemFailures": []} and caplog.text.count('"action": "ignored-record"') == 2
    assert world.runs() == []


# --- drift: at most one run per interval ------------------------------------------------------------


def alarm_event(state: str = "ALARM", event_id: str = "ev-1") -> dict:
    return {
        "id": event_id,
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "time": "2026-12-01T09:00:00Z",
        "detail": {"alarmName": "churn-any-drift", "state": {"value": state}},
    }


def test_a_drift_alarm_starts_a_run_with_the_parameters(world):
    world.now = datetime.now(UTC)
    result = starter.on_drift_alarm(alarm_event())
    runs = world.runs()
    assert result == {"started": True, "execution": runs[0]["PipelineExecutionArn"]}
    assert runs[0]["PipelineExecutionDisplayName"].startswith("drift-")
    assert "alarm churn-any-drift in ALARM" in runs[0]["PipelineExecutionDescription"]


def test_a_flapping_drift_alarm_starts_at_most_one_run_per_interval_even_if_it_failed(world, caplog):
    world.now = datetime.now(UTC)
    starter.on_drift_alarm(alarm_event(event_id="ev-1"))
    world.set_status(world.runs()[0]["PipelineExecutionArn"], "Failed")
    with caplog.at_level(logging.INFO):
        for flap in range(2, 6):  # OK, ALARM, OK, ALARM... within the interval
            world.now += timedelta(minutes=20)
            assert starter.on_drift_alarm(alarm_event(event_id=f"ev-{flap}"))["reason"] == "recent-drift-run"
        assert starter.on_drift_alarm(alarm_event(event_id="ev-1"))["started"] is False  # a duplicate event
    assert len(world.runs()) == 1 and '"action": "rate-limited"' in caplog.text
    world.now += timedelta(hours=6)
    assert starter.on_drift_alarm(alarm_event(event_id="ev-9"))["started"] is True
    assert len(world.runs()) == 2


def test_runs_of_other_triggers_do_not_hold_back_drift(world):
    world.now = datetime.now(UTC)
    world.start_other_run("Succeeded")
    assert starter.on_drift_alarm(alarm_event())["started"] is True


def test_drift_events_that_are_not_alarm_or_not_alarm_events(world):
    assert starter.on_drift_alarm(alarm_event("OK")) == {"started": False, "reason": "not-alarm"}
    with pytest.raises(ValueError, match="CloudWatch Alarm State Change"):
        starter.on_drift_alarm({"Records": []})
    assert world.runs() == []


def test_drift_throttling_raises_so_lambda_retries_the_event_and_then_dead_letters_it(world, monkeypatch):
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    monkeypatch.setattr(starter, "_client", lambda service: sagemaker)
    with Stubber(sagemaker) as stub, pytest.raises(Exception, match="ThrottlingException"):
        stub.add_client_error("list_pipeline_executions", "ThrottlingException", "Rate exceeded", http_status_code=400)
        starter.on_drift_alarm(alarm_event())
