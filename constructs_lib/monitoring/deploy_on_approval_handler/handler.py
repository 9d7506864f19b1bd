"""Steps of the deploy-on-approval state machine (``DeployOnApproval``), one Lambda, three actions.

The state machine calls ``handler`` with ``{"action": ..., "target": <index>, ...}``. What the function
may act on (the model package group and its ARN prefix, the targets, the CloudFormation role) is its
configuration, set at synth in environment variables: a step names a target by position and a
package ARN, which is checked against the registry again right before the update.

- ``validate``: checks the EventBridge "SageMaker Model Package State Change" event. A malformed
  event raises ``InvalidEvent`` (the execution fails, with a log line saying why). A package that is
  not Approved, not Completed, from another group, or whose deployment another running execution
  already handles, returns ``{"deploy": false}``: nothing is deployed.
- ``deploy``: updates the serving stack's model-package parameter through CloudFormation
  (``UpdateStack`` with ``UsePreviousTemplate`` and every other parameter ``UsePreviousValue``), so the
  live endpoint never drifts from its stack; the stack's ``ServedModelPackage`` records the package,
  so later deploys that do not pass the parameter keep it. Idempotent: a stack already serving that
  package (its ``ServedModelPackageArn`` output) is left alone; a package superseded by a newer
  approved one is skipped. A stack busy with another operation raises ``StackBusy``, which the
  state machine retries with backoff.
- ``status``: ``SUPERSEDED`` when a newer package has been approved since (its own rollout takes
  over), ``IN_PROGRESS`` while the stack updates or the endpoint is not yet InService,
  ``HEALTHY`` when the stack is ``UPDATE_COMPLETE`` and serves this package, the endpoint InService and no
  health alarm in ALARM, ``FAILED`` otherwise (e.g. the update rolled back).

An AWS call that is throttled, times out or meets a service fault (after botocore's own retries)
raises ``Transient``, which the state machine retries with backoff; anything else fails the step,
and the state machine's catch fails the rollout with the error and its cause.

Every decision is logged as one JSON line.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from typing import Any, TypeGuard, cast

import boto3  # pyright: ignore[reportMissingTypeStubs] - boto3 ships no stubs: clients are Any (_client)
from botocore.config import Config  # pyright: ignore[reportMissingTypeStubs] - botocore ships no stubs
from botocore.exceptions import (  # pyright: ignore[reportMissingTypeStubs] - botocore ships no stubs
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

EVENT_DETAIL_TYPE = "SageMaker Model Package State Change"
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
_BUSY_MARKERS = ("_IN_PROGRESS state",)  # "Stack:arn:... is in UPDATE_IN_PROGRESS state and can not be updated."
#: The serving stack's output naming the package it serves (``ServedModelPackage``).
SERVED_OUTPUT = "ServedModelPackageArn"
#: What a rollout's update may change in a serving stack: its models (and their nested stack), the
#: endpoint configurations that name them, the endpoints, and the served-model record; in a monitoring
#: stack, the monitors' job definitions (replaced with the served package's baselines) and the
#: schedules that name them. Anything else the update would touch (a role, a policy, a key, an
#: alarm...) is denied by CloudFormation.
ROLLOUT_RESOURCE_TYPES = (
    "AWS::SageMaker::Model",
    "AWS::SageMaker::EndpointConfig",
    "AWS::SageMaker::Endpoint",
    "AWS::CloudFormation::Stack",
    "Custom::ServedModelPackage",
    "AWS::SageMaker::DataQualityJobDefinition",
    "AWS::SageMaker::ModelQualityJobDefinition",
    "AWS::SageMaker::ModelBiasJobDefinition",
    "AWS::SageMaker::ModelExplainabilityJobDefinition",
    "AWS::SageMaker::MonitoringSchedule",
)
ROLLOUT_STACK_POLICY = json.dumps(
    {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "Update:*",
                "Resource": "*",
                "Condition": {"StringEquals": {"ResourceType": list(ROLLOUT_RESOURCE_TYPES)}},
            },
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "Update:*",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"ResourceType": list(ROLLOUT_RESOURCE_TYPES)}},
            },
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["Update:Replace", "Update:Delete"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "ResourceType": [
                            "AWS::SageMaker::Endpoint",
                            "AWS::CloudFormation::Stack",
                            "AWS::SageMaker::MonitoringSchedule",
                        ]
                    }
                },
            },
        ]
    }
)
_ENDPOINT_PENDING = {"Creating", "Updating", "SystemUpdating"}
_ENDPOINT_FAILED = {"OutOfService", "RollingBack", "Deleting", "Failed", "UpdateRollbackFailed"}


class InvalidEvent(Exception):
    """The event is not a model package state change this deployment can act on."""


class StackBusy(Exception):
    """The serving stack is in the middle of another operation: try again later."""


class NotDeployable(Exception):
    """The package must not deploy (no longer approved or completed, another group, another registry)."""


class DeploymentBlocked(Exception):
    """The serving stack cannot be updated to the package (missing parameter, failed state...)."""


class Transient(Exception):
    """An AWS call was throttled, timed out or met a service fault beyond botocore's own retries: the
    state machine retries the step with backoff."""


#: Error codes of AWS faults worth retrying (throttling, service unavailable, internal errors, timeouts).
_TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "PriorRequestNotComplete",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "InternalServiceError",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)


#: botocore's retries for throttling and service faults, and timeouts for a call that hangs: a call
#: gives up after three attempts of at most 15 s each, within the function's one-minute timeout, and
#: raises ``Transient`` (retried by the state machine with backoff). A step of several slow calls can
#: still run out of time; the state machine retries a timed-out step too.
CLIENT_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=5, read_timeout=10)


def _client(service: str) -> Any:
    """A boto3 client, typed ``Any`` here once: boto3 has no type stubs."""
    return cast(Any, boto3).client(service, config=CLIENT_CONFIG)


def _is_object(value: Any) -> TypeGuard[dict[str, Any]]:
    """Whether a value of an event (JSON) is an object."""
    return isinstance(value, dict)


def _error_response(error: ClientError) -> dict[str, Any]:
    """The service's error response (``Error``, ``ResponseMetadata``) of a ``ClientError``."""
    return cast("dict[str, Any]", error.response)


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    try:
        return _dispatch(event)
    except ClientError as error:
        code: str = _error_response(error).get("Error", {}).get("Code", "")
        http: int = _error_response(error).get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        if code in _TRANSIENT_CODES or http >= 500:
            _log("transient", operation=error.operation_name, code=code, reason=str(error))
            raise Transient(f"{error.operation_name}: {code}: {error}") from error
        raise
    except (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError) as error:
        _log("transient", reason=str(error))
        raise Transient(str(error)) from error


