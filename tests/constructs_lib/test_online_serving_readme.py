"""The README's examples of async guardrails, the async API, online features and streaming ingestion
synthesize and are compliant (the documentation cannot drift)."""

import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

import constructs_lib as lib
from constructs_lib._core.roles import ManagedPolicyRole
from tests.conftest import ROOT, compliance_app, nag_findings, new_stack


def _example(heading: str) -> str:
    section = (ROOT / "README.md").read_text().split(f"\n{heading}\n")[1]
    return section.split("```python")[1].split("```")[0]


@pytest.mark.parametrize(
    "heading, expected",
    [
        (
            "### Asynchronous deployments, the API in front of an async endpoint, online features",
            {"AWS::ApiGateway::RestApi", "AWS::SageMaker::Endpoint", "AWS::CloudWatch::Alarm"},
        ),
        ("### Streaming ingestion into a feature group", {"AWS::Kinesis::Stream", "AWS::Lambda::EventSourceMapping"}),
    ],
)
def test_readme_example_synthesizes_and_is_compliant(heading, expected):
    app = compliance_app()
    stack = new_stack(app, "Ml")

    def role(name):
        return ManagedPolicyRole(stack, name, assumed_by=iam.AccountRootPrincipal())

    key = lib.EncryptionKey(stack, "Key")
    namespace = {
        "stack": stack,
        "artifacts": lib.SecureBucket(stack, "Artifacts"),
        "data": lib.SecureBucket(stack, "Data"),
        "key": key,
        "alerts": lib.AlertTopic(stack, "Alerts"),
        "partner_role": role("Partner"),
        "producer_role": role("Producer"),
    }
    exec(_example(heading), namespace)  # noqa: S102 - our own README
    assert nag_findings(app) == []
    assert expected <= {r["Type"] for r in Template.from_stack(stack).to_json()["Resources"].values()}
