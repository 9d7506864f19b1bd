"""Safe teardown of a SageMaker Studio domain: the handlers of the ``StudioTeardown`` custom resource.

The resource runs on the CDK Provider framework: ``on_event`` answers CloudFormation's request and
``is_complete`` is polled (every 30 s, for up to 55 minutes) until the teardown is done, so a
teardown longer than one Lambda invocation completes.

**When it acts.** CloudFormation sends ``Delete`` in many cases where the domain stays: the construct
was removed or renamed, ``safe_teardown`` was turned off, an update that added it rolled back, or the
resource was replaced. So on ``Delete`` the handler asks CloudFormation (``DescribeStacks`` on its own
stack, ``DescribeStackResource`` on the domain's logical id) and tears down only when

- the stack is ``DELETE_IN_PROGRESS`` (or ``ROLLBACK_IN_PROGRESS``: a failed creation deletes every
  resource), the stack's domain is still this domain and its DeletionPolicy does not retain it, or
- with the ``ReplacedDomain: TearDown`` opt-in, the stack is ``UPDATE_COMPLETE_CLEANUP_IN_PROGRESS``,
  its domain resource now has another physical id (this domain was replaced and is deleted next) and
  its UpdateReplacePolicy does not retain it.

Anything else is a no-op that logs (and returns as the ``Outcome`` attribute) why. The physical id
is the domain id, so a new domain (a replacement) gives a new physical id and CloudFormation deletes
the old one, with the old domain id, once the update is complete.

**What it deletes.** Every app of the domain (this stops compute; a space's EBS volume and the home
EFS volume keep their files); the user profiles created outside the stack that own no remaining space.
Spaces created in Studio (their EBS volumes hold users' work) only with ``UserSpaces: Delete``; without
it, once the apps and profiles are gone, the teardown fails with a message listing those spaces and
how to opt in, and deleting the stack again resumes. Spaces and profiles declared in the stack are left
to CloudFormation. With ``HomeEfs: Delete``, every space and profile, then the domain with its home EFS
volume. Throttled calls are retried with backoff, then at the next poll; every step is idempotent.

``retire`` answers the resource of versions before the Provider framework, which CloudFormation
deletes on upgrade: it touches nothing.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

import boto3  # pyright: ignore[reportMissingTypeStubs] - boto3 ships no stubs: clients are Any (_client)
from botocore.config import Config  # pyright: ignore[reportMissingTypeStubs] - botocore ships no stubs
from botocore.exceptions import ClientError  # pyright: ignore[reportMissingTypeStubs] - botocore ships no stubs

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

DOMAIN_ID = re.compile(r"^d-[a-z0-9]{1,60}$")
THROTTLING_CODES = frozenset(
    {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown"}
)
#: Stack states in which CloudFormation deletes every resource of the stack, the domain included.
STACK_GOING_AWAY = {
    "DELETE_IN_PROGRESS": "the stack is being deleted",
    "ROLLBACK_IN_PROGRESS": "the stack's creation is being rolled back",
}
#: The state in which CloudFormation deletes the old physical resources replaced by an update.
CLEANUP = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
#: Time kept back from the Lambda timeout.
RESPONSE_MARGIN_SECONDS = 30
#: Spaces listed by name in the message of a teardown that stopped.
LISTED_SPACES = 20
_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3})


class TeardownBlocked(RuntimeError):
    """The teardown stopped: what is left would lose users' data, and no opt-in allows it."""


@dataclass(frozen=True)
class Decision:
    act: bool
    why: str