def _dispatch(event: Any) -> dict[str, Any]:
    action = event.get("action") if _is_object(event) else None
    if action not in ("validate", "deploy", "status"):
        _log("rejected", reason=f"unknown action {action!r}")
        raise InvalidEvent(f"unknown action {action!r}")
    conf = settings()
    if action == "validate":
        return validate(
            event.get("event"), group=conf.group, prefix=conf.arn_prefix, execution_arn=event.get("execution_arn")
        )
    target, arn = _target(conf, event.get("target")), cast(str, event.get("model_package_arn"))
    if action == "deploy":
        return deploy(target, arn, group=conf.group, prefix=conf.arn_prefix, role_arn=conf.role_arn)
    return status(target, arn, group=conf.group)


@dataclass(frozen=True)
class Settings:
    """What the function may do, set at synth in its environment (never taken from the event)."""

    group: str
    arn_prefix: str
    targets: tuple[dict[str, Any], ...]
    role_arn: str | None


def settings() -> Settings:
    targets = json.loads(os.environ["DEPLOYMENT_TARGETS"])
    return Settings(
        group=os.environ["MODEL_PACKAGE_GROUP"],
        arn_prefix=os.environ["MODEL_PACKAGE_ARN_PREFIX"],
        targets=tuple(targets),
        role_arn=os.environ.get("CLOUDFORMATION_ROLE_ARN") or None,
    )


