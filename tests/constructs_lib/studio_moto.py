"""Studio user profiles, spaces and apps for moto's SageMaker API (test support).

moto 5.2 implements SageMaker domains but not their user profiles, spaces or apps. This adds those
operations to moto's SageMaker service, so that boto3 calls of the teardown handler go through the
whole moto stack (request serialization against botocore's service model, moto's routing, response
parsing), with the constraints of the real API the teardown relies on:

- deleting an app makes it ``Deleting``; it is listed as ``Deleted`` later, and stays listed;
- a space or user profile with apps that are not ``Deleted`` cannot be deleted (``ResourceInUse``),
  nor a user profile that owns spaces, nor a domain that still has profiles or spaces;
- deleted spaces and profiles go through ``Deleting`` and then disappear from the lists;
- a missing domain is ``ResourceNotFound`` (moto says ``ValidationException``);
- spaces are listed with their owner (``OwnershipSettingsSummary``);
- lists are paginated (page size 2), and any operation can be made to answer ``ThrottlingException``.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound
from moto.sagemaker.models import sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse

PAGE_SIZE = 2
REGION = "eu-west-1"


class ThrottlingException(ServiceException):
    code = "ThrottlingException"


@dataclass
class Record:
    status: str = "InService"
    owner: str | None = None  # a space's owner profile; an app's profile or space
    owner_kind: str | None = None  # "UserProfileName" or "SpaceName" (apps)
    app_type: str | None = None
    seen_deleting: int = 0


@dataclass
class StudioState:
    """What moto does not hold: profiles, spaces and apps, by domain."""

    profiles: dict[tuple[str, str], Record] = field(default_factory=dict)
    spaces: dict[tuple[str, str], Record] = field(default_factory=dict)
    apps: dict[tuple[str, str, str, str], Record] = field(default_factory=dict)  # domain, owner, type, name
    #: List calls a Deleting record survives before it settles (Deleted / gone).
    settle_after: int = 1
    throttles: Counter = field(default_factory=Counter)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    retention_policies: dict[str, Any] = field(default_factory=dict)

    def throttle(self, operation: str, times: int) -> None:
        """Answer the next ``times`` calls of ``operation`` (e.g. ``"ListApps"``) with ThrottlingException."""
        self.throttles[operation] += times

    def called(self, operation: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == operation]

    # -- seeding (what users did in Studio) ---------------------------------------------------------

    def add_app(
        self, domain: str, owner: str, app_type: str, name: str, *, in_space: bool, status: str = "InService"
    ) -> None:
        kind = "SpaceName" if in_space else "UserProfileName"
        self.apps[(domain, owner, app_type, name)] = Record(
            status=status, owner=owner, owner_kind=kind, app_type=app_type
        )

    def live_apps(self, domain: str) -> list[str]:
        return [f"{k[1]}/{k[2]}/{k[3]}" for k, r in self.apps.items() if k[0] == domain and r.status != "Deleted"]


def _settle(records: dict, state: StudioState, *, remove: bool) -> None:
    for key, record in list(records.items()):
        if record.status == "Deleting":
            if record.seen_deleting >= state.settle_after:
                if remove:
                    del records[key]
                else:
                    record.status = "Deleted"
            else:
                record.seen_deleting += 1


def _page(items: list[dict[str, Any]], token: str | None, key: str) -> dict[str, Any]:
    start = int(token or 0)
    result: dict[str, Any] = {key: items[start : start + PAGE_SIZE]}
    if start + PAGE_SIZE < len(items):
        result["NextToken"] = str(start + PAGE_SIZE)
    return result


def install(monkeypatch: pytest.MonkeyPatch) -> StudioState:
    """Add the Studio operations to moto's SageMaker responses for one test; returns their state."""
    state = StudioState()
    original_describe_domain = SageMakerResponse.describe_domain
    original_delete_domain = SageMakerResponse.delete_domain

    def operation(name: str):
        def decorate(fn):
            def method(self: SageMakerResponse):
                params = {
                    k: self._get_param(k)
                    for k in (
                        "DomainId",
                        "DomainIdEquals",
                        "UserProfileName",
                        "SpaceName",
                        "AppType",
                        "AppName",
                        "NextToken",
                        "RetentionPolicy",
                        "OwnershipSettings",
                    )
                }
                params = {k: v for k, v in params.items() if v is not None}
                state.calls.append((name, params))
                if state.throttles[name] > 0:
                    state.throttles[name] -= 1
                    raise ThrottlingException("Rate exceeded")
                return fn(self, params)

            method.__name__ = fn.__name__
            monkeypatch.setattr(SageMakerResponse, fn.__name__, method, raising=False)
            return method

        return decorate

    def domains(self: SageMakerResponse) -> dict:
        return sagemaker_backends[self.current_account][self.region].domains

    def require_domain(self: SageMakerResponse, domain: str) -> None:
        if domain not in domains(self):
            raise ResourceNotFound(f"Domain {domain} does not exist.")

    @operation("DescribeDomain")
    def describe_domain(self, p):
        require_domain(self, p["DomainId"])
        return original_describe_domain(self)

    @operation("DeleteDomain")
    def delete_domain(self, p):
        domain = p["DomainId"]
        require_domain(self, domain)
        if any(k[0] == domain for k in list(state.profiles) + list(state.spaces)):
            raise ResourceInUseException(f"Domain {domain} still has user profiles or spaces.")
        state.retention_policies[domain] = p.get("RetentionPolicy")
        return original_delete_domain(self)

    @operation("CreateUserProfile")
    def create_user_profile(self, p):
        require_domain(self, p["DomainId"])
        state.profiles[(p["DomainId"], p["UserProfileName"])] = Record()
        return ActionResult(
            {
                "UserProfileArn": f"arn:aws:sagemaker:{self.region}:{self.current_account}:"
                f"user-profile/{p['DomainId']}/{p['UserProfileName']}"
            }
        )

    def list_members(records: dict, p: dict, name_key: str, list_key: str) -> ActionResult:
        _settle(records, state, remove=True)
        items = [
            {
                "DomainId": d,
                name_key: n,
                "Status": r.status,
                **({"OwnershipSettingsSummary": {"OwnerUserProfileName": r.owner}} if r.owner else {}),
            }
            for (d, n), r in records.items()
            if d == p["DomainIdEquals"]
        ]
        return ActionResult(_page(items, p.get("NextToken"), list_key))

    def busy_apps(domain: str, owner_kind: str, owner: str) -> list:
        return [
            a
            for a, r in state.apps.items()
            if a[0] == domain and r.owner_kind == owner_kind and a[1] == owner and r.status != "Deleted"
        ]

    @operation("ListUserProfiles")
    def list_user_profiles(self, p):
        return list_members(state.profiles, p, "UserProfileName", "UserProfiles")

    @operation("DeleteUserProfile")
    def delete_user_profile(self, p):
        key = (p["DomainId"], p["UserProfileName"])
        if key not in state.profiles:
            raise ResourceNotFound(f"User profile {key[1]} does not exist.")
        busy = busy_apps(key[0], "UserProfileName", key[1])
        owned = [s for s, r in state.spaces.items() if s[0] == key[0] and r.owner == key[1]]
        if busy or owned:
            raise ResourceInUseException(f"User profile {key[1]} has apps {busy} or spaces {owned}.")
        state.profiles[key].status = "Deleting"
        return EmptyResult()

    @operation("CreateSpace")
    def create_space(self, p):
        require_domain(self, p["DomainId"])
        owner = (p.get("OwnershipSettings") or {}).get("OwnerUserProfileName")
        state.spaces[(p["DomainId"], p["SpaceName"])] = Record(owner=owner)
        return ActionResult(
            {
                "SpaceArn": f"arn:aws:sagemaker:{self.region}:{self.current_account}:"
                f"space/{p['DomainId']}/{p['SpaceName']}"
            }
        )

    @operation("ListSpaces")
    def list_spaces(self, p):
        return list_members(state.spaces, p, "SpaceName", "Spaces")

    @operation("DeleteSpace")
    def delete_space(self, p):
        key = (p["DomainId"], p["SpaceName"])
        if key not in state.spaces:
            raise ResourceNotFound(f"Space {key[1]} does not exist.")
        busy = busy_apps(key[0], "SpaceName", key[1])
        if busy:
            raise ResourceInUseException(f"Space {key[1]} has apps {busy}.")
        state.spaces[key].status = "Deleting"
        return EmptyResult()

    @operation("ListApps")
    def list_apps(self, p):
        _settle(state.apps, state, remove=False)
        items = [
            {"DomainId": d, r.owner_kind: o, "AppType": t, "AppName": n, "Status": r.status}
            for (d, o, t, n), r in state.apps.items()
            if d == p["DomainIdEquals"]
        ]
        return ActionResult(_page(items, p.get("NextToken"), "Apps"))

    @operation("DeleteApp")
    def delete_app(self, p):
        owner = p.get("SpaceName") or p.get("UserProfileName")
        key = (p["DomainId"], owner, p["AppType"], p["AppName"])
        record = state.apps.get(key)
        if record is None or record.status == "Deleted":
            raise ResourceNotFound(f"App {key} does not exist.")
        if record.status == "Deleting":
            raise ResourceInUseException(f"App {key} is being deleted.")
        record.status = "Deleting"
        return EmptyResult()

    return state


