"""Custom resource ``Custom::ServedModelPackage`` (``ServedModelPackage``): which registered model
package a serving stack serves, kept by the stack itself across every deploy path.

The serving stack passes its ``ModelPackageArn`` parameter as ``Requested``. A rollout sets it to the
approved package; a deploy that does not pass it (CDK Pipelines: the template default, empty) must
keep what was rolled out. CloudFormation keeps no parameter value across such deploys, so the record
is the resource's own physical id, ``<value>|<previous value>``, which CloudFormation stores with the
stack:

- Create: ``Requested``, else ``Initial`` (``none``: the configured image and artifact).
- Update with ``Requested`` set: that package. Update with it empty: the recorded value, except in
  an update rollback (the stack is ``UPDATE_ROLLBACK_IN_PROGRESS``): then the value before the
  failed update, so a failed rollout leaves the previous model recorded, as it is served.
- Delete: nothing to delete (the record goes with the resource).

Every value is checked against ``RegistryArnPrefix`` (this account, region and model package group):
a package of another registry fails the update before any model changes. The answer carries
``ModelPackageArn`` (the value) for the stack's model.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.request
from collections.abc import Callable
from typing import Any, cast

import boto3  # pyright: ignore[reportMissingTypeStubs] - boto3 ships no stubs: the client is Any

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

NONE = "none"
_VERSION = re.compile(r"^[1-9][0-9]{0,8}$")


def handler(event: dict[str, Any], context: Any = None) -> None:
    LOG.info(json.dumps({k: v for k, v in event.items() if k != "ResponseURL"}, default=str))
    try:
        physical_id, value = decide(event, rolling_back=_rolling_back)
    except Exception as error:  # CloudFormation must hear back, or it waits an hour
        LOG.exception("served model package: failed")
        fallback = event.get("PhysicalResourceId") or f"{_stack_name(event)}/{event['LogicalResourceId']}/failed"
        _respond(event, "FAILED", fallback, str(error)[:1000], {})
        return
    _respond(event, "SUCCESS", physical_id, f"serves {value}", {"ModelPackageArn": value} if value else {})


def decide(event: dict[str, Any], *, rolling_back: Callable[[str], bool]) -> tuple[str, str | None]:
    """(physical id, value) for a CloudFormation request."""
    kind = event["RequestType"]
    if kind == "Delete":
        return event["PhysicalResourceId"], None
    props = event["ResourceProperties"]
    requested = props.get("Requested") or ""
    prefix = props["RegistryArnPrefix"]
    base = f"{_stack_name(event)}/{event['LogicalResourceId']}"
    if kind == "Create":
        value = requested or props.get("Initial") or NONE
        _check(value, prefix)
        return _encode(base, value, NONE), value
    recorded, previous = _decode(event["PhysicalResourceId"])
    if requested:
        value = requested
    elif rolling_back(event["StackId"]):
        value = previous  # the update that recorded ``recorded`` failed
    else:
        value = recorded
    _check(value, prefix)
    if value == recorded:
        return event["PhysicalResourceId"], value
    return _encode(base, value, recorded), value


def _check(value: str, prefix: str) -> None:
    if value == NONE:
        return
    if not value.startswith(prefix) or not _VERSION.match(value[len(prefix) :]):
        raise ValueError(
            f"{value!r} is not a version of this platform's model package group ({prefix}<version>); "
            f"only its packages, or {NONE!r}, may be served"
        )


def _encode(base: str, value: str, previous: str) -> str:
    return f"{base}|{value}|{previous}"


def _decode(physical_id: str) -> tuple[str, str]:
    parts = physical_id.split("|")
    if len(parts) != 3:
        raise ValueError(f"physical id {physical_id!r} is not a served-model record")
    return parts[1], parts[2]


def _stack_name(event: dict[str, Any]) -> str:
    # arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<id>
    return event["StackId"].split(":")[-1].split("/")[1]


def _rolling_back(stack_id: str) -> bool:
    cloudformation: Any = cast(Any, boto3).client("cloudformation")
    stack = cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]
    return stack["StackStatus"] == "UPDATE_ROLLBACK_IN_PROGRESS"


def _respond(event: dict[str, Any], status: str, physical_id: str, reason: str, data: dict[str, str]) -> None:
    """The answer, PUT to CloudFormation's pre-signed S3 URL (through the VPC's S3 gateway endpoint)."""
    answer = {
        "Status": status,
        "Reason": reason,
        "PhysicalResourceId": physical_id,
        "Data": data,
        **{key: event[key] for key in ("StackId", "RequestId", "LogicalResourceId")},
    }
    body = json.dumps(answer).encode()
    put = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(put, timeout=30) as response:  # noqa: S310 - CloudFormation's https URL
        LOG.info(json.dumps({"answered": status, "physical_id": physical_id, "http": response.status}))