def _target(conf: Settings, index: Any) -> dict[str, Any]:
    """The configured target by its position: a step names a target, it cannot describe one."""
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(conf.targets):
        _log("rejected", reason=f"unknown target {index!r}")
        raise InvalidEvent(f"unknown target {index!r}: the function deploys to {len(conf.targets)} configured targets")
    return conf.targets[index]


# ----------------------------------------------------------------------------------------- validate


def validate(event: Any, *, group: str, prefix: str | None = None, execution_arn: str | None = None) -> dict[str, Any]:
    problem = _event_problem(event)
    if problem is not None:
        _log(
            "rejected",
            reason=f"malformed event: {problem}",
            event_id=event.get("id") if _is_object(event) else None,
        )
        raise InvalidEvent(f"malformed model package state change event: {problem}")
    detail = event["detail"]
    arn = detail["ModelPackageArn"]
    if detail["ModelPackageGroupName"] != group:
        return _no_deploy(arn, f"package of group {detail['ModelPackageGroupName']!r}, not {group!r}")
    foreign = _foreign(arn, prefix)
    if foreign:
        return _no_deploy(arn, foreign)
    if detail["ModelApprovalStatus"] != "Approved":
        return _no_deploy(arn, f"approval status is {detail['ModelApprovalStatus']}")

    problem = _not_deployable(arn, group)
    if problem:
        return _no_deploy(arn, problem)
    duplicate = _earlier_running_execution(execution_arn, arn) if execution_arn else None
    if duplicate is not None:
        return _no_deploy(arn, f"execution {duplicate} already deploys this package")
    _log("validated", model_package_arn=arn)
    return {"deploy": True, "model_package_arn": arn}


def _foreign(arn: str, prefix: str | None) -> str | None:
    """Why ``arn`` is not a version of this platform's group (account, region, group), or None."""
    if prefix is None:
        return None
    version = arn[len(prefix) :] if arn.startswith(prefix) else ""
    if not version.isdigit() or version.startswith("0"):
        return f"{arn} is not a version of this platform's registry ({prefix}<version>)"
    return None


def _not_deployable(arn: str, group: str) -> str | None:
    """Why the registry says ``arn`` must not deploy now (approval, status, group), or None."""
    package = _client("sagemaker").describe_model_package(ModelPackageName=arn)
    if package.get("ModelApprovalStatus") != "Approved":
        return f"approval status is now {package.get('ModelApprovalStatus')}"
    if package.get("ModelPackageStatus") != "Completed":
        return f"package status is {package.get('ModelPackageStatus')}, not Completed"
    if package.get("ModelPackageGroupName") != group:
        return f"package of group {package.get('ModelPackageGroupName')!r}, not {group!r}"
    return None


def _event_problem(event: Any) -> str | None:
    if not _is_object(event):
        return "not a JSON object"
    if event.get("source") != "aws.sagemaker" or event.get("detail-type") != EVENT_DETAIL_TYPE:
        return (
            f"source/detail-type {event.get('source')!r}/{event.get('detail-type')!r}, "
            f"expected aws.sagemaker/{EVENT_DETAIL_TYPE!r}"
        )
    detail = event.get("detail")
    if not _is_object(detail):
        return "no 'detail' object"
    missing = [
        k
        for k in ("ModelPackageArn", "ModelPackageGroupName", "ModelApprovalStatus")
        if not isinstance(detail.get(k), str) or not detail.get(k)
    ]
    if missing:
        return f"detail lacks {', '.join(missing)}"
    if ":model-package/" not in detail["ModelPackageArn"]:
        return f"ModelPackageArn {detail['ModelPackageArn']!r} is not a model package ARN"
    return None