# -- fixtures and helpers of the teardown tests ---------------------------------------------------


class FakeClock:
    """A clock that only moves when the handler sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def run_to_completion(round_: Callable[[], list[str]], rounds: int = 20) -> list[list[str]]:
    """Call ``round_`` until it returns nothing pending (at most ``rounds`` times); returns each result."""
    results = []
    for _ in range(rounds):
        results.append(round_())
        if not results[-1]:
            return results
    raise AssertionError(f"still pending after {rounds} rounds: {results[-1]}")


@functools.cache
def session() -> boto3.session.Session:
    """One boto3 session for the teardown tests' clients, with moto's fake credentials and ``REGION``.
    ``mock_aws`` drops boto3's default session at each start, and making one costs about 5 ms. Safe to
    share: a session only makes clients, and each client copies its event handlers, so what a test
    registers or stubs on a client stays on that client."""
    return boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
        region_name=REGION,
    )


@functools.cache
def _sagemaker_client():
    """The SageMaker client of every ``aws`` fixture, made once (SageMaker's is the largest client: about
    6 ms to make). Safe to share: a client keeps no state of moto's, each ``mock_aws`` routes it to fresh
    backends, no test stubs it or registers a handler on it, and the methods tests replace on it
    (``monkeypatch``) are put back after each test. Without retries, it never draws on its retry quota."""
    return session().client("sagemaker", config=Config(retries={"mode": "standard", "total_max_attempts": 1}))


@pytest.fixture
def aws(monkeypatch):
    """moto's SageMaker with Studio's operations; a client without botocore retries (the handler's
    own backoff is what is tested)."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        state = install(monkeypatch)
        yield _sagemaker_client(), state


