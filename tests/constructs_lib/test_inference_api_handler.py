"""InferenceApi's submitter for asynchronous endpoints (``constructs_lib/inference/inference_api_handler``)
against moto's S3 and SageMaker runtime, and botocore's Stubber for faults (throttling, refusals, outages)."""

import base64
import json

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from constructs_lib.inference.inference_api_handler import handler as submitter

REGION = "eu-west-1"
BUCKET = "data"
PREFIX = "async-inference/input"


def request(body: str = '{"x": 1}', *, inference_id: str | None = None, request_id: str = "req-1", **headers) -> dict:
    given = {"Content-Type": "application/json", **headers}
    if inference_id is not None:
        given["X-Inference-Id"] = inference_id
    return {"body": body, "isBase64Encoded": False, "headers": given, "requestContext": {"requestId": request_id}}


@pytest.fixture(scope="module")
def session() -> boto3.session.Session:
    """The boto3 session the worlds make their clients with: ``mock_aws`` drops boto3's default session
    at each start, and making one costs about 5 ms. Safe to share: a session only makes clients, and
    each client copies its event handlers, so what a test registers or stubs stays on its own client."""
    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


@pytest.fixture
def world(monkeypatch, session):
    with mock_aws():
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "ENDPOINT_NAME": "shop-prod-async",
            "BUCKET": BUCKET,
            "INPUT_PREFIX": PREFIX,
        }.items():
            monkeypatch.setenv(name, value)
        s3 = session.client("s3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        runtime = session.client("sagemaker-runtime")
        invocations: list[dict] = []
        runtime.meta.events.register(
            "provide-client-params.sagemaker-runtime.InvokeEndpointAsync",
            lambda params, **_: invocations.append(dict(params)),
        )
        clients = {"s3": s3, "sagemaker-runtime": runtime}
        monkeypatch.setattr(submitter, "_client", lambda service: clients[service])

        class World:
            pass

        w = World()
        w.s3, w.runtime, w.invocations, w.clients = s3, runtime, invocations, clients
        w.object = lambda key: s3.get_object(Bucket=BUCKET, Key=key)
        w.stored_keys = lambda: sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))
        yield w


def test_the_body_goes_to_the_input_prefix_and_the_endpoint_is_invoked_with_its_location(world):
    answer = submitter.handler(request(inference_id="order-42", Accept="application/json"))
    assert answer["statusCode"] == 202
    body = json.loads(answer["body"])
    assert body["InferenceId"] == "order-42"
    assert body["OutputLocation"] and "FailureLocation" in body
    stored = world.object(f"{PREFIX}/order-42")
    assert stored["Body"].read() == b'{"x": 1}' and stored["ContentType"] == "application/json"
    [call] = world.invocations
    assert call == {
        "EndpointName": "shop-prod-async",
        "InputLocation": f"s3://{BUCKET}/{PREFIX}/order-42",
        "ContentType": "application/json",
        "Accept": "application/json",
        "InferenceId": "order-42",
    }


def test_without_an_id_the_api_request_id_is_the_inference_id(world):
    answer = submitter.handler(request(request_id="abc-123"))
    assert json.loads(answer["body"])["InferenceId"] == "abc-123"
    assert f"{PREFIX}/abc-123" in world.stored_keys()


def test_a_repeated_id_gets_the_first_answer_and_runs_no_second_inference(world):
    first = submitter.handler(request(inference_id="order-42"))
    again = submitter.handler(request(body='{"x": 2}', inference_id="order-42", request_id="req-2"))
    assert again["statusCode"] == 202 and again["headers"]["X-Duplicate"] == "true"
    assert json.loads(again["body"]) == json.loads(first["body"])
    assert len(world.invocations) == 1
    assert world.object(f"{PREFIX}/order-42")["Body"].read() == b'{"x": 1}'  # the input is not replaced


def test_a_base64_body_is_decoded(world):
    event = request(inference_id="img-1")
    event.update(body=base64.b64encode(b"\x89PNG").decode(), isBase64Encoded=True)
    event["headers"]["Content-Type"] = "image/png"
    assert submitter.handler(event)["statusCode"] == 202
    assert world.object(f"{PREFIX}/img-1")["Body"].read() == b"\x89PNG"


