"""The teardown's rounds against moto's SageMaker API (with Studio profiles, spaces and apps added)."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from constructs_lib.studio.studio_teardown_handler import handler
from constructs_lib.studio.studio_teardown_handler.handler import Calls, DomainTeardown, TeardownBlocked
from tests.constructs_lib.studio_moto import REGION, FakeClock, aws, domain, run_to_completion  # noqa: F401

# moto warns that SageMaker's service model has no ThrottlingException shape (it is a common AWS error).
pytestmark = pytest.mark.filterwarnings("ignore:Exception\\(ThrottlingException\\):UserWarning")

STACK = {"stack_spaces": ["team"], "stack_profiles": ["alice"]}


def _teardown(client, domain_id, clock=None, **kwargs) -> DomainTeardown:
    clock = clock or FakeClock()
    return DomainTeardown(client, domain_id, Calls(deadline=900, clock=clock, sleep=clock.sleep, **kwargs))


def _until_done(teardown: DomainTeardown, rounds: int = 20, **options) -> list[list[str]]:
    """Run rounds until nothing is pending (the Provider framework's polling); returns each round's pending."""
    return run_to_completion(lambda: teardown.step(**options), rounds)


def test_by_default_deletes_apps_and_profiles_then_stops_at_spaces_users_created(aws, domain):
    client, state = aws
    teardown = _teardown(client, domain)
    with pytest.raises(TeardownBlocked) as blocked:
        _until_done(teardown, **STACK)

    assert state.live_apps(domain) == []  # compute stopped
    assert sorted(teardown.deleted["apps"]) == [
        "alice-notebooks/JupyterLab/default",
        "alice/JupyterServer/default",
        "bob-lab/JupyterLab/default",
        "team/CodeEditor/default",
    ]
    assert teardown.deleted["user_profiles"] == ["carol"]  # created in Studio, owns no space
    assert teardown.deleted["spaces"] == [] and state.called("DeleteSpace") == []
    assert {k[1] for k in state.spaces} == {"alice-notebooks", "bob-lab", "team"}
    assert {k[1] for k in state.profiles} == {"alice", "bob"}  # bob owns bob-lab: kept with it
    message = str(blocked.value)
    assert f"Studio domain {domain} was not torn down: 2 spaces created in Studio" in message
    assert "alice-notebooks (owner alice), bob-lab (owner bob)" in message
    assert "delete_user_spaces=True" in message and "delete the stack again" in message


def test_with_the_opt_in_user_spaces_and_their_owners_go_so_cloudformation_can_delete_the_rest(aws, domain):
    client, state = aws
    clock = FakeClock()
    teardown = _teardown(client, domain, clock)
    rounds = _until_done(teardown, delete_user_spaces=True, **STACK)

    assert len(rounds) > 2, "apps, then spaces, then profiles: each waited for"
    assert state.live_apps(domain) == []
    assert sorted(teardown.deleted["spaces"]) == ["alice-notebooks", "bob-lab"]
    assert sorted(teardown.deleted["user_profiles"]) == ["bob", "carol"]
    assert teardown.deleted["domain"] == []
    # What CloudFormation deletes next now succeeds (it would be ResourceInUse with apps running).
    client.delete_space(DomainId=domain, SpaceName="team")
    client.list_spaces(DomainIdEquals=domain)
    client.list_spaces(DomainIdEquals=domain)
    client.delete_user_profile(DomainId=domain, UserProfileName="alice")
    client.list_user_profiles(DomainIdEquals=domain)
    client.list_user_profiles(DomainIdEquals=domain)
    client.delete_domain(DomainId=domain)
    assert state.retention_policies[domain] is None  # CloudFormation's delete: SageMaker keeps the home EFS


def test_a_round_never_waits_it_asks_and_returns_what_is_pending(aws, domain):
    client, state = aws
    clock = FakeClock()
    pending = _teardown(client, domain, clock).step(**STACK)
    assert sorted(pending) == [
        "app alice-notebooks/JupyterLab/default",
        "app alice/JupyterServer/default",
        "app bob-lab/JupyterLab/default",
        "app team/CodeEditor/default",
    ]
    assert clock.sleeps == []
    assert len(state.called("DeleteApp")) == 4


def test_apps_already_deleted_or_being_deleted_are_not_deleted_again(aws, domain):
    client, state = aws
    state.add_app(domain, "alice", "KernelGateway", "gone", in_space=False, status="Deleted")
    state.add_app(domain, "alice", "KernelGateway", "going", in_space=False, status="Deleting")
    _until_done(_teardown(client, domain), delete_user_spaces=True, **STACK)

    asked = {(p.get("UserProfileName") or p.get("SpaceName"), p["AppName"]) for p in state.called("DeleteApp")}
    assert ("alice", "gone") not in asked and ("alice", "going") not in asked
    assert state.live_apps(domain) == []


def test_an_app_deleted_meanwhile_is_skipped(aws, domain, monkeypatch):
    client, state = aws
    real_delete = client.delete_app

    def delete_racing_the_user(**kwargs):
        state.apps[
            (
                kwargs["DomainId"],
                kwargs.get("SpaceName") or kwargs.get("UserProfileName"),
                kwargs["AppType"],
                kwargs["AppName"],
            )
        ].status = "Deleted"  # the user was faster
        return real_delete(**kwargs)  # -> ResourceNotFound

    monkeypatch.setattr(client, "delete_app", delete_racing_the_user)
    teardown = _teardown(client, domain)
    _until_done(teardown, delete_user_spaces=True, **STACK)
    assert teardown.deleted["apps"] == []
    assert sorted(teardown.deleted["spaces"]) == ["alice-notebooks", "bob-lab"]


def test_a_space_still_busy_is_asked_again_at_the_next_round(aws, domain, monkeypatch):
    client, state = aws
    real_delete = client.delete_space
    busy = {"alice-notebooks": 2}

    def delete_while_busy(**kwargs):
        if busy.get(kwargs["SpaceName"], 0) > 0:
            busy[kwargs["SpaceName"]] -= 1
            raise ClientError({"Error": {"Code": "ResourceInUse", "Message": "busy"}}, "DeleteSpace")
        return real_delete(**kwargs)

    monkeypatch.setattr(client, "delete_space", delete_while_busy)
    teardown = _teardown(client, domain)
    _until_done(teardown, delete_user_spaces=True, **STACK)
    assert sorted(teardown.deleted["spaces"]) == ["alice-notebooks", "bob-lab"]
    assert busy == {"alice-notebooks": 0} and not any(k[1] == "alice-notebooks" for k in state.spaces)


def test_throttled_calls_are_retried_with_growing_backoff(aws, domain):
    client, state = aws
    state.throttle("ListApps", 2)
    state.throttle("DeleteApp", 3)
    state.throttle("DeleteSpace", 1)
    clock = FakeClock()
    teardown = _teardown(client, domain, clock)
    _until_done(teardown, delete_user_spaces=True, **STACK)

    assert state.live_apps(domain) == []
    assert sorted(teardown.deleted["spaces"]) == ["alice-notebooks", "bob-lab"]
    assert len(clock.sleeps) == 6
    assert all(0 <= s <= 20 for s in clock.sleeps)


def test_throttling_that_does_not_stop_raises_after_the_last_attempt(aws, domain):
    client, state = aws
    state.throttle("ListApps", 100)
    with pytest.raises(ClientError, match="ThrottlingException"):
        _teardown(client, domain, max_attempts=4).step()
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
        assert _teardown(client, "d-abc", clock).step() == []
        stub.assert_no_pending_responses()
    assert clock.sleeps == [2, 4, 8, 16, 20, 20]


def test_backoff_never_sleeps_past_the_invocations_deadline(monkeypatch):
    monkeypatch.setattr(handler.random, "uniform", lambda low, high: high)
    client = boto3.client("sagemaker", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    clock = FakeClock()
    clock.now = 899.5
    with Stubber(client) as stub:
        stub.add_client_error("describe_domain", service_error_code="ThrottlingException", http_status_code=400)
        with pytest.raises(ClientError, match="ThrottlingException"):
            DomainTeardown(
                client, "d-abc", Calls(deadline=900, clock=clock, sleep=clock.sleep, max_backoff_seconds=20)
            ).step()
    assert clock.sleeps == []  # 2 s of backoff would pass the deadline: the error is raised instead


def test_home_efs_opt_in_removes_every_profile_and_space_and_the_domain_with_its_home_efs(aws, domain):
    client, state = aws
    teardown = _teardown(client, domain)
    _until_done(teardown, delete_user_spaces=True, delete_home_efs=True, **STACK)

    assert sorted(teardown.deleted["spaces"]) == ["alice-notebooks", "bob-lab", "team"]
    assert sorted(teardown.deleted["user_profiles"]) == ["alice", "bob", "carol"]
    assert teardown.deleted["domain"] == [domain]
    assert state.retention_policies[domain] == {"HomeEfsFileSystem": "Delete"}
    with pytest.raises(ClientError, match="ResourceNotFound"):
        client.describe_domain(DomainId=domain)


def test_home_efs_opt_in_still_stops_at_user_spaces_without_their_opt_in(aws, domain):
    client, state = aws
    with pytest.raises(TeardownBlocked, match="alice-notebooks"):
        _until_done(_teardown(client, domain), delete_home_efs=True, **STACK)
    assert state.called("DeleteDomain") == []
    assert ("alice-notebooks" in {k[1] for k in state.spaces}) and ("bob-lab" in {k[1] for k in state.spaces})


def test_a_domain_that_is_already_gone_needs_nothing(aws):
    client, state = aws
    assert _teardown(client, "d-missing").step(delete_home_efs=True) == []
    assert [name for name, _ in state.calls] == ["DescribeDomain"]


def test_a_second_teardown_of_an_emptied_domain_finds_nothing_to_do(aws, domain):
    """A duplicate Delete (the stack deleted again) resumes: nothing is asked twice."""
    client, state = aws
    _until_done(_teardown(client, domain), delete_user_spaces=True, **STACK)
    asked = len(state.called("DeleteApp")) + len(state.called("DeleteSpace")) + len(state.called("DeleteUserProfile"))
    again = _teardown(client, domain)
    assert _until_done(again, delete_user_spaces=True, **STACK) == [[]]
    assert again.deleted == {"apps": [], "spaces": [], "user_profiles": [], "domain": []}
    assert (
        len(state.called("DeleteApp")) + len(state.called("DeleteSpace")) + len(state.called("DeleteUserProfile"))
        == asked
    )
