"""The labeling workflow's batcher (``constructs_lib/labeling/labeling_workflow_handler/handler.py``)
against moto's S3 and Step Functions, and botocore's Stubber for faults.

A batch is what Lambda's SQS event source hands the function: records whose bodies are the S3
"Object Created" events EventBridge put on the queue.
"""

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID

from constructs_lib.labeling.labeling_workflow_handler import handler as batcher

REGION = "eu-west-1"
BUCKET = "data"
ROLE = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/labeling-workflow"
ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "SOURCE_BUCKET": BUCKET,
    "SOURCE_PREFIX": "labeling/incoming/",
    "MANIFEST_BUCKET": BUCKET,
    "MANIFEST_PREFIX": "labeling/jobs/manifests/",
    "JOB_NAME_PREFIX": "churn-messages",
    "MANIFEST_LINE": "source-ref",
}


def event(key: str, *, sequencer: str = "0A", bucket: str = BUCKET, time: str = "2026-12-01T09:15:30Z") -> dict:
    return {
        "version": "0",
        "id": f"e-{key}-{sequencer}",
        "source": "aws.s3",
        "detail-type": "Object Created",
        "time": time,
        "region": REGION,
        "detail": {"bucket": {"name": bucket}, "object": {"key": key, "size": 12, "sequencer": sequencer}},
    }


def batch(*bodies) -> dict:
    return {
        "Records": [
            {"messageId": f"m-{i}", "body": body if isinstance(body, str) else json.dumps(body)}
            for i, body in enumerate(bodies)
        ]
    }


@pytest.fixture
def aws(monkeypatch):
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        sfn = boto3.client("stepfunctions", region_name=REGION)
        machine = sfn.create_state_machine(
            name="labeling",
            definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}),
            roleArn=ROLE,
        )["stateMachineArn"]
        monkeypatch.setenv("STATE_MACHINE_ARN", machine)
        yield s3, sfn, machine


def executions(sfn, machine) -> list[dict]:
    return sfn.list_executions(stateMachineArn=machine)["executions"]


def manifest(s3, name: str) -> list[dict]:
    body = s3.get_object(Bucket=BUCKET, Key=f"labeling/jobs/manifests/{name}.manifest")["Body"].read().decode()
    return [json.loads(line) for line in body.splitlines()]


def test_a_batch_becomes_one_manifest_and_one_execution_named_after_the_job(aws):
    s3, sfn, machine = aws
    batcher.handler(
        batch(event("labeling/incoming/a.txt"), event("labeling/incoming/b.txt", time="2026-12-01T09:16:59Z"))
    )
    [execution] = executions(sfn, machine)
    name = execution["name"]
    assert name.startswith("churn-messages-202612010916-") and len(name) <= 63
    started = json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])
    assert started == {
        "LabelingJobName": name,
        "ManifestS3Uri": f"s3://{BUCKET}/labeling/jobs/manifests/{name}.manifest",
        "ObjectCount": 2,
    }
    assert manifest(s3, name) == [
        {"source-ref": f"s3://{BUCKET}/labeling/incoming/a.txt"},
        {"source-ref": f"s3://{BUCKET}/labeling/incoming/b.txt"},
    ]


def test_duplicate_and_overwrite_events_put_a_key_in_the_manifest_once(aws):
    s3, sfn, machine = aws
    batcher.handler(
        batch(
            event("labeling/incoming/a.txt", sequencer="0A"),
            event("labeling/incoming/a.txt", sequencer="0A"),  # EventBridge delivered it twice
            event("labeling/incoming/a.txt", sequencer="0F"),  # overwritten
        )
    )
    [execution] = executions(sfn, machine)
    assert manifest(s3, execution["name"]) == [{"source-ref": f"s3://{BUCKET}/labeling/incoming/a.txt"}]


