"""Safe teardown of a SageMaker Studio domain: the Lambda handler of the ``StudioTeardown`` custom resource.

CloudFormation deletes this custom resource before the domain's user profiles and spaces (they are
its dependencies). On ``Delete`` the handler clears what would make their deletion fail:

1. every app of the domain (JupyterLab, Code Editor... in user profiles and spaces) is deleted,
   apps already ``Deleted`` or ``Deleting`` are left alone, and the handler waits until none runs;
2. the spaces users created in Studio are deleted (spaces declared in the stack are left to
   CloudFormation), and the handler waits for them;
3. user profiles created outside the stack are deleted, and the handler waits for them;
4. only with ``HomeEfs: Delete`` (an explicit opt-in): every profile and space, then the domain with
   ``RetentionPolicy HomeEfsFileSystem=Delete``, so that SageMaker deletes the home EFS volume.
   Otherwise CloudFormation deletes the domain and SageMaker keeps its EFS volume.

Throttled calls are retried with exponential backoff and jitter. Every step is idempotent: if the
function runs out of time, the stack deletion fails with a message, and deleting the stack again
resumes where it stopped. ``Create`` and ``Update`` only record the domain id.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

DOMAIN_ID = re.compile(r"^d-[a-z0-9]{1,60}$")
THROTTLING_CODES = frozenset(
    {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown"}
)
#: Time kept back from the Lambda timeout to report to CloudFormation.
RESPONSE_MARGIN_SECONDS = 30
POLL_SECONDS = 15


class TeardownTimeout(RuntimeError):
    """The domain's apps, spaces or profiles were still being deleted when time ran out."""


class DomainTeardown:
    """Deletes the apps, user-created spaces and profiles of one domain, waiting for each step."""

    def __init__(
        self,
        client: Any,
        domain_id: str,
        *,
        deadline: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        poll_seconds: float = POLL_SECONDS,
        max_attempts: int = 8,
        max_backoff_seconds: float = 20.0,
    ) -> None:
        self.client = client
        self.domain_id = domain_id
        self.deadline = deadline
        self.clock = clock
        self.sleep = sleep
        self.poll_seconds = poll_seconds
        self.max_attempts = max_attempts
        self.max_backoff_seconds = max_backoff_seconds
        self.deleted: dict[str, list[str]] = {"apps": [], "spaces": [], "user_profiles": [], "domain": []}

    # -- the steps --------------------------------------------------------------------------------

    def run(self, *, stack_spaces: Iterable[str] = (), stack_profiles: Iterable[str] = (),
            delete_home_efs: bool = False) -> dict[str, list[str]]:
        """Tear the domain down; returns what was deleted, by kind."""
        status = self.domain_status()
        if status is None:
            LOG.info("domain %s does not exist: nothing to tear down", self.domain_id)
            return self.deleted
        keep_spaces = set() if delete_home_efs else set(stack_spaces)
        keep_profiles = set() if delete_home_efs else set(stack_profiles)
        if status != "Deleting":
            self.delete_apps()
            self.delete_spaces(keep=keep_spaces)
            self.delete_user_profiles(keep=keep_profiles)
        if delete_home_efs or status == "Deleting":
            self.delete_domain(ask=delete_home_efs)
        return self.deleted

    def delete_apps(self) -> None:
        def pending() -> list[str]:
            waiting = []
            for app in self._list("list_apps", "Apps"):
                state = app.get("Status")
                if state == "Deleted":
                    continue
                name = _app_name(app)
                waiting.append(name)
                owner = {"SpaceName": app["SpaceName"]} if app.get("SpaceName") else {
                    "UserProfileName": app["UserProfileName"]}
                if state != "Deleting" and self._delete(self.client.delete_app, name, AppType=app["AppType"],
                                                        AppName=app["AppName"], **owner):
                    self.deleted["apps"].append(name)
            return waiting

        self._wait("apps", pending)

    def delete_spaces(self, *, keep: set[str]) -> None:
        self._delete_members("spaces", "list_spaces", "Spaces", "SpaceName", self.client.delete_space, keep)

    def delete_user_profiles(self, *, keep: set[str]) -> None:
        self._delete_members("user_profiles", "list_user_profiles", "UserProfiles", "UserProfileName",
                             self.client.delete_user_profile, keep)

    def _delete_members(self, kind: str, list_operation: str, list_key: str, name_key: str,
                        delete: Callable[..., Any], keep: set[str]) -> None:
        """Delete the domain's spaces or user profiles, except ``keep``, and wait until they are gone."""

        def pending() -> list[str]:
            waiting = []
            for member in self._list(list_operation, list_key):
                name = member[name_key]
                if name in keep:
                    continue
                waiting.append(name)
                if member.get("Status") != "Deleting" and self._delete(delete, name, **{name_key: name}):
                    self.deleted[kind].append(name)
            return waiting

        self._wait(kind.replace("_", " "), pending)

    def delete_domain(self, *, ask: bool) -> None:
        """Delete the domain and its home EFS volume (``ask``), or only wait while it is deleted."""

        def pending() -> list[str]:
            status = self.domain_status()
            if status is None:
                return []
            if ask and status != "Deleting" and self._delete(
                self.client.delete_domain, self.domain_id, RetentionPolicy={"HomeEfsFileSystem": "Delete"}
            ):
                self.deleted["domain"].append(self.domain_id)
            return [self.domain_id]

        self._wait("domain", pending)

    def domain_status(self) -> str | None:
        """The domain's status, or None when it does not exist (any more)."""
        try:
            return self._call(self.client.describe_domain, DomainId=self.domain_id)["Status"]
        except ClientError as error:
            if _code(error) == "ResourceNotFound":
                return None
            raise

    # -- helpers ----------------------------------------------------------------------------------

    def _delete(self, fn: Callable[..., Any], name: str, **kwargs: Any) -> bool:
        """Ask for one deletion; False when it is already gone or busy (asked again next round)."""
        try:
            return bool(self._call(fn, DomainId=self.domain_id, gone_ok=True, **kwargs))
        except ClientError as error:
            if _code(error) == "ResourceInUse":
                LOG.info("%s is busy, asking again later: %s", name, error)
                return False
            raise

    def _list(self, operation: str, key: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"DomainIdEquals": self.domain_id}
        while True:
            page = self._call(getattr(self.client, operation), **kwargs)
            items += page.get(key, [])
            if not page.get("NextToken"):
                return items
            kwargs["NextToken"] = page["NextToken"]

    def _wait(self, what: str, pending: Callable[[], list[str]]) -> None:
        while True:
            waiting = pending()
            if not waiting:
                return
            if self.clock() + self.poll_seconds > self.deadline:
                raise TeardownTimeout(
                    f"{what} of domain {self.domain_id} still being deleted: {', '.join(sorted(waiting))}. "
                    "Delete the stack again to resume the teardown."
                )
            LOG.info("waiting for %s of %s: %s", what, self.domain_id, waiting)
            self.sleep(self.poll_seconds)

    def _call(self, fn: Callable[..., Any], *, gone_ok: bool = False, **kwargs: Any) -> Any:
        """``fn(**kwargs)``, retried with exponential backoff and full jitter while throttled.

        With ``gone_ok``, a ``ResourceNotFound`` (deleted meanwhile) returns None instead of raising.
        """
        for attempt in range(1, self.max_attempts + 1):
            try:
                return fn(**kwargs) or True
            except ClientError as error:
                code = _code(error)
                if gone_ok and code == "ResourceNotFound":
                    LOG.info("already gone: %s %s", getattr(fn, "__name__", fn), kwargs)
                    return None
                if code not in THROTTLING_CODES or attempt == self.max_attempts:
                    raise
                delay = random.uniform(0, min(self.max_backoff_seconds, 2.0 ** attempt))
                if self.clock() + delay > self.deadline:
                    raise
                LOG.info("throttled (%s), retrying in %.1f s", code, delay)
                self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def _app_name(app: dict[str, Any]) -> str:
    owner = app.get("SpaceName") or app.get("UserProfileName") or "?"
    return f"{owner}/{app.get('AppType')}/{app.get('AppName')}"


