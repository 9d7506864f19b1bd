"""One key per purpose: which key encrypts what, and who besides roles may use each.

The data key (``PlatformKey``, logical id and alias kept: it already encrypts the data) encrypts data,
artifacts, Studio storage, job volumes and pipelines, and is used by roles only (CloudWatch Logs may
still decrypt the log events it encrypted before the logs key existed). The logs key encrypts the log
groups and is used by CloudWatch Logs only. The alerts key encrypts the alert topic and is used by
its publishers only.
"""

from __future__ import annotations

import json

import pytest

ENVIRONMENTS = ("dev", "staging", "prod")


def _templates(synthesized_app, env: str) -> dict[str, dict]:
    return {stack_id.split("/")[1]: t for stack_id, t in synthesized_app.templates() if stack_id.startswith(f"{env}/")}


def _key_id(template: dict, prefix: str) -> str:
    return next(
        lid for lid, r in template["Resources"].items() if r["Type"] == "AWS::KMS::Key" and lid.startswith(prefix)
    )


def _encrypted_with(templates: dict[str, dict], key_logical_id: str) -> set[str]:
    """``<stack>/<resource type>`` of the resources whose properties refer to the key (directly or
    through the data stack's outputs), IAM policies and the key's alias left out."""
    found = set()
    for stack, template in templates.items():
        for resource in template["Resources"].values():
            if resource["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy", "AWS::KMS::Alias"):
                continue
            if key_logical_id in json.dumps(resource.get("Properties", {})):
                found.add(f"{stack}/{resource['Type']}")
    return found


def _service_principals(key: dict) -> dict[str, set[str]]:
    principals: dict[str, set[str]] = {}
    for statement in key["Properties"]["KeyPolicy"]["Statement"]:
        service = statement.get("Principal", {}).get("Service")
        if service:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            principals.setdefault(service, set()).update(actions)
    return principals


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_data_key_keeps_its_logical_id_and_alias(synthesized_app, env):
    data = _templates(synthesized_app, env)["Data"]["Resources"]
    assert data["PlatformKey205D0CA7"]["Type"] == "AWS::KMS::Key"
    aliases = {r["Properties"]["AliasName"] for r in data.values() if r["Type"] == "AWS::KMS::Alias"}
    assert f"alias/ml-platform/{env}" in aliases and f"alias/ml-platform/{env}/logs" in aliases


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_data_key_encrypts_data_and_no_log_group_or_topic(synthesized_app, env):
    templates = _templates(synthesized_app, env)
    users = _encrypted_with(templates, "PlatformKey205D0CA7")
    assert {
        "Data/AWS::S3::Bucket",
        "Platform/AWS::S3::Bucket",
        "Studio/AWS::SageMaker::Domain",
        "Training/AWS::SageMaker::Pipeline",
    } <= users
    assert not {u for u in users if u.endswith("AWS::Logs::LogGroup")}
    assert "Platform/AWS::SNS::Topic" not in users


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_logs_key_encrypts_the_log_groups_and_nothing_else(synthesized_app, env):
    templates = _templates(synthesized_app, env)
    users = _encrypted_with(templates, _key_id(templates["Data"], "LogsKey"))
    assert "Network/AWS::Logs::LogGroup" in users and "Studio/AWS::Logs::LogGroup" in users
    assert {u.split("/")[1] for u in users} == {"AWS::Logs::LogGroup"}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_alerts_key_encrypts_the_alert_topic(synthesized_app, env):
    templates = _templates(synthesized_app, env)
    # The monitoring and governance alerts keys have the same logical id in their own stacks.
    users = _encrypted_with({"Platform": templates["Platform"]}, _key_id(templates["Platform"], "AlertsKey"))
    assert users == {"Platform/AWS::SNS::Topic"}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_key_policy_lists_only_its_purposes_service_principals(synthesized_app, env):
    templates = _templates(synthesized_app, env)
    data = _service_principals(templates["Data"]["Resources"]["PlatformKey205D0CA7"])
    assert data == {"logs.eu-west-1.amazonaws.com": {"kms:Decrypt"}}  # older log events only
    logs = _service_principals(templates["Data"]["Resources"][_key_id(templates["Data"], "LogsKey")])
    assert set(logs) == {"logs.eu-west-1.amazonaws.com"}
    alerts = _service_principals(templates["Platform"]["Resources"][_key_id(templates["Platform"], "AlertsKey")])
    assert set(alerts) == {"cloudwatch.amazonaws.com", "events.amazonaws.com", "budgets.amazonaws.com"}
    assert all(actions == {"kms:Decrypt", "kms:GenerateDataKey*"} for actions in alerts.values())


