"""When the teardown acts: each kind of CloudFormation request, with CloudFormation's answers stubbed
(botocore's Stubber) and SageMaker in moto. A Delete in any state but the domain's own deletion
touches nothing."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from botocore.stub import Stubber

from constructs_lib.studio.studio_teardown_handler import handler
from constructs_lib.studio.studio_teardown_handler.handler import Calls, TeardownBlocked
from tests.constructs_lib.studio_moto import FakeClock, aws, domain, session  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore:Exception\\(ThrottlingException\\):UserWarning")

STACK_ID = "arn:aws:cloudformation:eu-west-1:123456789012:stack/dev-Studio/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"
DOMAIN_LOGICAL_ID = "StudioDomain5A1C3F2B"
NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def _event(request: str, domain_id: str, **props) -> dict:
    event = {
        "RequestType": request,
        "StackId": STACK_ID,
        "RequestId": "r-1",
        "LogicalResourceId": "StudioTeardownGuard",
        "ResourceType": "Custom::StudioTeardown",
        "ResponseURL": "https://example.invalid/response",
        "ServiceToken": "arn:aws:lambda:eu-west-1:123456789012:function:framework-onEvent",
        "ResourceProperties": {
            "DomainId": domain_id,
            "DomainLogicalId": DOMAIN_LOGICAL_ID,
            "StackId": STACK_ID,
            "HomeEfs": "Retain",
            "DomainDeletionPolicy": "Delete",
            "DomainUpdateReplacePolicy": "Delete",
            "UserSpaces": "Retain",
            "ReplacedDomain": "Keep",
            "StackUserProfiles": ["alice"],
            "StackSpaces": ["team"],
            **props,
        },
    }
    if request != "Create":
        event["PhysicalResourceId"] = domain_id
    return event


class CloudFormation:
    """A CloudFormation client whose answers are stubbed, in the order the handler asks."""

    def __init__(self) -> None:
        self.client = session().client("cloudformation")  # a new client: the stub stays on it
        self.stub = Stubber(self.client)
        self.stub.activate()

    def stack(self, status: str, domain: str | None, logical_id: str = DOMAIN_LOGICAL_ID) -> CloudFormation:
        self.stub.add_response(
            "describe_stacks",
            {"Stacks": [{"StackName": "dev-Studio", "StackId": STACK_ID, "CreationTime": NOW, "StackStatus": status}]},
            {"StackName": STACK_ID},
        )
        if domain is None:
            self.stub.add_client_error(
                "describe_stack_resource",
                service_error_code="ValidationError",
                http_status_code=400,
                service_message=f"Resource {logical_id} does not exist for stack dev-Studio",
                expected_params={"StackName": STACK_ID, "LogicalResourceId": logical_id},
            )
        else:
            self.stub.add_response(
                "describe_stack_resource",
                {
                    "StackResourceDetail": {
                        "LogicalResourceId": logical_id,
                        "PhysicalResourceId": domain,
                        "ResourceType": "AWS::SageMaker::Domain",
                        "LastUpdatedTimestamp": NOW,
                        "ResourceStatus": "UPDATE_COMPLETE",
                    }
                },
                {"StackName": STACK_ID, "LogicalResourceId": logical_id},
            )
        return self


def _calls() -> Calls:
    clock = FakeClock()
    return Calls(deadline=900, clock=clock, sleep=clock.sleep)


def _on_event(event, sagemaker, cloudformation: CloudFormation | None = None) -> dict:
    cfn = cloudformation or CloudFormation()
    result = handler.handle_event(event, cloudformation=cfn.client, sagemaker=sagemaker, calls=_calls())
    cfn.stub.assert_no_pending_responses()
    return result


def _provider(event, sagemaker, cloudformation: CloudFormation, polls: int = 20) -> tuple[dict, int]:
    """What the Provider framework does: on_event, then is_complete until complete (or an error)."""
    result = _on_event(event, sagemaker, cloudformation)
    merged = {**event, **result}
    for poll in range(1, polls + 1):
        if handler.handle_poll(merged, sagemaker=sagemaker, calls=_calls())["IsComplete"]:
            return result, poll
    raise AssertionError("the framework would time out")


def _untouched(state) -> bool:
    return not [name for name, _ in state.calls if name.startswith("Delete")]


# -- no teardown --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["construct removed", "construct renamed", "safe_teardown turned off"])
def test_a_delete_while_the_stack_keeps_its_domain_touches_nothing(aws, domain, case):
    """These fail on the version before: a Delete during an update wiped the live domain."""
    client, state = aws
    result, polls = _provider(
        _event("Delete", domain), client, CloudFormation().stack("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", domain)
    )
    assert result["Teardown"] == "Skip" and polls == 1
    assert "the stack keeps domain" in result["Data"]["Outcome"]
    assert state.calls == [] and len(state.live_apps(domain)) == 4


@pytest.mark.parametrize("status", ["UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"])
def test_an_update_that_added_the_teardown_and_rolls_back_touches_nothing(aws, domain, status):
    client, state = aws
    result, _ = _provider(_event("Delete", domain), client, CloudFormation().stack(status, domain))
    assert result["Teardown"] == "Skip" and f"the stack is {status}" in result["Data"]["Outcome"]
    assert state.calls == [] and len(state.live_apps(domain)) == 4


def test_a_replaced_domain_is_left_alone_by_default(aws, domain):
    client, state = aws
    result, _ = _provider(
        _event("Delete", domain), client, CloudFormation().stack("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "d-new")
    )
    assert result["Teardown"] == "Skip"
    assert f"domain {domain} was replaced by d-new" in result["Data"]["Outcome"]
    assert "teardown_replaced_domain=True" in result["Data"]["Outcome"]
    assert state.calls == []


def test_a_domain_removed_from_the_stack_is_left_alone_even_with_the_replacement_opt_in(aws, domain):
    """Not in the stack any more: it may be retained, it is not known to be replaced."""
    client, state = aws
    result, _ = _provider(
        _event("Delete", domain, ReplacedDomain="TearDown"),
        client,
        CloudFormation().stack("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", None),
    )
    assert result["Teardown"] == "Skip" and "not in the stack" in result["Data"]["Outcome"]
    assert state.calls == []


def test_a_stack_deletion_that_is_not_this_domains_touches_nothing(aws, domain):
    client, state = aws
    result, _ = _provider(_event("Delete", domain), client, CloudFormation().stack("DELETE_IN_PROGRESS", "d-other"))
    assert result["Teardown"] == "Skip" and "not " + domain in result["Data"]["Outcome"]
    assert state.calls == []


@pytest.mark.parametrize(
    ("policy", "status"),
    [
        ("Retain", "DELETE_IN_PROGRESS"),
        ("Snapshot", "ROLLBACK_IN_PROGRESS"),
        ("RetainExceptOnCreate", "DELETE_IN_PROGRESS"),
    ],
)
def test_a_domain_cloudformation_retains_with_the_stack_is_left_alone(aws, domain, policy, status):
    client, state = aws
    result, _ = _provider(
        _event("Delete", domain, DomainDeletionPolicy=policy), client, CloudFormation().stack(status, domain)
    )
    assert result["Teardown"] == "Skip" and f"DeletionPolicy {policy}" in result["Data"]["Outcome"]
    assert state.calls == []


def test_a_domain_retained_on_create_is_torn_down_when_its_creation_rolls_back(aws, domain):
    client, state = aws
    result, _ = _provider(
        _event("Delete", domain, DomainDeletionPolicy="RetainExceptOnCreate", UserSpaces="Delete"),
        client,
        CloudFormation().stack("ROLLBACK_IN_PROGRESS", domain),
    )
    assert result["Teardown"] == "Run"


def test_a_replaced_domain_cloudformation_retains_is_left_alone_even_with_the_opt_in(aws, domain):
    client, state = aws
    result, _ = _provider(
        _event("Delete", domain, ReplacedDomain="TearDown", DomainUpdateReplacePolicy="Retain"),
        client,
        CloudFormation().stack("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "d-new"),
    )
    assert result["Teardown"] == "Skip" and "UpdateReplacePolicy Retain" in result["Data"]["Outcome"]
    assert state.calls == []


def test_a_delete_after_a_failed_create_asks_nobody(aws):
    client, state = aws
    event = {**_event("Delete", "d-x"), "PhysicalResourceId": "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"}
    result = _on_event(event, client)  # no CloudFormation answer stubbed: none asked
    assert result["Teardown"] == "Skip" and result["PhysicalResourceId"] == event["PhysicalResourceId"]
    assert state.calls == []


def test_a_request_without_the_domain_logical_id_touches_nothing(aws, domain):
    client, state = aws
    event = _event("Delete", domain)
    del event["ResourceProperties"]["DomainLogicalId"]
    assert _on_event(event, client)["Teardown"] == "Skip"
    assert state.calls == []


# -- teardown -----------------------------------------------------------------------------------


def test_stack_deletion_tears_down_apps_and_profiles_and_stops_at_user_spaces(aws, domain):
    client, state = aws
    cfn = CloudFormation().stack("DELETE_IN_PROGRESS", domain)
    result = _on_event(_event("Delete", domain), client, cfn)
    assert result["Teardown"] == "Run" and "the stack is being deleted" in result["Data"]["Outcome"]
    assert len(state.called("DeleteApp")) == 4, "on_event starts the work"
    merged = {**_event("Delete", domain), **result}
    with pytest.raises(TeardownBlocked, match="alice-notebooks .*bob-lab"):
        for _ in range(20):
            handler.handle_poll(merged, sagemaker=client, calls=_calls())
    assert state.live_apps(domain) == [] and {k[1] for k in state.profiles} == {"alice", "bob"}


def test_stack_deletion_with_the_spaces_opt_in_completes_over_several_polls(aws, domain):
    client, state = aws
    result, polls = _provider(
        _event("Delete", domain, UserSpaces="Delete"), client, CloudFormation().stack("DELETE_IN_PROGRESS", domain)
    )
    assert result["PhysicalResourceId"] == domain and polls > 2
    assert {k[1] for k in state.spaces} == {"team"} and {k[1] for k in state.profiles} == {"alice"}


def test_a_failed_stack_creation_rolling_back_tears_down_the_new_domain(aws, domain):
    client, state = aws
    result, _ = _provider(
        _event("Delete", domain, UserSpaces="Delete"), client, CloudFormation().stack("ROLLBACK_IN_PROGRESS", domain)
    )
    assert result["Teardown"] == "Run" and state.live_apps(domain) == []


def test_a_replaced_domain_is_torn_down_with_the_opt_in(aws, domain):
    client, state = aws
    result, _ = _provider(
        _event("Delete", domain, ReplacedDomain="TearDown", UserSpaces="Delete"),
        client,
        CloudFormation().stack("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "d-new"),
    )
    assert result["Teardown"] == "Run" and "replaced by d-new" in result["Data"]["Outcome"]
    assert state.live_apps(domain) == []


def test_a_duplicate_delete_resumes_and_asks_nothing_twice(aws, domain):
    client, state = aws
    event = _event("Delete", domain, UserSpaces="Delete")
    _provider(event, client, CloudFormation().stack("DELETE_IN_PROGRESS", domain))
    deletes = len([n for n, _ in state.calls if n.startswith("Delete")])
    result, polls = _provider(event, client, CloudFormation().stack("DELETE_IN_PROGRESS", domain))
    assert result["Teardown"] == "Run" and polls == 1
    assert len([n for n, _ in state.calls if n.startswith("Delete")]) == deletes


# -- faults -------------------------------------------------------------------------------------


def test_throttled_cloudformation_is_retried_then_fails_the_delete_before_touching_anything(aws, domain):
    client, state = aws
    cfn = CloudFormation()
    cfn.stub.add_client_error("describe_stacks", service_error_code="Throttling", http_status_code=400)
    cfn.stack("DELETE_IN_PROGRESS", domain)
    assert _on_event(_event("Delete", domain), client, cfn)["Teardown"] == "Run"

    cfn = CloudFormation()
    for _ in range(8):
        cfn.stub.add_client_error("describe_stacks", service_error_code="Throttling", http_status_code=400)
    state.calls.clear()
    with pytest.raises(Exception, match="Throttling"):
        handler.handle_event(_event("Delete", domain), cloudformation=cfn.client, sagemaker=client, calls=_calls())
    assert state.calls == []


def test_a_poll_still_throttled_after_its_retries_polls_again_instead_of_failing(aws, domain):
    client, state = aws
    merged = {**_event("Delete", domain), "Teardown": "Run"}
    state.throttle("DescribeDomain", 8)
    assert handler.handle_poll(merged, sagemaker=client, calls=_calls()) == {"IsComplete": False}
    assert handler.handle_poll(merged, sagemaker=client, calls=_calls()) == {"IsComplete": False}  # apps deleting


def test_a_skipped_teardown_and_create_and_update_complete_at_once(aws, domain):
    client, state = aws
    for event in ({**_event("Delete", domain), "Teardown": "Skip"}, _event("Create", domain), _event("Update", domain)):
        assert handler.handle_poll(event, sagemaker=client, calls=_calls()) == {"IsComplete": True}
    assert state.calls == []


def test_create_and_update_record_the_domain_as_physical_id_and_a_new_domain_replaces_it(aws, domain):
    client, state = aws
    assert _on_event(_event("Create", domain), client) == {"PhysicalResourceId": domain}
    update = {**_event("Update", "d-new"), "PhysicalResourceId": domain}
    # A new physical id: CloudFormation deletes the old one (with the old domain id) after the update.
    assert _on_event(update, client) == {"PhysicalResourceId": "d-new"}
    assert state.calls == []


# -- Lambda entry points ------------------------------------------------------------------------


class _Context:
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:dev-Studio-StudioTeardownFunction"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 300_000


def test_entry_points_use_the_handlers_with_their_own_clients(aws, domain, monkeypatch):
    client, state = aws
    cfn = CloudFormation().stack("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", domain)
    monkeypatch.setattr(
        handler.boto3, "client", lambda service, **_: {"sagemaker": client, "cloudformation": cfn.client}[service]
    )
    result = handler.on_event(_event("Delete", domain), _Context())
    assert result["Teardown"] == "Skip"
    assert handler.is_complete({**_event("Delete", domain), **result}, _Context()) == {"IsComplete": True}
    assert state.calls == []


def test_the_resource_of_an_older_version_is_retired_without_touching_the_domain(aws, domain, monkeypatch):
    """Upgrading replaces the old resource, whose Delete CloudFormation sends straight to this function."""
    client, state = aws
    sent = []

    class Response(io.BytesIO):
        status = 200

    def fake_urlopen(request, timeout):
        sent.append((request.full_url, request.get_method(), json.loads(request.data)))
        return Response()

    monkeypatch.setattr(handler.urllib.request, "urlopen", fake_urlopen)
    monkeypatch.setattr(handler.boto3, "client", lambda *a, **k: pytest.fail("no AWS call"))
    legacy = {
        "RequestType": "Delete",
        "PhysicalResourceId": domain,
        "StackId": STACK_ID,
        "RequestId": "r-2",
        "LogicalResourceId": "StudioTeardownC5C4D7B7",
        "ResponseURL": "https://example.invalid/old",
        "ServiceToken": _Context.invoked_function_arn,
        "ResourceProperties": {"DomainId": domain, "HomeEfs": "Retain", "StackUserProfiles": [], "StackSpaces": []},
    }
    assert handler.retire(legacy, _Context()) is None
    ((url, method, body),) = sent
    assert (url, method, body["Status"], body["PhysicalResourceId"]) == (
        "https://example.invalid/old",
        "PUT",
        "SUCCESS",
        domain,
    )
    assert "left alone" in body["Reason"] and state.calls == [] and len(state.live_apps(domain)) == 4


# -- the construct's properties drive the handlers ----------------------------------------------


def _synthesized_properties(domain_id: str, **studio) -> dict:
    """The properties ``StudioDomain`` gives its teardown, with CloudFormation's values filled in."""
    from aws_cdk.assertions import Template

    from tests.conftest import new_stack
    from tests.constructs_lib.test_studio_domain import _studio

    stack = new_stack()
    studio_domain, *_ = _studio(stack, **studio)
    alice = studio_domain.add_user_profile("alice")
    studio_domain.add_space("team", owner=alice)
    (teardown,) = Template.from_stack(stack).find_resources("Custom::StudioTeardown").values()
    props = {k: v for k, v in teardown["Properties"].items() if k not in ("ServiceToken", "ServiceTimeout")}
    assert props.pop("DomainId") == {"Fn::GetAtt": [props["DomainLogicalId"], "DomainId"]}
    assert props.pop("StackId") == {"Ref": "AWS::StackId"}
    return {**props, "DomainId": domain_id, "StackId": STACK_ID}


def test_the_properties_studio_domain_synthesizes_are_the_ones_the_handlers_read(aws, domain):
    client, state = aws
    props = _synthesized_properties(domain, delete_user_spaces=True)
    event = {**_event("Delete", domain), "ResourceProperties": props}
    cfn = CloudFormation().stack("DELETE_IN_PROGRESS", domain, logical_id=props["DomainLogicalId"])
    result, _ = _provider(event, client, cfn)
    assert result["Teardown"] == "Run"
    # The stack's space and profile are left to CloudFormation; the users' spaces went (opt-in).
    assert {k[1] for k in state.spaces} == {"team"} and {k[1] for k in state.profiles} == {"alice"}
