"""The teardown handler against moto's SageMaker API (with Studio profiles, spaces and apps added)."""

from __future__ import annotations

import io
import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws

from constructs_lib.studio_teardown import handler
from constructs_lib.studio_teardown.handler import DomainTeardown, TeardownTimeout
from tests.constructs_lib import studio_moto

REGION = "eu-west-1"
# moto warns that SageMaker's service model has no ThrottlingException shape (it is a common AWS error).
pytestmark = pytest.mark.filterwarnings("ignore:Exception\\(ThrottlingException\\):UserWarning")


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


@pytest.fixture
def aws(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        state = studio_moto.install(monkeypatch)
        # No botocore retries: the handler's own backoff is what is tested.
        client = boto3.client("sagemaker", region_name=REGION, config=Config(retries={"mode": "standard", "total_max_attempts": 1}))
        yield client, state


@pytest.fixture
def domain(aws):
    """A domain where alice (declared in the stack) works in a private space with running apps,
    bob's profile was created in the console, and the stack's shared space runs Code Editor."""
    client, state = aws
    domain_id = client.create_domain(
        DomainName="studio", AuthMode="IAM", VpcId="vpc-1", SubnetIds=["subnet-1"],
        DefaultUserSettings={"ExecutionRole": "arn:aws:iam::123456789012:role/studio"},
    )["DomainArn"].split("/")[-1]
    for profile in ("alice", "bob"):
        client.create_user_profile(DomainId=domain_id, UserProfileName=profile)
    client.create_space(DomainId=domain_id, SpaceName="alice-notebooks",
                        OwnershipSettings={"OwnerUserProfileName": "alice"})
    client.create_space(DomainId=domain_id, SpaceName="team", OwnershipSettings={"OwnerUserProfileName": "alice"})
    state.add_app(domain_id, "alice-notebooks", "JupyterLab", "default", in_space=True)
    state.add_app(domain_id, "alice", "JupyterServer", "default", in_space=False)
    state.add_app(domain_id, "team", "CodeEditor", "default", in_space=True)
    state.calls.clear()
    return domain_id


def _teardown(client, domain_id, clock=None, **kwargs) -> DomainTeardown:
    clock = clock or FakeClock()
    return DomainTeardown(client, domain_id, deadline=900, clock=clock, sleep=clock.sleep, **kwargs)


def _delete_event(domain_id: str, **props) -> dict:
    return {
        "RequestType": "Delete", "PhysicalResourceId": domain_id, "StackId": "arn:aws:cloudformation:stack/s",
        "RequestId": "r-1", "LogicalResourceId": "Teardown", "ResponseURL": "https://example.invalid/response",
        "ResourceProperties": {"DomainId": domain_id, "StackUserProfiles": ["alice"], "StackSpaces": ["team"],
                               "HomeEfs": "Retain", **props},
    }


def test_deletes_running_apps_and_user_spaces_so_cloudformation_can_delete_the_rest(aws, domain):
    client, state = aws
    clock = FakeClock()
    deleted = _teardown(client, domain, clock).run(stack_spaces=["team"], stack_profiles=["alice"])

    assert state.live_apps(domain) == []
    assert sorted(deleted["apps"]) == ["alice-notebooks/JupyterLab/default", "alice/JupyterServer/default",
                                       "team/CodeEditor/default"]
    assert deleted["spaces"] == ["alice-notebooks"]
    assert deleted["user_profiles"] == ["bob"]  # created outside the stack
    assert deleted["domain"] == []
    assert clock.sleeps, "the handler waits for the apps to be deleted"
    # What CloudFormation deletes next now succeeds (it would be ResourceInUse with apps running).
    client.delete_space(DomainId=domain, SpaceName="team")
    client.list_spaces(DomainIdEquals=domain)
    client.list_spaces(DomainIdEquals=domain)
    client.delete_user_profile(DomainId=domain, UserProfileName="alice")
    client.list_user_profiles(DomainIdEquals=domain)
    client.list_user_profiles(DomainIdEquals=domain)
    client.delete_domain(DomainId=domain)
    assert state.retention_policies[domain] is None  # CloudFormation's delete: SageMaker keeps the home EFS


def test_apps_already_deleted_or_being_deleted_are_not_deleted_again(aws, domain):
    client, state = aws
    state.add_app(domain, "alice", "KernelGateway", "gone", in_space=False, status="Deleted")
    state.add_app(domain, "alice", "KernelGateway", "going", in_space=False, status="Deleting")
    _teardown(client, domain).run(stack_spaces=["team"], stack_profiles=["alice"])

    asked = {(p.get("UserProfileName") or p.get("SpaceName"), p["AppName"]) for p in state.called("DeleteApp")}
    assert ("alice", "gone") not in asked and ("alice", "going") not in asked
    assert state.live_apps(domain) == []


def test_an_app_deleted_meanwhile_is_skipped(aws, domain, monkeypatch):
    client, state = aws
    real_delete = client.delete_app

    def delete_racing_the_user(**kwargs):
        state.apps[(kwargs["DomainId"], kwargs.get("SpaceName") or kwargs.get("UserProfileName"),
                    kwargs["AppType"], kwargs["AppName"])].status = "Deleted"  # the user was faster
        return real_delete(**kwargs)  # -> ResourceNotFound

    monkeypatch.setattr(client, "delete_app", delete_racing_the_user)
    deleted = _teardown(client, domain).run(stack_spaces=["team"], stack_profiles=["alice"])
    assert deleted["apps"] == []
    assert deleted["spaces"] == ["alice-notebooks"]


def test_throttled_calls_are_retried_with_growing_backoff(aws, domain):
    client, state = aws
    state.throttle("ListApps", 2)
    state.throttle("DeleteApp", 3)
    state.throttle("DeleteSpace", 1)
    clock = FakeClock()
    deleted = _teardown(client, domain, clock).run(stack_spaces=["team"], stack_profiles=["alice"])

    assert state.live_apps(domain) == []
    assert deleted["spaces"] == ["alice-notebooks"]
    backoffs = [s for s in clock.sleeps if s != handler.POLL_SECONDS]
    assert len(backoffs) == 6
    assert all(0 <= s <= 20 for s in backoffs)


def test_throttling_that_does_not_stop_fails_the_teardown(aws, domain):
    client, state = aws
    state.throttle("ListApps", 100)
    with pytest.raises(ClientError, match="ThrottlingException"):
        _teardown(client, domain, max_attempts=4).run()
    assert len(state.called("ListApps")) == 4


def test_backoff_doubles_its_cap_and_stops_at_the_maximum(monkeypatch):
    """Stubber: the exact retry schedule of a throttled call (full jitter: the cap is the bound)."""
    client = boto3.client("sagemaker", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    monkeypatch.setattr(handler.random, "uniform", lambda low, high: high)
    clock = FakeClock()
    with Stubber(client) as stub:
        for _ in range(6):
            stub.add_client_error("describe_domain", service_error_code="ThrottlingException", http_status_code=400)
        stub.add_client_error("describe_domain", service_error_code="ResourceNotFound", http_status_code=400)
        deleted = _teardown(client, "d-abc", clock).run()
        stub.assert_no_pending_responses()
    assert clock.sleeps == [2, 4, 8, 16, 20, 20]
    assert deleted == {"apps": [], "spaces": [], "user_profiles": [], "domain": []}


def test_opt_in_removes_every_profile_and_space_and_the_domain_with_its_home_efs(aws, domain):
    client, state = aws
    deleted = _teardown(client, domain).run(stack_spaces=["team"], stack_profiles=["alice"], delete_home_efs=True)

    assert sorted(deleted["spaces"]) == ["alice-notebooks", "team"]
    assert sorted(deleted["user_profiles"]) == ["alice", "bob"]
    assert deleted["domain"] == [domain]
    assert state.retention_policies[domain] == {"HomeEfsFileSystem": "Delete"}
    with pytest.raises(ClientError, match="ResourceNotFound"):
        client.describe_domain(DomainId=domain)


def test_running_out_of_time_fails_with_a_hint_to_resume(aws, domain):
    client, state = aws
    state.settle_after = 10**6  # apps that never finish deleting
    with pytest.raises(TeardownTimeout, match="apps of domain .* still being deleted.*Delete the stack again"):
        _teardown(client, domain).run()


def test_a_domain_that_is_already_gone_needs_nothing(aws):
    client, state = aws
    deleted = _teardown(client, "d-missing").run(delete_home_efs=True)
    assert deleted == {"apps": [], "spaces": [], "user_profiles": [], "domain": []}
    assert [name for name, _ in state.calls] == ["DescribeDomain"]


def test_create_and_update_record_the_domain_as_physical_id(aws, domain):
    client, state = aws
    for request in ("Create", "Update"):
        event = {**_delete_event(domain), "RequestType": request}
        assert handler.handle(event, 900, client=client)[0] == domain
    assert state.calls == []


def test_delete_after_a_failed_create_touches_nothing(aws):
    client, state = aws
    event = {**_delete_event("d-x"), "PhysicalResourceId": "2024/01/01/[$LATEST]abc"}
    physical_id, reason = handler.handle(event, 900, client=client)
    assert physical_id == event["PhysicalResourceId"] and "nothing to tear down" in reason
    assert state.calls == []


def test_delete_event_follows_the_stack_properties(aws, domain):
    client, state = aws
    physical_id, reason = handler.handle(_delete_event(domain), 900, client=client, sleep=lambda s: None)
    assert physical_id == domain
    assert reason == "deleted 3 apps, 1 spaces, 1 user_profiles, 0 domain"


class _Context:
    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 900_000


def test_lambda_handler_always_answers_cloudformation(monkeypatch):
    sent = []

    class Response(io.BytesIO):
        status = 200

    def fake_urlopen(request, timeout):
        sent.append((request.full_url, request.get_method(), json.loads(request.data)))
        return Response()

    monkeypatch.setattr(handler.urllib.request, "urlopen", fake_urlopen)
    handler.lambda_handler({**_delete_event("d-abc"), "RequestType": "Create"}, _Context())

    def boom(event, remaining):
        raise RuntimeError("SageMaker is unreachable")

    monkeypatch.setattr(handler, "handle", boom)
    handler.lambda_handler(_delete_event("d-abc"), _Context())

    (url, method, success), (_, _, failure) = sent
    assert (url, method) == ("https://example.invalid/response", "PUT")
    assert success["Status"] == "SUCCESS" and success["PhysicalResourceId"] == "d-abc"
    assert failure["Status"] == "FAILED" and failure["PhysicalResourceId"] == "d-abc"
    assert failure["Reason"] == "RuntimeError: SageMaker is unreachable"
    assert {"StackId", "RequestId", "LogicalResourceId"} <= set(success)
