import pytest
from aws_cdk import Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk.assertions import Match, Template
from constructs import Construct

from constructs_lib import AlertTopic, ConstructValidationError, EncryptionKey
from constructs_lib._core.roles import ManagedPolicyRole
from tests.conftest import compliance_app, nag_findings, new_stack


@pytest.fixture(scope="module")
def template() -> Template:
    stack = new_stack()
    topic = AlertTopic(stack, "Alerts", display_name="ML platform alerts", email_addresses=["oncall@example.com"])
    topic.allow_service_to_publish("budgets.amazonaws.com")
    topic.grant_publish(ManagedPolicyRole(stack, "Publisher", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")))
    return Template.from_stack(stack)


def test_topic_is_encrypted_with_a_customer_managed_key(template):
    template.has_resource_properties(
        "AWS::SNS::Topic",
        {
            "KmsMasterKeyId": {"Fn::GetAtt": [Match.string_like_regexp("AlertsKey"), "Arn"]},
            "DisplayName": "ML platform alerts",
        },
    )
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def test_topic_policy_denies_plain_http(template):
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                )
            }
        },
    )


@pytest.mark.parametrize("service", ["cloudwatch", "events", "budgets"])
def test_services_of_this_account_may_publish_and_use_the_key(template, service):
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": f"{service}.amazonaws.com"},
                                "Action": "sns:Publish",
                                "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                            }
                        )
                    ]
                )
            }
        },
    )
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Principal": {"Service": f"{service}.amazonaws.com"},
                                "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_email_subscription(template):
    template.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "oncall@example.com"})


def test_grant_publish_includes_the_key(template):
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like({"Action": "sns:Publish"}),
                        Match.object_like({"Action": Match.array_with(["kms:Decrypt"])}),
                    ]
                )
            }
        },
    )


def test_uses_the_key_it_is_given():
    stack = new_stack()
    AlertTopic(stack, "Alerts", encryption_key=EncryptionKey(stack, "Key"), publishers=())
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 1)
    template.resource_count_is("AWS::SNS::Topic", 1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"publishers": ["budgets"]}, "publishers='budgets'"),
        ({"email_addresses": ["oncall"]}, "email_addresses='oncall'"),
        ({"display_name": "x" * 101}, "display_name="),
        ({"topic_name": "alerts.fifo"}, "topic_name='alerts.fifo'"),
    ],
)
def test_rejects_invalid_input(kwargs, message):
    with pytest.raises(ConstructValidationError, match="AlertTopic 'Test/Alerts'") as error:
        AlertTopic(new_stack(), "Alerts", **kwargs)
    assert message in str(error.value)


def test_is_compliant_under_the_nag_packs():
    app = compliance_app()
    AlertTopic(new_stack(app), "Alerts", email_addresses=["oncall@example.com"])
    assert nag_findings(app) == []


@pytest.mark.parametrize(
    "service, source",
    [
        ("cloudwatch", ":cloudwatch:eu-west-1:"),
        ("events", ":events:eu-west-1:"),
        ("budgets", ":budgets::"),
    ],
)
def test_publishers_are_pinned_to_this_accounts_alarms_rules_and_budgets(template, service, source):
    policies = template.find_resources("AWS::SNS::TopicPolicy")
    statement = next(
        s
        for p in policies.values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if isinstance(s.get("Principal"), dict) and s["Principal"].get("Service") == f"{service}.amazonaws.com"
    )
    arn = str(statement["Condition"]["ArnLike"]["aws:SourceArn"])
    assert source in arn and "AWS::AccountId" in arn


@pytest.mark.parametrize("service", ["cloudwatch", "events", "budgets"])
def test_the_key_policy_pins_each_publisher_to_the_same_sources_as_the_topic_policy(template, service):
    principal = f"{service}.amazonaws.com"

    def conditions(statements):
        return [
            s["Condition"]
            for s in statements
            if isinstance(s.get("Principal"), dict) and s["Principal"].get("Service") == principal
        ]

    [topic_policy] = template.find_resources("AWS::SNS::TopicPolicy").values()
    [key] = template.find_resources("AWS::KMS::Key").values()
    [in_topic] = conditions(topic_policy["Properties"]["PolicyDocument"]["Statement"])
    [in_key] = conditions(key["Properties"]["KeyPolicy"]["Statement"])
    assert in_key["ArnLike"] == in_topic["ArnLike"]
    assert "aws:SourceAccount" in in_key["StringEquals"]


def test_a_publisher_can_be_pinned_to_named_alarms():
    stack = new_stack()
    topic = AlertTopic(stack, "Alerts", publishers=())
    alarm_arn = "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:ml-platform-prod-*"
    topic.allow_service_to_publish("cloudwatch.amazonaws.com", source_arn=alarm_arn)
    Template.from_stack(stack).has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                "Condition": {"ArnLike": {"aws:SourceArn": alarm_arn}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_the_topics_own_key_serves_only_its_publishers(template):
    key = next(iter(template.find_resources("AWS::KMS::Key").values()))
    services = {
        s["Principal"]["Service"]
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if isinstance(s.get("Principal"), dict) and "Service" in s["Principal"]
    }
    assert services == {"cloudwatch.amazonaws.com", "events.amazonaws.com", "budgets.amazonaws.com"}


# ---------------------------------------------------------------------------------------------------
# An sns.Topic: aws-cdk-lib's alarm actions and rule targets take it


def test_alarms_and_rules_notify_an_alert_topic_directly():
    stack = new_stack()
    topic = AlertTopic(stack, "Alerts")
    assert isinstance(topic, sns.Topic)
    alarm = cloudwatch.Alarm(
        stack,
        "Errors",
        metric=cloudwatch.Metric(namespace="ML", metric_name="Errors"),
        threshold=1,
        evaluation_periods=1,
    )
    alarm.add_alarm_action(cloudwatch_actions.SnsAction(topic))
    events.Rule(
        stack, "Failed", event_pattern=events.EventPattern(source=["aws.sagemaker"]), targets=[targets.SnsTopic(topic)]
    )
    template = Template.from_stack(stack)
    ref = Stack.of(topic).resolve(topic.topic_arn)
    template.has_resource_properties("AWS::CloudWatch::Alarm", {"AlarmActions": [ref]})
    template.has_resource_properties("AWS::Events::Rule", {"Targets": [Match.object_like({"Arn": ref})]})
    assert topic.master_key is stack.node.find_child("AlertsKey")


def test_topic_key_and_subscriptions_keep_the_logical_ids_of_0_1():
    old = new_stack(construct_id="Old")
    alerts = Construct(old, "Alerts")
    legacy = sns.Topic(alerts, "Resource", master_key=kms.Key(Construct(alerts, "Key"), "Resource"), enforce_ssl=True)
    legacy.add_subscription(subscriptions.EmailSubscription("oncall@example.com"))
    legacy.add_subscription(subscriptions.EmailSubscription("later@example.com"))
    new = new_stack(construct_id="New")
    topic = AlertTopic(new, "Alerts", publishers=(), email_addresses=["oncall@example.com"])
    topic.add_subscription(subscriptions.EmailSubscription("later@example.com"))  # added after construction
    ids = {lid: r["Type"] for lid, r in Template.from_stack(new).to_json()["Resources"].items()}
    assert ids == {lid: r["Type"] for lid, r in Template.from_stack(old).to_json()["Resources"].items()}
    assert sorted(ids.values()).count("AWS::SNS::Subscription") == 2
