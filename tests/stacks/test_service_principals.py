"""Every AWS service principal in every policy of the app acts for this account only.

A statement that lets a service principal act (a role's trust policy, a topic, key, queue or bucket
policy) must carry ``aws:SourceAccount`` or ``aws:SourceArn``: otherwise the service would act as
well for any other account that names our resource (the cross-service confused deputy). The
exceptions are few and by service, each with its reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns

from tests.conftest import new_app

#: Services allowed without the source keys, and why (by service principal, or its prefix).
EXCEPTIONS: dict[str, str] = {
    # Key policies only: pinned by "kms:EncryptionContext:aws:logs:arn" (this account's log groups),
    # which KMS binds to every data key; the condition the CloudWatch Logs User Guide prescribes
    # ("Encrypt log data in CloudWatch Logs using AWS KMS").
    "logs.": "pinned by the log-group encryption context",
    # API Gateway's service roles (integration credentials, the account's CloudWatch role): the API
    # Gateway Developer Guide gives their trust policies without the source keys; not pinned until it
    # is confirmed that API Gateway sends them, since a wrong pin fails every request.
    "apigateway.amazonaws.com": "API Gateway's documented trust policies carry no source keys",
    # The rollout's CloudFormation role: CloudFormation's service-role guide gives no source keys, so a
    # pin might fail every rollout; IAM passes roles within an account only, and here only the
    # rollout function (pinned by cloudformation:RoleArn) may pass it.
    "cloudformation.amazonaws.com": "CloudFormation's service-role guide gives no source keys",
}
#: Where an excepted service must still be pinned some other way (checked below).
EXCEPTION_PINS = {"logs.": "kms:EncryptionContext:aws:logs:arn"}

SOURCE_KEYS = ("aws:SourceAccount", "aws:SourceArn")


def _statements(node) -> Iterator[dict]:
    if isinstance(node, dict):
        if isinstance(node.get("Statement"), list):
            yield from (s for s in node["Statement"] if isinstance(s, dict))
        for value in node.values():
            yield from _statements(value)
    elif isinstance(node, list):
        for value in node:
            yield from _statements(value)


def _services(statement: dict) -> list[str]:
    principal = statement.get("Principal")
    if not isinstance(principal, dict) or "Service" not in principal:
        return []
    service = principal["Service"]
    return [s if isinstance(s, str) else json.dumps(s) for s in (service if isinstance(service, list) else [service])]


def _exception(service: str) -> str | None:
    return next((prefix for prefix in EXCEPTIONS if service.startswith(prefix)), None)


def unpinned_service_principals(templates: Iterator[tuple[str, dict]]) -> list[str]:
    """``"<stack>/<logical id> <service> <actions>"`` for every Allow to a service principal that
    carries neither source key (nor its exception's own pin)."""
    found = []
    for stack_id, template in templates:
        for logical_id, resource in template.get("Resources", {}).items():
            properties = resource.get("Properties", {})
            if resource["Type"] == "AWS::Lambda::Permission" and str(properties.get("Principal", "")).endswith(
                ".amazonaws.com"
            ):
                if not ({"SourceArn", "SourceAccount"} & set(properties)):
                    found.append(f"{stack_id}/{logical_id} {properties['Principal']} lambda:InvokeFunction")
                continue
            for statement in _statements(properties):
                if statement.get("Effect") != "Allow":
                    continue
                conditions = json.dumps(statement.get("Condition", {}))
                for service in _services(statement):
                    if any(f'"{key}"' in conditions for key in SOURCE_KEYS):
                        continue
                    prefix = _exception(service)
                    if prefix is not None and (prefix not in EXCEPTION_PINS or EXCEPTION_PINS[prefix] in conditions):
                        continue
                    found.append(f"{stack_id}/{logical_id} {service} {statement.get('Action')}")
    return found


def _app_templates(synthesized_app) -> Iterator[tuple[str, dict]]:
    yield from synthesized_app.templates()
    for stack in synthesized_app.assembly.stacks:  # stacks outside the environments (delivery)
        yield stack.hierarchical_id, stack.template


def test_every_service_principal_of_the_app_is_pinned_to_this_account(synthesized_app):
    templates = list(_app_templates(synthesized_app))
    assert len(templates) > 20
    assert unpinned_service_principals(iter(templates)) == []


def test_the_scan_sees_trust_topic_key_and_bucket_policies(synthesized_app):
    """The scan looks where service principals are: some of each kind are there, all pinned."""
    kinds = set()
    for _, template in _app_templates(synthesized_app):
        for resource in template["Resources"].values():
            if any(_services(s) for s in _statements(resource.get("Properties", {}))):
                kinds.add(resource["Type"])
    assert {"AWS::IAM::Role", "AWS::SNS::TopicPolicy", "AWS::KMS::Key", "AWS::S3::BucketPolicy"} <= kinds


def test_canary_the_scan_catches_an_unpinned_service_principal():
    app = new_app()
    stack = cdk.Stack(app, "Canary")
    iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    topic = sns.Topic(stack, "Topic")
    topic.add_to_resource_policy(
        iam.PolicyStatement(
            principals=[iam.ServicePrincipal("events.amazonaws.com")],
            actions=["sns:Publish"],
            resources=[topic.topic_arn],
        )
    )
    logs = iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(  # an excepted service without its own pin
                principals=[iam.ServicePrincipal("logs.eu-west-1.amazonaws.com")],
                actions=["kms:Decrypt"],
                resources=["*"],
            )
        ]
    )
    cdk.CfnResource(stack, "Key", type="AWS::KMS::Key", properties={"KeyPolicy": logs})
    found = unpinned_service_principals(iter([("Canary", app.synth().get_stack_by_name("Canary").template)]))
    assert len(found) == 3
    assert any("sagemaker.amazonaws.com" in f for f in found) and any("events.amazonaws.com" in f for f in found)
    assert any("logs.eu-west-1.amazonaws.com" in f for f in found)