class Calls:
    """AWS calls retried with exponential backoff and full jitter while throttled, until a deadline."""

    def __init__(
        self,
        *,
        deadline: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 8,
        max_backoff_seconds: float = 20.0,
    ) -> None:
        self.deadline = deadline
        self.clock = clock
        self.sleep = sleep
        self.max_attempts = max_attempts
        self.max_backoff_seconds = max_backoff_seconds

    def __call__(self, fn: Callable[..., Any], *, gone_ok: bool = False, **kwargs: Any) -> Any:
        """``fn(**kwargs)``; with ``gone_ok``, ``ResourceNotFound`` (deleted meanwhile) returns None."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                return fn(**kwargs) or True
            except ClientError as error:
                code = error_code(error)
                if gone_ok and code == "ResourceNotFound":
                    LOG.info("already gone: %s %s", getattr(fn, "__name__", fn), kwargs)
                    return None
                if code not in THROTTLING_CODES or attempt == self.max_attempts:
                    raise
                delay = random.uniform(0, min(self.max_backoff_seconds, 2.0**attempt))
                if self.clock() + delay > self.deadline:
                    raise
                LOG.info("throttled (%s), retrying in %.1f s", code, delay)
                self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover


# -- when to act ----------------------------------------------------------------------------------


def decide(event: dict[str, Any], cloudformation: Any, calls: Calls) -> Decision:
    """Whether this ``Delete`` request must tear its domain down (see the module docstring)."""
    props = event["ResourceProperties"]
    domain_id = event.get("PhysicalResourceId", "")
    if not DOMAIN_ID.match(domain_id):
        return Decision(False, f"no domain was recorded (physical id {domain_id!r}): nothing to tear down")
    stack_id = props.get("StackId") or event["StackId"]
    logical_id = props.get("DomainLogicalId")
    if not logical_id:
        return Decision(
            False,
            "the request names no domain logical id (a resource of an older version): "
            f"domain {domain_id} is left alone",
        )
    status = calls(cloudformation.describe_stacks, StackName=stack_id)["Stacks"][0]["StackStatus"]
    current = stack_domain(cloudformation, calls, stack_id, logical_id)
    if status in STACK_GOING_AWAY:
        kept = props.get("DomainDeletionPolicy") in ("Retain", "Snapshot") or (
            props.get("DomainDeletionPolicy") == "RetainExceptOnCreate" and status == "DELETE_IN_PROGRESS"
        )
        if kept and current == domain_id:
            return Decision(
                False,
                f"{STACK_GOING_AWAY[status]} ({status}), but CloudFormation retains domain "
                f"{domain_id} (DeletionPolicy {props['DomainDeletionPolicy']}): left alone",
            )
        if current == domain_id:
            return Decision(True, f"{STACK_GOING_AWAY[status]} ({status}) with its domain {domain_id}")
        return Decision(
            False,
            f"{STACK_GOING_AWAY[status]} ({status}), but its domain {logical_id} is "
            f"{current or 'not in the stack'}, not {domain_id}: left alone",
        )
    if status == CLEANUP and current is not None and current != domain_id:
        if props.get("DomainUpdateReplacePolicy") in ("Retain", "Snapshot"):
            return Decision(
                False,
                f"domain {domain_id} was replaced by {current} ({status}), and CloudFormation "
                f"retains it (UpdateReplacePolicy {props['DomainUpdateReplacePolicy']}): left alone",
            )
        if props.get("ReplacedDomain") == "TearDown":
            return Decision(
                True, f"domain {domain_id} was replaced by {current} ({status}) and teardown_replaced_domain=True"
            )
        return Decision(
            False,
            f"domain {domain_id} was replaced by {current} ({status}): the old domain is left "
            "alone (CloudFormation's deletion of it fails while it holds apps or spaces); "
            "teardown_replaced_domain=True tears it down",
        )
    if status == CLEANUP and current == domain_id:
        return Decision(
            False,
            f"the stack keeps domain {domain_id} ({status}): the teardown resource was removed, "
            "renamed or replaced, the domain stays",
        )
    return Decision(
        False,
        f"the stack is {status}, its domain {logical_id} is {current or 'not in the stack'}: "
        f"domain {domain_id} is not being deleted, left alone",
    )


def stack_domain(cloudformation: Any, calls: Calls, stack_id: str, logical_id: str) -> str | None:
    """The physical id of the stack's resource ``logical_id``, or None when the stack has none."""
    try:
        detail = calls(cloudformation.describe_stack_resource, StackName=stack_id, LogicalResourceId=logical_id)
    except ClientError as error:
        if error_code(error) == "ValidationError" and "does not exist" in str(error):
            return None
        raise
    return detail["StackResourceDetail"].get("PhysicalResourceId") or None


# -- what to delete -------------------------------------------------------------------------------


