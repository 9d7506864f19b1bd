"""The README's inference example synthesizes and is compliant (the documentation cannot drift)."""

from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns

import constructs_lib as lib
from constructs_lib._core.roles import ManagedPolicyRole
from tests.conftest import ROOT, compliance_app, nag_findings, new_stack

XGBOOST = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"


def _example() -> str:
    section = (ROOT / "README.md").read_text().split("\n## Inference\n")[1]
    return section.split("```python")[1].split("```")[0]


def test_readme_inference_example_synthesizes_and_is_compliant():
    app = compliance_app()
    stack = new_stack(app, "Ml")
    net = lib.PrivateNetwork(stack, "Net", availability_zones=["eu-west-1a", "eu-west-1b"], interface_endpoints=())
    artifacts, data = lib.SecureBucket(stack, "Artifacts"), lib.SecureBucket(stack, "Data")

    def role(name):
        return ManagedPolicyRole(stack, name, assumed_by=iam.AccountRootPrincipal())

    def container(key):
        return lib.ContainerDefinition(
            image=lib.ContainerImage.from_uri(XGBOOST), model_data=lib.ModelData.from_bucket(artifacts, key)
        )

    namespace = {
        "stack": stack,
        "net": net,
        "artifacts": artifacts,
        "data": data,
        "app_role": role("App"),
        "producer_role": role("Producer"),
        "consumer_role": role("Consumer"),
        "partner_role": role("Partner"),
        "ops_action": actions.SnsAction(
            sns.Topic(stack, "Ops", enforce_ssl=True, master_key=lib.EncryptionKey(stack, "OpsKey"))
        ),
        "challenger": lib.Model(stack, "Challenger", network=net, containers=[container("c/model.tar.gz")]),
    }
    code = _example().replace("containers=[...]", "containers=[__container('s/model.tar.gz')]")
    exec(code, {**namespace, "__container": container})  # noqa: S102 - our own README
    assert nag_findings(app) == []