# --- Monitoring: the queues' key (MonitoringKey, kept), the logs key, the monitoring alerts key -------


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_monitoring_key_keeps_its_logical_id_and_encrypts_queues_schedules_and_functions_only(synthesized_app, env):
    templates = _templates(synthesized_app, env)
    assert templates["Monitoring"]["Resources"]["MonitoringKey52872708"]["Type"] == "AWS::KMS::Key"
    users = _encrypted_with({"Monitoring": templates["Monitoring"]}, "MonitoringKey52872708")
    assert {
        "Monitoring/AWS::SQS::Queue",
        "Monitoring/AWS::Scheduler::Schedule",
        "Monitoring/AWS::Lambda::Function",
    } <= users
    assert {u.split("/")[1] for u in users} <= {"AWS::SQS::Queue", "AWS::Scheduler::Schedule", "AWS::Lambda::Function"}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_monitoring_log_groups_are_on_the_environments_logs_key(synthesized_app, env):
    monitoring = _templates(synthesized_app, env)["Monitoring"]["Resources"]
    logs_key = _key_id(_templates(synthesized_app, env)["Data"], "LogsKey")
    groups = {lid: r for lid, r in monitoring.items() if r["Type"] == "AWS::Logs::LogGroup"}
    assert groups
    for lid, group in groups.items():
        assert logs_key in json.dumps(group["Properties"]["KmsKeyId"]), lid


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_monitoring_key_policies_list_only_their_purposes_service_principals(synthesized_app, env):
    monitoring = _templates(synthesized_app, env)["Monitoring"]["Resources"]
    queues = _service_principals(monitoring["MonitoringKey52872708"])
    assert set(queues) == {"events.amazonaws.com", "logs.eu-west-1.amazonaws.com"}
    assert queues["logs.eu-west-1.amazonaws.com"] == {"kms:Decrypt"}  # older log events only
    alerts = _service_principals(monitoring[_key_id({"Resources": monitoring}, "AlertsKey")])
    assert alerts == {"cloudwatch.amazonaws.com": {"kms:Decrypt", "kms:GenerateDataKey*"}}


# --- Governance: the trail's key (GovernanceKey, kept), the logs key, the governance alerts key -------


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_governance_key_keeps_its_logical_id_and_encrypts_the_trail_its_bucket_and_model_cards(
    synthesized_app, env
):
    governance = _templates(synthesized_app, env)["Governance"]
    assert governance["Resources"]["GovernanceKey494DB103"]["Type"] == "AWS::KMS::Key"
    users = _encrypted_with({"Governance": governance}, "GovernanceKey494DB103")
    assert users == {
        "Governance/AWS::CloudTrail::Trail",
        "Governance/AWS::S3::Bucket",
        "Governance/AWS::SageMaker::ModelCard",
    }


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_audit_log_group_is_on_the_environments_logs_key(synthesized_app, env):
    templates = _templates(synthesized_app, env)
    users = _encrypted_with({"Governance": templates["Governance"]}, _key_id(templates["Data"], "LogsKey"))
    assert users == {"Governance/AWS::Logs::LogGroup"}