def test_a_redelivered_batch_starts_no_second_job_while_its_job_runs(aws):
    _, sfn, machine = aws
    records = batch(event("labeling/incoming/a.txt"), event("labeling/incoming/b.txt"))
    batcher.handler(records)
    [running] = executions(sfn, machine)
    assert running["status"] == "RUNNING"
    assert batcher.handler(records) == {"batchItemFailures": []}  # the function timed out; SQS sent it again
    assert executions(sfn, machine) == [running]


def test_a_new_version_of_the_same_keys_is_a_new_job(aws):
    _, sfn, machine = aws
    batcher.handler(batch(event("labeling/incoming/a.txt", sequencer="0A")))
    batcher.handler(batch(event("labeling/incoming/a.txt", sequencer="0B")))
    assert len(executions(sfn, machine)) == 2


def test_empty_batches_and_foreign_events_start_nothing(aws):
    s3, sfn, machine = aws
    result = batcher.handler(
        batch(
            "not json",
            {"detail-type": "Object Created"},
            event("labeling/incoming/folder/"),  # a folder marker
            event("raw/other.csv"),  # outside the prefix
            event("labeling/incoming/a.txt", bucket="another-bucket"),
        )
    )
    assert result == {"batchItemFailures": []}
    assert executions(sfn, machine) == []
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
    assert batcher.handler({"Records": []}) == {"batchItemFailures": []}


def test_a_malformed_invocation_fails():
    with pytest.raises(ValueError, match="Records"):
        batcher.handler({"detail": {}})


def test_point_cloud_frames_are_their_own_manifest_lines(aws, monkeypatch):
    s3, sfn, machine = aws
    monkeypatch.setenv("MANIFEST_LINE", "object")
    frame = {"source-ref": f"s3://{BUCKET}/frames/0001.bin", "source-ref-metadata": {"format": "binary/xyzi"}}
    s3.put_object(Bucket=BUCKET, Key="labeling/incoming/0001.json", Body=json.dumps(frame).encode())
    s3.put_object(Bucket=BUCKET, Key="labeling/incoming/bad.json", Body=b'{"no-source": 1}')
    batcher.handler(
        batch(
            event("labeling/incoming/0001.json"),
            event("labeling/incoming/bad.json"),
            event("labeling/incoming/deleted.json"),  # deleted since its event
        )
    )
    [execution] = executions(sfn, machine)
    assert manifest(s3, execution["name"]) == [frame]
    assert json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])["ObjectCount"] == 1


def test_text_tasks_carry_the_text_of_each_object(aws, monkeypatch):
    s3, sfn, machine = aws
    monkeypatch.setenv("MANIFEST_LINE", "source")
    s3.put_object(Bucket=BUCKET, Key="labeling/incoming/a.txt", Body="  I will cancel my plan, ça suffit.\n".encode())
    s3.put_object(Bucket=BUCKET, Key="labeling/incoming/empty.txt", Body=b"   ")
    s3.put_object(Bucket=BUCKET, Key="labeling/incoming/binary.txt", Body=b"\xff\xfe\x00")
    s3.put_object(Bucket=BUCKET, Key="labeling/incoming/huge.txt", Body=b"x" * (batcher.MAX_OBJECT_BYTES + 10))
    keys = ("a.txt", "empty.txt", "binary.txt", "huge.txt")
    batcher.handler(batch(*(event(f"labeling/incoming/{key}") for key in keys)))
    [execution] = executions(sfn, machine)
    assert manifest(s3, execution["name"]) == [{"source": "I will cancel my plan, ça suffit."}]


def test_only_bad_frames_start_nothing(aws, monkeypatch):
    s3, sfn, machine = aws
    monkeypatch.setenv("MANIFEST_LINE", "object")
    s3.put_object(Bucket=BUCKET, Key="labeling/incoming/bad.json", Body=b"\xff not json")
    batcher.handler(batch(event("labeling/incoming/bad.json")))
    assert executions(sfn, machine) == []


# --- faults (Stubber) ------------------------------------------------------------------------------