# -- the custom resource --------------------------------------------------------------------------


def lambda_handler(event: dict[str, Any], context: Any) -> None:
    """CloudFormation custom resource entry point: always answers CloudFormation."""
    LOG.info("request %s", json.dumps({k: v for k, v in event.items() if k != "ResponseURL"}))
    physical_id = event.get("PhysicalResourceId") or event["ResourceProperties"].get("DomainId", "none")
    try:
        physical_id, reason = handle(event, context.get_remaining_time_in_millis() / 1000)
        respond(event, "SUCCESS", physical_id, reason)
    except Exception as error:  # noqa: BLE001 - CloudFormation must always get an answer
        LOG.exception("teardown failed")
        respond(event, "FAILED", physical_id, f"{type(error).__name__}: {error}"[:1000])


def handle(event: dict[str, Any], remaining_seconds: float, client: Any = None,
           sleep: Callable[[float], None] = time.sleep) -> tuple[str, str]:
    """Handle one request; returns (physical resource id, reason)."""
    props = event["ResourceProperties"]
    if event["RequestType"] in ("Create", "Update"):
        return props["DomainId"], "domain recorded for teardown"
    domain_id = event.get("PhysicalResourceId", "")
    if not DOMAIN_ID.match(domain_id):
        return domain_id, "no domain was recorded: nothing to tear down"
    if client is None:
        client = boto3.client("sagemaker", config=Config(retries={"mode": "standard", "max_attempts": 3}))
    teardown = DomainTeardown(
        client, domain_id, deadline=time.monotonic() + remaining_seconds - RESPONSE_MARGIN_SECONDS, sleep=sleep
    )
    deleted = teardown.run(
        stack_spaces=props.get("StackSpaces", []),
        stack_profiles=props.get("StackUserProfiles", []),
        delete_home_efs=props.get("HomeEfs") == "Delete",
    )
    LOG.info("deleted %s", json.dumps(deleted))
    return domain_id, "deleted " + ", ".join(f"{len(v)} {k}" for k, v in deleted.items())


def respond(event: dict[str, Any], status: str, physical_id: str, reason: str) -> None:
    """PUT the result to CloudFormation's pre-signed response URL."""
    body = json.dumps({
        "Status": status,
        "Reason": reason,
        "PhysicalResourceId": physical_id,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": {},
    }).encode()
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - CloudFormation's https URL
        LOG.info("CloudFormation answered %s", response.status)