def _no_deploy(arn: str, reason: str) -> dict[str, Any]:
    _log("not-deploying", model_package_arn=arn, reason=reason)
    return {"deploy": False, "model_package_arn": arn, "reason": reason}


def _earlier_running_execution(execution_arn: str, package_arn: str) -> str | None:
    """Another RUNNING execution, started before this one, for the same package (duplicate events)."""
    states = _client("stepfunctions")
    # arn:<partition>:states:<region>:<account>:execution:<state machine>:<execution>
    parts = execution_arn.split(":")
    machine_arn = ":".join(parts[:5] + ["stateMachine", parts[6]])
    mine = states.describe_execution(executionArn=execution_arn)
    paginator = states.get_paginator("list_executions")
    for page in paginator.paginate(stateMachineArn=machine_arn, statusFilter="RUNNING"):
        for execution in page.get("executions", []):
            other = execution["executionArn"]
            if other == execution_arn or execution["startDate"] > mine["startDate"]:
                continue
            described = states.describe_execution(executionArn=other)
            try:
                other_arn = json.loads(described.get("input") or "{}").get("detail", {}).get("ModelPackageArn")
            except ValueError:
                continue
            if other_arn == package_arn:
                return other
    return None


# ----------------------------------------------------------------------------------------- deploy


def deploy(
    target: dict[str, Any], arn: str, *, group: str, prefix: str | None = None, role_arn: str | None = None
) -> dict[str, Any]:
    name, parameter = target["stack_name"], target["parameter_name"]
    cloudformation = _client("cloudformation")
    stack = _stack(cloudformation, name)
    stack_status = stack["StackStatus"]
    if stack_status.endswith("_IN_PROGRESS"):
        _log("busy", stack=name, status=stack_status, model_package_arn=arn)
        raise StackBusy(f"stack {name} is {stack_status}")
    if stack_status in ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "UPDATE_ROLLBACK_FAILED", "DELETE_FAILED"):
        raise DeploymentBlocked(f"stack {name} is {stack_status}; fix it before deploying")
    parameters = {p["ParameterKey"]: p.get("ParameterValue") for p in stack.get("Parameters", [])}
    if parameter not in parameters:
        raise DeploymentBlocked(f"stack {name} has no parameter {parameter!r} (it has {sorted(parameters)})")
    if _served(stack, target) == arn:
        _log("unchanged", stack=name, model_package_arn=arn)
        return {"result": "UNCHANGED"}
    latest = _latest_approved(group)
    if latest is not None and latest != arn:
        _log("superseded", stack=name, model_package_arn=arn, latest=latest)
        return {"result": "SUPERSEDED", "latest": latest}
    # Right before the update: still this registry's, still Approved and Completed, still this group's.
    problem = _foreign(arn, prefix) or _not_deployable(arn, group)
    if problem:
        _log("not-deploying", stack=name, model_package_arn=arn, reason=problem)
        raise NotDeployable(f"{arn} does not deploy to {name}: {problem}")
    update = [{"ParameterKey": key, "UsePreviousValue": True} for key in parameters if key != parameter]
    update.append({"ParameterKey": parameter, "ParameterValue": arn})
    extra = {"RoleARN": role_arn} if role_arn else {}
    try:
        cloudformation.update_stack(
            StackName=name,
            UsePreviousTemplate=True,
            Parameters=update,
            Capabilities=CAPABILITIES,
            StackPolicyDuringUpdateBody=ROLLOUT_STACK_POLICY,
            **extra,
        )
    except ClientError as error:
        message: str = _error_response(error).get("Error", {}).get("Message", "")
        if "No updates are to be performed" in message:
            # The parameter already asks for this package, yet the stack serves another one.
            raise DeploymentBlocked(f"stack {name} asks for {arn} but serves {_served(stack, target)!r}") from error
        if any(marker in message for marker in _BUSY_MARKERS):
            _log("busy", stack=name, reason=message, model_package_arn=arn)
            raise StackBusy(message) from error
        raise
    _log("updating", stack=name, parameter=parameter, model_package_arn=arn)
    return {"result": "UPDATING"}