class Stubbed:
    """The function's S3 and Step Functions clients, stubbed."""

    def __init__(self, monkeypatch):
        for name, value in ENVIRONMENT.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("STATE_MACHINE_ARN", f"arn:aws:states:{REGION}:{DEFAULT_ACCOUNT_ID}:stateMachine:labeling")
        self.s3 = boto3.client("s3", region_name=REGION)
        self.sfn = boto3.client("stepfunctions", region_name=REGION)
        self.stubs = {"s3": Stubber(self.s3), "stepfunctions": Stubber(self.sfn)}
        clients = {"s3": self.s3, "stepfunctions": self.sfn}
        monkeypatch.setattr(batcher, "_client", lambda service: clients[service])
        for stub in self.stubs.values():
            stub.activate()

    def put_manifest(self):
        self.stubs["s3"].add_response("put_object", {}, None)

    def verify(self):
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()


def test_a_throttled_start_fails_the_batch_and_its_retry_starts_the_same_job(monkeypatch):
    aws = Stubbed(monkeypatch)
    records = batch(event("labeling/incoming/a.txt"))
    aws.put_manifest()
    aws.stubs["stepfunctions"].add_client_error("start_execution", "ThrottlingException", http_status_code=400)
    with pytest.raises(ClientError, match="ThrottlingException"):
        batcher.handler(records)  # SQS delivers the batch again after the visibility timeout
    aws.put_manifest()  # the same manifest, rewritten
    name = batcher.job_name({"labeling/incoming/a.txt": {"sequencer": "0A", "time": "2026-12-01T09:15:30Z"}})
    aws.stubs["stepfunctions"].add_response(
        "start_execution",
        {"executionArn": f"arn:aws:states:{REGION}:{DEFAULT_ACCOUNT_ID}:execution:labeling:{name}", "startDate": 0},
        {
            "stateMachineArn": f"arn:aws:states:{REGION}:{DEFAULT_ACCOUNT_ID}:stateMachine:labeling",
            "name": name,
            "input": json.dumps(
                {
                    "LabelingJobName": name,
                    "ManifestS3Uri": f"s3://{BUCKET}/labeling/jobs/manifests/{name}.manifest",
                    "ObjectCount": 1,
                }
            ),
        },
    )
    assert batcher.handler(records) == {"batchItemFailures": []}
    aws.verify()


def test_a_finished_job_of_the_same_batch_is_not_started_again(monkeypatch):
    aws = Stubbed(monkeypatch)
    aws.put_manifest()
    aws.stubs["stepfunctions"].add_client_error("start_execution", "ExecutionAlreadyExists", http_status_code=400)
    assert batcher.handler(batch(event("labeling/incoming/a.txt"))) == {"batchItemFailures": []}
    aws.verify()


def test_a_failed_manifest_write_starts_nothing(monkeypatch):
    aws = Stubbed(monkeypatch)
    aws.stubs["s3"].add_client_error("put_object", "SlowDown", http_status_code=503)
    with pytest.raises(ClientError, match="SlowDown"):
        batcher.handler(batch(event("labeling/incoming/a.txt")))
    aws.verify()  # no start_execution was called


def test_access_denied_on_a_frame_fails_the_batch(monkeypatch):
    aws = Stubbed(monkeypatch)
    monkeypatch.setenv("MANIFEST_LINE", "object")
    aws.stubs["s3"].add_client_error("get_object", "AccessDenied", http_status_code=403)
    with pytest.raises(ClientError, match="AccessDenied"):
        batcher.handler(batch(event("labeling/incoming/0001.json")))
    aws.verify()


def test_job_names_fit_sagemaker_with_the_longest_prefix(monkeypatch):
    from constructs_lib._core.service_model import shape_problem

    monkeypatch.setenv("JOB_NAME_PREFIX", "a" * 40)
    name = batcher.job_name({"k": {"sequencer": "01", "time": "not a time"}})
    assert len(name) == 62
    assert shape_problem(name, "CreateLabelingJobRequest.LabelingJobName") is None