@pytest.mark.parametrize("inference_id", ["has space", "x" * 65, "../escape", "a/b"])
def test_an_unusable_id_is_refused_before_anything_is_written(world, inference_id):
    answer = submitter.handler(request(inference_id=inference_id))
    assert answer["statusCode"] == 400
    assert world.stored_keys() == [] and world.invocations == []


@pytest.mark.parametrize(
    "code, status",
    [("ThrottlingException", 429), ("ServiceUnavailable", 503), ("InternalFailure", 503), ("ValidationError", 400)],
)
def test_invocation_faults_answer_with_a_status_the_caller_can_act_on(world, code, status):
    stubber = Stubber(world.runtime)
    stubber.add_client_error("invoke_endpoint_async", code, "no", 400)
    with stubber:
        answer = submitter.handler(request(inference_id="order-42"))
    assert answer["statusCode"] == status
    if status in (429, 503):
        assert "Retry-After" in answer["headers"] and "same X-Inference-Id" in answer["body"]
    assert f"{PREFIX}/order-42{submitter.RECEIPT_SUFFIX}" not in world.stored_keys()  # nothing was accepted


def test_a_retry_after_throttling_is_accepted_then(world):
    stubber = Stubber(world.runtime)
    stubber.add_client_error("invoke_endpoint_async", "ThrottlingException", "slow down", 400)
    with stubber:
        assert submitter.handler(request(inference_id="order-42"))["statusCode"] == 429
    answer = submitter.handler(request(inference_id="order-42"))  # the client's retry, same id
    assert answer["statusCode"] == 202
    assert f"{PREFIX}/order-42{submitter.RECEIPT_SUFFIX}" in world.stored_keys()


def test_s3_throttling_answers_429_without_invoking(world):
    stubber = Stubber(world.s3)
    stubber.add_client_error("get_object", "NoSuchKey", "none", 404)
    stubber.add_client_error("put_object", "SlowDown", "slow down", 503)
    with stubber:
        answer = submitter.handler(request(inference_id="order-42"))
    assert answer["statusCode"] == 429 and world.invocations == []


def test_an_unexpected_error_is_a_502_without_details(world):
    stubber = Stubber(world.s3)
    stubber.add_client_error("get_object", "AccessDenied", "denied", 403)
    with stubber:
        answer = submitter.handler(request(inference_id="order-42"))
    assert answer["statusCode"] == 502 and "denied" not in answer["body"]


def test_a_concurrent_duplicate_that_finished_first_wins(world):
    """Two identical requests at once: both invoke, the first receipt is the answer to both."""
    theirs = {"InferenceId": "order-42", "OutputLocation": "s3://out/theirs.out", "FailureLocation": None}

    def other_request_finishes_first(**_):
        world.s3.put_object(
            Bucket=BUCKET, Key=f"{PREFIX}/order-42{submitter.RECEIPT_SUFFIX}", Body=json.dumps(theirs).encode()
        )

    world.runtime.meta.events.register(
        "before-call.sagemaker-runtime.InvokeEndpointAsync", other_request_finishes_first
    )
    answer = submitter.handler(request(inference_id="order-42"))
    assert answer["statusCode"] == 202 and json.loads(answer["body"]) == theirs


def test_the_request_body_is_never_logged(world, caplog):
    caplog.set_level("INFO")
    submitter.handler(request(body='{"secret": "card-4111"}', inference_id="order-42"))
    assert "accepted" in caplog.text and "card-4111" not in caplog.text


def test_the_stubbed_call_names_what_sagemaker_needs(world):
    stubber = Stubber(world.runtime)
    stubber.add_response(
        "invoke_endpoint_async",
        {"InferenceId": "order-42", "OutputLocation": "s3://out/o.out", "FailureLocation": "s3://out/f.out"},
        {
            "EndpointName": "shop-prod-async",
            "InputLocation": f"s3://{BUCKET}/{PREFIX}/order-42",
            "ContentType": "text/csv",
            "InferenceId": "order-42",
            "Accept": ANY,
        },
    )
    with stubber:
        answer = submitter.handler(
            request("1,2,3", inference_id="order-42", Accept="text/csv", **{"Content-Type": "text/csv"})
        )
    assert json.loads(answer["body"])["FailureLocation"] == "s3://out/f.out"
    stubber.assert_no_pending_responses()