@pytest.fixture
def domain(aws):
    """A domain where alice (declared in the stack) works in a private space she created and owns the
    stack's shared space ``team``; bob (created in Studio) works in his own space; carol (created
    in Studio) has nothing. Every space runs an app, and so does alice's profile."""
    client, state = aws
    domain_id = client.create_domain(
        DomainName="studio",
        AuthMode="IAM",
        VpcId="vpc-1",
        SubnetIds=["subnet-1"],
        DefaultUserSettings={"ExecutionRole": "arn:aws:iam::123456789012:role/studio"},
    )["DomainArn"].split("/")[-1]
    for profile in ("alice", "bob", "carol"):
        client.create_user_profile(DomainId=domain_id, UserProfileName=profile)
    for space, owner in (("alice-notebooks", "alice"), ("team", "alice"), ("bob-lab", "bob")):
        client.create_space(DomainId=domain_id, SpaceName=space, OwnershipSettings={"OwnerUserProfileName": owner})
    state.add_app(domain_id, "alice-notebooks", "JupyterLab", "default", in_space=True)
    state.add_app(domain_id, "alice", "JupyterServer", "default", in_space=False)
    state.add_app(domain_id, "team", "CodeEditor", "default", in_space=True)
    state.add_app(domain_id, "bob-lab", "JupyterLab", "default", in_space=True)
    state.calls.clear()
    return domain_id
