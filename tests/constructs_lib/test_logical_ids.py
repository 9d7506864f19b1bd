"""``_core.logical_ids``: CDK's logical ID rule, ported; and IDs kept where a construct path moved."""

import pytest
from aws_cdk import CfnResource, Stack
from aws_cdk.assertions import Template
from constructs import Construct

from constructs_lib._core.logical_ids import keep_logical_ids, path_below_stack, unique_id
from tests.conftest import jsii_requests, new_stack

PATHS = [
    ["Bucket"],
    ["Data", "Resource", "Resource"],
    ["Data", "Default", "Resource"],
    ["Data", "Key", "Resource", "Alias", "Resource"],
    ["Data", "DataBucket", "Bucket", "Resource"],  # a component the previous one ends with
    ["my-data.bucket", "Resource"],
    ["A" * 300],  # a top-level id too long to use as is
    ["Deep" * 40, "Deeper" * 40, "Resource"],  # the human part is cut at 240 characters
]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: "/".join(c[:12] for c in p))
def test_unique_id_is_the_id_cdk_allocates(path):
    stack = new_stack()
    scope: Construct = stack
    for component in path[:-1]:
        scope = Construct(scope, component)
    resource = CfnResource(scope, path[-1], type="AWS::SNS::Topic")
    assert path_below_stack(resource) == path
    assert unique_id(path) == stack.get_logical_id(resource)


def test_kept_ids_follow_the_former_place_of_the_last_call():
    stack = new_stack()
    target = Construct(stack, "Target")
    moved = Construct(stack, "Moved")
    resource = CfnResource(moved, "Resource", type="AWS::SNS::Topic")
    keep_logical_ids(moved)
    assert stack.resolve(resource.logical_id) == unique_id(["Moved", "Resource", "Resource"])  # pinned at once
    keep_logical_ids(moved, formerly_under=target, formerly_named="Key")
    CfnResource(moved, "Later", type="AWS::SNS::Topic")  # pinned at synth
    assert _ids(stack) == {
        unique_id(["Target", "Key", "Resource", "Resource"]),
        unique_id(["Target", "Key", "Resource", "Later"]),
    }


def test_a_nearer_construct_that_keeps_its_ids_owns_its_resources():
    stack = new_stack()
    outer = Construct(stack, "Outer")
    inner = Construct(outer, "Inner")
    CfnResource(inner, "Resource", type="AWS::SNS::Topic")
    keep_logical_ids(outer)
    keep_logical_ids(inner)
    assert _ids(stack) == {unique_id(["Outer", "Inner", "Resource", "Resource"])}


def _ids(stack: Stack) -> set[str]:
    return set(Template.from_stack(stack).to_json()["Resources"])


def test_a_foundation_that_replaces_a_plain_l2_at_its_path_keeps_the_ids_of_that_path():
    """Library modules that created an ``sns.Topic`` now create an ``AlertTopic`` at the same path
    (``AlertTopicInPlaceOfSnsTopic``), a subscription added later included, and pin no ID to do so."""
    from aws_cdk import aws_sns as sns
    from aws_cdk import aws_sns_subscriptions as subscriptions

    from constructs_lib import EncryptionKey
    from constructs_lib.foundation._topics import AlertTopicInPlaceOfSnsTopic

    old = new_stack(construct_id="Old")
    sns.Topic(
        Construct(old, "Alarms"), "Topic", master_key=EncryptionKey(old, "Key"), enforce_ssl=True
    ).add_subscription(subscriptions.EmailSubscription("ops@example.com"))
    new = new_stack(construct_id="New")
    key = EncryptionKey(new, "Key")
    with jsii_requests() as requests:
        topic = AlertTopicInPlaceOfSnsTopic(Construct(new, "Alarms"), "Topic", encryption_key=key, publishers=())
    assert not {("invoke", "overrideLogicalId"), ("static", "Aspects.of")} & set(requests)
    topic.add_subscription(subscriptions.EmailSubscription("ops@example.com"))
    assert _ids(new) == _ids(old)


def test_an_id_the_user_sets_on_a_resource_added_later_wins():
    stack = new_stack()
    moved = Construct(stack, "Moved")
    CfnResource(moved, "Resource", type="AWS::SNS::Topic")
    keep_logical_ids(moved)
    later = CfnResource(moved, "Later", type="AWS::SNS::Topic")
    later.override_logical_id("Mine")
    assert _ids(stack) == {unique_id(["Moved", "Resource", "Resource"]), "Mine"}


def test_a_topic_in_place_of_an_sns_topic_keeps_its_paths_ids_under_a_construct_that_keeps_legacy_ones():
    """Under a foundation that keeps its 0.1 IDs (here a bucket), the module's topic still gets the IDs
    CDK gives its own path: the bucket's pinning leaves what is under the topic alone."""
    from constructs_lib import EncryptionKey, SecureBucket
    from constructs_lib.foundation._topics import AlertTopicInPlaceOfSnsTopic

    stack = new_stack()
    key = EncryptionKey(stack, "Key")
    AlertTopicInPlaceOfSnsTopic(
        Construct(SecureBucket(stack, "Data"), "Alarms"), "Topic", encryption_key=key, publishers=()
    )
    assert {i for i in _ids(stack) if i.startswith("DataAlarmsTopic")} == {
        unique_id(["Data", "Alarms", "Topic", "Resource"]),
        unique_id(["Data", "Alarms", "Topic", "Policy", "Resource"]),
    }
