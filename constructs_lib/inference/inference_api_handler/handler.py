"""``InferenceApi``'s submitter for an asynchronous endpoint: ``POST /invocations`` (API Gateway's
Lambda proxy integration) to ``InvokeEndpointAsync``.

An asynchronous endpoint reads its input from S3, so the function writes the request body to the
endpoint's input prefix (``s3://BUCKET/INPUT_PREFIX/<inference id>``), invokes the endpoint with that
location and the request's ``Content-Type`` and ``Accept``, and answers ``202`` with the inference id
and where the answer (``OutputLocation``) or the failure report (``FailureLocation``) will appear.

The inference id is the caller's ``X-Inference-Id`` header (1 to 64 letters, digits, '.', '_' or '-'),
else API Gateway's request id. It makes retries safe: after a successful invocation the function
writes a receipt (``<input key>.accepted.json``, created only if absent); a request whose id has a
receipt gets that receipt back (``X-Duplicate: true``) and starts no second inference. A retry
after a failure (throttling) has no receipt yet and invokes again, with the same input key. Two
identical requests at the same moment may both invoke; the first receipt wins and both callers get it.

Errors: ``400`` for a request the endpoint refuses (``ValidationError``) or a bad id; ``429`` (with
``Retry-After``) when SageMaker or S3 throttles beyond botocore's retries; ``503`` when they are
unavailable; ``502`` for anything else. No request body is logged.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
from typing import Any, cast

import boto3  # pyright: ignore[reportMissingTypeStubs] - boto3 ships no stubs: clients are Any (_client)
from botocore.config import Config  # pyright: ignore[reportMissingTypeStubs] - botocore ships no stubs
from botocore.exceptions import ClientError  # pyright: ignore[reportMissingTypeStubs] - botocore ships no stubs

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

#: Throttling and transient errors are retried with backoff by botocore; a call that hangs times out
#: well within API Gateway's 29-second integration timeout.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=8)
#: An inference id usable as an S3 key segment and as ``InferenceId`` (botocore: up to 64 printable).
INFERENCE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
THROTTLED = frozenset({"ThrottlingException", "Throttling", "SlowDown", "TooManyRequestsException"})
UNAVAILABLE = frozenset({"ServiceUnavailable", "InternalFailure", "InternalError", "ModelNotReadyException"})
RECEIPT_SUFFIX = ".accepted.json"


def _client(service: str) -> Any:
    """A boto3 client, typed ``Any`` here once: boto3 has no type stubs."""
    return cast(Any, boto3).client(service, config=CLIENT_CONFIG)


def _error_code(error: ClientError) -> str:
    return str(cast("dict[str, Any]", error.response).get("Error", {}).get("Code", ""))


def _answer(status: int, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **headers},
        "body": json.dumps(body),
    }


def _log(decision: str, **fields: Any) -> None:
    LOG.info(json.dumps({"decision": decision, **fields}, default=str))


def _receipt(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    try:
        found = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if _error_code(error) in ("NoSuchKey", "404"):  # the role may list the prefix: a missing key is a 404
            return None
        raise
    return cast(dict[str, Any], json.loads(found["Body"].read()))


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    given = cast(dict[str, Any], event.get("headers") or {})
    headers = {str(k).lower(): str(v) for k, v in given.items()}
    request_context = cast(dict[str, Any], event.get("requestContext") or {})
    request_id = str(request_context.get("requestId") or "")
    inference_id = headers.get("x-inference-id") or request_id
    if not INFERENCE_ID.match(inference_id):
        return _answer(400, {"message": "X-Inference-Id must be 1 to 64 letters, digits, '.', '_' or '-'"})
    body = event.get("body") or ""
    payload = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    bucket, prefix = os.environ["BUCKET"], os.environ["INPUT_PREFIX"]
    key = f"{prefix}/{inference_id}"
    receipt_key = key + RECEIPT_SUFFIX
    s3, runtime = _client("s3"), _client("sagemaker-runtime")
    try:
        earlier = _receipt(s3, bucket, receipt_key)
        if earlier is not None:
            _log("duplicate", inferenceId=inference_id)
            return _answer(202, earlier, **{"X-Duplicate": "true"})
        content_type = headers.get("content-type", "application/octet-stream")
        s3.put_object(Bucket=bucket, Key=key, Body=payload, ContentType=content_type)
        invocation: dict[str, Any] = {
            "EndpointName": os.environ["ENDPOINT_NAME"],
            "InputLocation": f"s3://{bucket}/{key}",
            "ContentType": content_type,
            "InferenceId": inference_id,
        }
        if "accept" in headers:
            invocation["Accept"] = headers["accept"]
        answer = runtime.invoke_endpoint_async(**invocation)
        accepted = {
            "InferenceId": answer.get("InferenceId", inference_id),
            "OutputLocation": answer["OutputLocation"],
            "FailureLocation": answer.get("FailureLocation"),
        }
        try:
            s3.put_object(Bucket=bucket, Key=receipt_key, Body=json.dumps(accepted).encode(), IfNoneMatch="*")
        except ClientError as error:
            if _error_code(error) not in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise
            accepted = _receipt(s3, bucket, receipt_key) or accepted  # a concurrent duplicate wrote first
            _log("concurrent-duplicate", inferenceId=inference_id)
    except ClientError as error:
        code = _error_code(error)
        _log("failed", inferenceId=inference_id, error=code)
        if code == "ValidationError":
            return _answer(400, {"message": "the endpoint refused the request", "inferenceId": inference_id})
        if code in THROTTLED:
            return _answer(429, {"message": "throttled: retry with the same X-Inference-Id"}, **{"Retry-After": "1"})
        if code in UNAVAILABLE:
            return _answer(503, {"message": "unavailable: retry with the same X-Inference-Id"}, **{"Retry-After": "5"})
        return _answer(502, {"message": "the request could not be submitted", "inferenceId": inference_id})
    _log("accepted", inferenceId=inference_id)
    return _answer(202, accepted)