class DomainTeardown:
    """One round of a domain's teardown: asks for the next deletions, returns what is still pending."""

    def __init__(self, client: Any, domain_id: str, calls: Calls) -> None:
        self.client = client
        self.domain_id = domain_id
        self.calls = calls
        self.deleted: dict[str, list[str]] = {"apps": [], "spaces": [], "user_profiles": [], "domain": []}

    def step(
        self,
        *,
        stack_spaces: Iterable[str] = (),
        stack_profiles: Iterable[str] = (),
        delete_user_spaces: bool = False,
        delete_home_efs: bool = False,
    ) -> list[str]:
        """Ask for the deletions the domain is ready for; returns what is still being deleted (empty:
        done). Raises ``TeardownBlocked`` when only spaces the options keep are left."""
        status = self.domain_status()
        if status is None:
            LOG.info("domain %s does not exist: nothing (more) to tear down", self.domain_id)
            return []
        if status == "Deleting":
            return [f"domain {self.domain_id}"]
        pending = self.delete_apps()
        if pending:
            return pending
        stack_spaces, stack_profiles = set(stack_spaces), set(stack_profiles)
        spaces = self._list("list_spaces", "Spaces")
        user_spaces = [s for s in spaces if s["SpaceName"] not in stack_spaces]
        doomed = [
            s for s in spaces if (delete_user_spaces and s in user_spaces) or (delete_home_efs and s not in user_spaces)
        ]
        if doomed:
            return self._delete_each(doomed, "spaces", "SpaceName", self.client.delete_space)
        kept = [s for s in spaces if s not in doomed]
        owners = {_owner(s) for s in kept}
        profiles = [
            p
            for p in self._list("list_user_profiles", "UserProfiles")
            if (delete_home_efs or p["UserProfileName"] not in stack_profiles) and p["UserProfileName"] not in owners
        ]
        if profiles:
            return self._delete_each(profiles, "user_profiles", "UserProfileName", self.client.delete_user_profile)
        if user_spaces:
            raise TeardownBlocked(self._blocked_message(user_spaces))
        if delete_home_efs:
            if self.calls(
                self.client.delete_domain,
                gone_ok=True,
                DomainId=self.domain_id,
                RetentionPolicy={"HomeEfsFileSystem": "Delete"},
            ):
                self.deleted["domain"].append(self.domain_id)
            return [f"domain {self.domain_id}"]
        return []

    def delete_apps(self) -> list[str]:
        """Ask to delete every app that is not ``Deleted`` or ``Deleting``; returns those not yet Deleted."""
        waiting: list[str] = []
        for app in self._list("list_apps", "Apps"):
            state = app.get("Status")
            if state == "Deleted":
                continue
            name = _app_name(app)
            waiting.append(f"app {name}")
            owner = (
                {"SpaceName": app["SpaceName"]} if app.get("SpaceName") else {"UserProfileName": app["UserProfileName"]}
            )
            if state != "Deleting" and self._delete(
                self.client.delete_app, name, AppType=app["AppType"], AppName=app["AppName"], **owner
            ):
                self.deleted["apps"].append(name)
        return waiting

    def domain_status(self) -> str | None:
        """The domain's status, or None when it does not exist (any more)."""
        try:
            return self.calls(self.client.describe_domain, DomainId=self.domain_id)["Status"]
        except ClientError as error:
            if error_code(error) == "ResourceNotFound":
                return None
            raise

    def _delete_each(
        self, members: list[dict[str, Any]], kind: str, name_key: str, delete: Callable[..., Any]
    ) -> list[str]:
        for member in members:
            name = member[name_key]
            if member.get("Status") != "Deleting" and self._delete(delete, name, **{name_key: name}):
                self.deleted[kind].append(name)
        return [f"{kind.rstrip('s').replace('_', ' ')} {m[name_key]}" for m in members]

    def _delete(self, fn: Callable[..., Any], name: str, **kwargs: Any) -> bool:
        """Ask for one deletion; False when it is already gone or busy (asked again next round)."""
        try:
            return bool(self.calls(fn, DomainId=self.domain_id, gone_ok=True, **kwargs))
        except ClientError as error:
            if error_code(error) == "ResourceInUse":
                LOG.info("%s is busy, asking again later: %s", name, error)
                return False
            raise

    def _list(self, operation: str, key: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"DomainIdEquals": self.domain_id}
        while True:
            page = self.calls(getattr(self.client, operation), **kwargs)
            items += page.get(key, [])
            if not page.get("NextToken"):
                return items
            kwargs["NextToken"] = page["NextToken"]

    def _blocked_message(self, spaces: list[dict[str, Any]]) -> str:
        names = [f"{s['SpaceName']} (owner {_owner(s)})" if _owner(s) else s["SpaceName"] for s in spaces]
        more = f" and {len(names) - LISTED_SPACES} more" if len(names) > LISTED_SPACES else ""
        return (
            f"Studio domain {self.domain_id} was not torn down: {len(spaces)} spaces created in Studio hold users' "
            f"work on their EBS volumes: {', '.join(names[:LISTED_SPACES])}{more}. Their apps are deleted "
            "(compute stopped) and the profiles that could go are deleted. Back up what matters, then delete "
            f"those spaces (aws sagemaker delete-space --domain-id {self.domain_id} --space-name NAME) or set "
            "StudioDomain(delete_user_spaces=True) to delete them with their volumes, and delete the stack again."
        )


def _owner(space: dict[str, Any]) -> str | None:
    ownership: dict[str, Any] = space.get("OwnershipSettingsSummary") or {}
    return ownership.get("OwnerUserProfileName")


