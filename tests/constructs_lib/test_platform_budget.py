import pytest
from aws_cdk.assertions import Match, Template

from constructs_lib import AlertTopic, ConstructValidationError, EncryptionKey, PlatformBudget
from tests.conftest import compliance_app, nag_findings, new_stack


@pytest.fixture(scope="module")
def template() -> Template:
    stack = new_stack()
    PlatformBudget(
        stack,
        "Budget",
        amount=1500,
        cost_allocation_tags={"environment": "dev"},
        budget_name="ml-platform-dev-monthly",
        email_addresses=["finops@example.com"],
    )
    return Template.from_stack(stack)


def _budget(template: Template) -> dict:
    [budget] = template.find_resources("AWS::Budgets::Budget").values()
    return budget


def test_monthly_cost_budget_of_the_given_amount(template):
    data = _budget(template)["Properties"]["Budget"]
    assert data["BudgetType"] == "COST" and data["TimeUnit"] == "MONTHLY"
    assert data["BudgetLimit"] == {"Amount": 1500, "Unit": "USD"}
    assert data["BudgetName"] == "ml-platform-dev-monthly"


def test_budget_counts_only_the_environments_cost_allocation_tag(template):
    assert _budget(template)["Properties"]["Budget"]["FilterExpression"] == {
        "Tags": {"Key": "environment", "Values": ["dev"], "MatchOptions": ["EQUALS"]}
    }


def test_alerts_on_actual_and_forecasted_thresholds_to_the_topic(template):
    notifications = _budget(template)["Properties"]["NotificationsWithSubscribers"]
    assert [(n["Notification"]["NotificationType"], n["Notification"]["Threshold"]) for n in notifications] == [
        ("ACTUAL", 80),
        ("ACTUAL", 100),
        ("FORECASTED", 100),
    ]
    for notification in notifications:
        assert notification["Notification"]["ThresholdType"] == "PERCENTAGE"
        assert notification["Notification"]["ComparisonOperator"] == "GREATER_THAN"
        sns, email = notification["Subscribers"]
        assert sns["SubscriptionType"] == "SNS" and "Ref" in sns["Address"]
        assert email == {"SubscriptionType": "EMAIL", "Address": "finops@example.com"}


def test_topic_is_encrypted_and_budgets_may_publish_and_use_the_key(template):
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "AllowBudgetsPublish",
                                "Principal": {"Service": "budgets.amazonaws.com"},
                                "Action": "sns:Publish",
                                "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                            }
                        ),
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
                                "Principal": {"Service": "budgets.amazonaws.com"},
                                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            }
                        ),
                    ]
                )
            }
        },
    )


def test_budget_waits_for_the_topic_policy(template):
    assert any(d.startswith("BudgetTopicPolicy") for d in _budget(template)["DependsOn"])


def test_several_tags_are_all_required():
    stack = new_stack()
    PlatformBudget(stack, "Budget", amount=10, cost_allocation_tags={"project": "ml", "environment": "prod"})
    expression = _budget(Template.from_stack(stack))["Properties"]["Budget"]["FilterExpression"]
    assert [e["Tags"]["Key"] for e in expression["And"]] == ["environment", "project"]


def test_uses_the_alert_topic_it_is_given():
    stack = new_stack()
    topic = AlertTopic(stack, "Alerts", encryption_key=EncryptionKey(stack, "Key"))
    budget = PlatformBudget(stack, "Budget", amount=10, notification_topic=topic, forecasted_thresholds=())
    assert budget.notification_topic is topic
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SNS::Topic", 1)
    template.resource_count_is("AWS::KMS::Key", 1)
    assert len(_budget(template)["Properties"]["NotificationsWithSubscribers"]) == 2


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"amount": 0}, "amount=0: must be a positive number"),
        ({"amount": -100}, "amount=-100: must be a positive number"),
        ({"amount": float("inf")}, "amount=inf: must be a positive number"),
        ({"amount": "1000"}, "amount='1000': must be a positive number"),
        ({"currency": "usd"}, "currency='usd': must be a 3-letter currency code"),
        ({"actual_thresholds": (80, 0)}, "actual_thresholds=0: must be percentages of the budget greater than 0"),
        ({"actual_thresholds": (float("nan"),)}, "actual_thresholds=nan: must be percentages"),
        ({"forecasted_thresholds": (100, 100)}, "forecasted_thresholds=[100, 100]: must not repeat a value"),
        ({"actual_thresholds": (), "forecasted_thresholds": ()}, "a budget that never alerts"),
        ({"email_addresses": ["finops"]}, "email_addresses='finops': must be an e-mail address"),
        ({"email_addresses": [f"a{i}@example.com" for i in range(11)]}, "email_addresses=11: must be at most 10"),
        ({"budget_name": "dev:monthly"}, "budget_name='dev:monthly'"),
        ({"cost_allocation_tags": {"environment": ""}}, "cost_allocation_tags={'environment': ''}"),
    ],
)
def test_rejects_invalid_input(kwargs, message):
    options = {"amount": 100, **kwargs}
    with pytest.raises(ConstructValidationError) as error:
        PlatformBudget(new_stack(), "Budget", **options)
    assert "PlatformBudget 'Test/Budget'" in str(error.value)
    assert message in str(error.value)


def test_is_compliant_under_the_nag_packs():
    app = compliance_app()
    PlatformBudget(new_stack(app), "Budget", amount=100, cost_allocation_tags={"environment": "dev"})
    assert nag_findings(app) == []


def test_any_topic_lets_budgets_of_this_account_publish():
    """A topic made with plain aws-cdk-lib gets the same topic-policy statement as an AlertTopic."""
    from aws_cdk import aws_sns as sns

    stack = new_stack()
    topic = sns.Topic(stack, "Plain")
    PlatformBudget(stack, "Budget", amount=100, notification_topic=topic)
    (policy,) = Template.from_stack(stack).find_resources("AWS::SNS::TopicPolicy").values()
    (statement,) = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Sid"] == "AllowBudgetsPublish"]
    assert statement["Principal"] == {"Service": "budgets.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"
    assert "aws:SourceAccount" in statement["Condition"]["StringEquals"]