def _served(stack: dict[str, Any], target: dict[str, Any]) -> str | None:
    """The package the stack serves, from its ``ServedModelPackage`` output."""
    output = target.get("output_name") or SERVED_OUTPUT
    return next((o.get("OutputValue") for o in stack.get("Outputs", []) if o.get("OutputKey") == output), None)


def _stack(cloudformation: Any, name: str) -> dict[str, Any]:
    try:
        return cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as error:
        if _error_response(error).get("Error", {}).get("Code") != "ValidationError":  # throttling: retried
            raise
        raise DeploymentBlocked(f"stack {name} cannot be described: {error}") from error


def _latest_approved(group: str) -> str | None:
    response = _client("sagemaker").list_model_packages(
        ModelPackageGroupName=group,
        ModelApprovalStatus="Approved",
        SortBy="CreationTime",
        SortOrder="Descending",
        MaxResults=1,
    )
    summaries = response.get("ModelPackageSummaryList", [])
    return summaries[0]["ModelPackageArn"] if summaries else None


# ----------------------------------------------------------------------------------------- status


def status(target: dict[str, Any], arn: str, *, group: str | None = None) -> dict[str, Any]:
    name = target["stack_name"]
    latest = _latest_approved(group) if group else None
    if latest is not None and latest != arn:  # a newer approval rolls out instead of this one
        _log("superseded", stack=name, model_package_arn=arn, latest=latest)
        return {"state": "SUPERSEDED", "reason": f"{latest} was approved since", "latest": latest}
    stack = _stack(_client("cloudformation"), name)
    stack_status = stack["StackStatus"]
    if stack_status.endswith("_IN_PROGRESS"):
        return _state("IN_PROGRESS", name, f"stack is {stack_status}")
    served = _served(stack, target)
    if stack_status not in ("UPDATE_COMPLETE", "CREATE_COMPLETE") or served != arn:
        return _state("FAILED", name, f"stack is {stack_status} and serves {served!r}")
    endpoint = _client("sagemaker").describe_endpoint(EndpointName=target["endpoint_name"])
    endpoint_status = endpoint["EndpointStatus"]
    if endpoint_status in _ENDPOINT_PENDING:
        return _state("IN_PROGRESS", name, f"endpoint is {endpoint_status}")
    if endpoint_status != "InService":
        return _state("FAILED", name, f"endpoint is {endpoint_status}")
    alarm_names = list(target.get("alarm_names") or [])
    if alarm_names:
        response = _client("cloudwatch").describe_alarms(
            AlarmNames=alarm_names, AlarmTypes=["MetricAlarm", "CompositeAlarm"]
        )
        found = response.get("MetricAlarms", []) + response.get("CompositeAlarms", [])
        missing = sorted(set(alarm_names) - {a["AlarmName"] for a in found})
        if missing:
            return _state("FAILED", name, f"health alarms not found: {missing}")
        alarming = sorted(a["AlarmName"] for a in found if a["StateValue"] == "ALARM")
        if alarming:
            return _state("FAILED", name, f"alarms in ALARM: {alarming}")
    return _state("HEALTHY", name, "stack updated, endpoint InService, no alarm in ALARM")


def _state(state: str, stack: str, reason: str) -> dict[str, Any]:
    _log("status", stack=stack, state=state, reason=reason)
    return {"state": state, "reason": reason}


def _log(action: str, **fields: Any) -> None:
    LOG.info(json.dumps({"action": action, **fields}, default=str))