def error_code(error: ClientError) -> str:
    return cast("dict[str, Any]", error.response).get("Error", {}).get("Code", "")


def _app_name(app: dict[str, Any]) -> str:
    owner = app.get("SpaceName") or app.get("UserProfileName") or "?"
    return f"{owner}/{app.get('AppType')}/{app.get('AppName')}"


# -- the Provider framework's handlers ------------------------------------------------------------


def handle_event(event: dict[str, Any], *, cloudformation: Any, sagemaker: Any, calls: Calls) -> dict[str, Any]:
    """``on_event``: Create and Update record the domain id as the physical id; Delete decides."""
    props = event["ResourceProperties"]
    if event["RequestType"] in ("Create", "Update"):
        return {"PhysicalResourceId": props["DomainId"]}
    physical_id = event["PhysicalResourceId"]
    decision = decide(event, cloudformation, calls)
    LOG.info("%s: %s", "tearing down" if decision.act else "no teardown", decision.why)
    outcome = {"PhysicalResourceId": physical_id, "Data": {"Outcome": decision.why[:1000]}}
    if not decision.act:
        return {**outcome, "Teardown": "Skip"}
    run_step(event, sagemaker, calls)  # start the work; is_complete follows it
    return {**outcome, "Teardown": "Run"}


def handle_poll(event: dict[str, Any], *, sagemaker: Any, calls: Calls) -> dict[str, Any]:
    """``is_complete``: one round of the teardown that ``on_event`` decided to run."""
    if event["RequestType"] != "Delete" or event.get("Teardown") != "Run":
        return {"IsComplete": True}
    try:
        pending = run_step(event, sagemaker, calls)
    except ClientError as error:
        if error_code(error) not in THROTTLING_CODES:
            raise
        LOG.info("still throttled, trying again at the next poll: %s", error)
        return {"IsComplete": False}
    if pending:
        LOG.info("waiting for %s", pending)
    return {"IsComplete": not pending}


def run_step(event: dict[str, Any], sagemaker: Any, calls: Calls) -> list[str]:
    props = event["ResourceProperties"]
    teardown = DomainTeardown(sagemaker, event["PhysicalResourceId"], calls)
    pending = teardown.step(
        stack_spaces=props.get("StackSpaces", []),
        stack_profiles=props.get("StackUserProfiles", []),
        delete_user_spaces=props.get("UserSpaces") == "Delete",
        delete_home_efs=props.get("HomeEfs") == "Delete",
    )
    LOG.info("asked to delete %s", json.dumps(teardown.deleted))
    return pending


def _calls(context: Any) -> Calls:
    remaining = context.get_remaining_time_in_millis() / 1000
    return Calls(deadline=time.monotonic() + remaining - RESPONSE_MARGIN_SECONDS)


def _client(service: str) -> Any:
    """A boto3 client, typed ``Any`` here once: boto3 has no type stubs."""
    return cast(Any, boto3).client(service, config=_CLIENT_CONFIG)


def on_event(event: dict[str, Any], context: Any) -> dict[str, Any] | None:
    """Lambda entry point of the Provider framework's ``onEvent``."""
    LOG.info("request %s", json.dumps({k: v for k, v in event.items() if k != "ResponseURL"}))
    return handle_event(
        event,
        cloudformation=_client("cloudformation"),
        sagemaker=_client("sagemaker"),
        calls=_calls(context),
    )


def is_complete(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point of the Provider framework's ``isComplete``."""
    return handle_poll(event, sagemaker=_client("sagemaker"), calls=_calls(context))


# -- resources of versions before the Provider framework ------------------------------------------


def retire(event: dict[str, Any], context: Any) -> None:
    """Lambda entry point of the function the teardown resource of versions before the Provider
    framework calls directly (same logical id). Upgrading replaces that resource, and its ``Delete``
    comes here: it must not touch the domain, which stays. Any request is answered without a call."""
    LOG.info("request %s", json.dumps({k: v for k, v in event.items() if k != "ResponseURL"}))
    physical_id = event.get("PhysicalResourceId") or event["ResourceProperties"].get("DomainId", "none")
    reason = "the teardown resource of an older version is retired: the domain is left alone"
    LOG.info("%s %s: %s", event["RequestType"], physical_id, reason)
    respond(event, "SUCCESS", physical_id, reason)


def respond(event: dict[str, Any], status: str, physical_id: str, reason: str) -> None:
    """PUT the result to CloudFormation's pre-signed response URL."""
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason,
            "PhysicalResourceId": physical_id,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": {},
        }
    ).encode()
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - CloudFormation's https URL
        LOG.info("CloudFormation answered %s", response.status)
