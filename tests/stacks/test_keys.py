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
    return next(lid for lid, r in template["Resources"].items()
                if r["Type"] == "AWS::KMS::Key" and lid.startswith(prefix))


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
    assert {"Data/AWS::S3::Bucket", "Platform/AWS::S3::Bucket", "Studio/AWS::SageMaker::Domain",
            "Training/AWS::SageMaker::Pipeline"} <= users
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
    users = _encrypted_with(templates, _key_id(templates["Platform"], "AlertsKey"))
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