#: The topics of each stack's own alerts key: monitoring's alarm topic (and staging's approval topic:
#: its rollout to prod waits for approval); governance's audit alarm topic (and dev's labeling topic).
ALERT_TOPICS = {
    ("Monitoring", "dev"): 1,
    ("Monitoring", "staging"): 2,
    ("Monitoring", "prod"): 1,
    ("Governance", "dev"): 2,
    ("Governance", "staging"): 1,
    ("Governance", "prod"): 1,
}


@pytest.mark.parametrize(("stack", "env"), sorted(ALERT_TOPICS))
def test_each_stacks_alerts_key_encrypts_its_topics_and_nothing_else(synthesized_app, stack, env):
    template = _templates(synthesized_app, env)[stack]
    key = _key_id(template, "AlertsKey")
    assert _encrypted_with({stack: template}, key) == {f"{stack}/AWS::SNS::Topic"}
    topics = [r for r in template["Resources"].values() if r["Type"] == "AWS::SNS::Topic"]
    assert len(topics) == ALERT_TOPICS[(stack, env)]
    assert all(key in json.dumps(t["Properties"]["KmsMasterKeyId"]) for t in topics)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_governance_key_policies_list_only_their_purposes_service_principals(synthesized_app, env):
    governance = _templates(synthesized_app, env)["Governance"]["Resources"]
    trail = _service_principals(governance["GovernanceKey494DB103"])
    assert trail == {
        "cloudtrail.amazonaws.com": {"kms:GenerateDataKey*", "kms:DescribeKey"},
        "logs.eu-west-1.amazonaws.com": {"kms:Decrypt"},
    }  # older audit log events only
    encrypt = next(
        s
        for s in governance["GovernanceKey494DB103"]["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Sid") == "AllowCloudTrailToEncryptLogs"
    )
    assert {"aws:SourceArn"} == set(encrypt["Condition"]["ArnLike"])
    assert {"aws:SourceAccount"} == set(encrypt["Condition"]["StringEquals"])
    assert {"kms:EncryptionContext:aws:cloudtrail:arn"} == set(encrypt["Condition"]["StringLike"])
    alerts = _service_principals(governance[_key_id({"Resources": governance}, "AlertsKey")])
    expected = {"cloudwatch.amazonaws.com"} | ({"sagemaker.amazonaws.com"} if env == "dev" else set())
    assert set(alerts) == expected


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("stack", ("Monitoring", "Governance"))
def test_publishers_of_the_new_keys_are_pinned_to_this_accounts_alarms_and_rules(synthesized_app, env, stack):
    resources = _templates(synthesized_app, env)[stack]["Resources"]
    keys = [r for r in resources.values() if r["Type"] == "AWS::KMS::Key"]
    for key in keys:
        for statement in key["Properties"]["KeyPolicy"]["Statement"]:
            service = statement.get("Principal", {}).get("Service")
            if service not in ("cloudwatch.amazonaws.com", "events.amazonaws.com") or "Sid" not in statement:
                continue
            pattern = json.dumps(statement["Condition"]["ArnLike"]["aws:SourceArn"])
            assert (":alarm:*" if service.startswith("cloudwatch") else ":rule/*") in pattern
            assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}


# --- Moving a resource to its purpose's key is an in-place update; a create-only key stays put --------


@pytest.mark.parametrize(
    ("type_name", "key_property"),
    [
        ("AWS::Logs::LogGroup", "KmsKeyId"),  # CloudWatch Logs keeps reading older events with the old key
        ("AWS::SNS::Topic", "KmsMasterKeyId"),
        ("AWS::SQS::Queue", "KmsMasterKeyId"),
    ],
)
def test_the_key_of_the_resources_that_moved_is_updated_in_place(type_name, key_property):
    from tests.stacks.test_replacement_guard import create_only_properties

    assert f"/properties/{key_property}" not in create_only_properties("eu-west-1", type_name)


def test_the_model_cards_key_cannot_change_so_it_stays_on_the_governance_key():
    from tests.stacks.test_replacement_guard import create_only_properties

    assert "/properties/SecurityConfig" in create_only_properties("eu-west-1", "AWS::SageMaker::ModelCard")
