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

With ``Baselines`` (a monitoring stack's record: ``{attribute: {"Path": "ModelDataQuality.Constraints",
"Fallback": uri}}``), the answer also carries each baseline's S3 URI from the served package's
``DriftCheckBaselines`` (``DescribeModelPackage``), or the ``Fallback`` where the package has none
or no package is served (``none``). A baseline neither gives fails the update, naming it, before
any monitor changes.
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
    data = {"ModelPackageArn": value} if value else {}
    wanted = event.get("ResourceProperties", {}).get("Baselines")
    if value and wanted:
        try:
            data |= baselines(value, wanted, describe=_describe_model_package)
        except Exception as error:
            LOG.exception("served model package: baselines failed")
            _respond(event, "FAILED", physical_id, str(error)[:1000], {})
            return
    _respond(event, "SUCCESS", physical_id, f"serves {value}", data)


def baselines(value: str, wanted: dict[str, Any], *, describe: Callable[[str], dict[str, Any]]) -> dict[str, str]:
    """The S3 URI of each wanted baseline: the package's ``DriftCheckBaselines.<Path>.S3Uri``, else
    the ``Fallback``; a baseline with neither raises ``ValueError`` naming it."""
    drift: Any = describe(value).get("DriftCheckBaselines", {}) if value != NONE else {}
    found: dict[str, str] = {}
    missing: list[str] = []
    for attribute, spec in wanted.items():
        uri = _at(drift, [*str(spec["Path"]).split("."), "S3Uri"]) or spec.get("Fallback")
        if uri:
            found[attribute] = str(uri)
        else:
            missing.append(str(spec["Path"]))
    if missing:
        whose = "no package is served" if value == NONE else f"{value} has no DriftCheckBaselines"
        raise ValueError(
            f"{whose} for {', '.join(missing)}, and the monitors have no fallback for it: register the "
            "version with DriftCheckBaselines (a pipeline's check steps) or give a fallback"
        )
    return found


def _at(document: Any, path: list[str]) -> Any:
    """The value at ``path`` in a JSON document, or None where a member is missing."""
    for member in path:
        if not isinstance(document, dict):
            return None
        document = cast("dict[str, Any]", document).get(member)
    return document


def _describe_model_package(arn: str) -> dict[str, Any]:
    sagemaker: Any = cast(Any, boto3).client("sagemaker")
    return sagemaker.describe_model_package(ModelPackageName=arn)


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
