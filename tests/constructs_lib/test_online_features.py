"""Online features at prediction time: the Feature Store runtime endpoint among the network's, a
model that reads named feature groups (and so is not network-isolated, by explicit choice)."""

import pytest
from aws_cdk.assertions import Template

from constructs_lib import (
    FEATURE_STORE_RUNTIME_ENDPOINT,
    INTERFACE_ENDPOINT_SERVICES,
    ConstructValidationError,
    Model,
)
from tests.conftest import compliance_app, nag_findings, new_stack
from tests.constructs_lib.feature_fixtures import network_with, online_group
from tests.constructs_lib.grants import SAGEMAKER, role_statements
from tests.constructs_lib.inference_fixtures import artifacts, container
from tests.iam_eval import Request, allowed


@pytest.fixture(scope="module")
def built():
    app = compliance_app()
    stack = new_stack(app, "Serve")
    customers = online_group(stack, "Customers", "customers")
    online_group(stack, "Orders", "orders")
    model = Model(
        stack,
        "Model",
        containers=[container(artifacts(stack))],
        network=network_with(stack, FEATURE_STORE_RUNTIME_ENDPOINT),
        network_isolation=False,
        reads_features=[customers],
    )
    findings = nag_findings(app)
    return {"template": Template.from_stack(stack), "findings": findings, "model": model}


def test_the_feature_store_runtime_is_an_interface_endpoint_a_network_can_have():
    assert INTERFACE_ENDPOINT_SERVICES[FEATURE_STORE_RUNTIME_ENDPOINT] == "SAGEMAKER_FEATURESTORE_RUNTIME"


def test_the_network_creates_it_with_private_dns_for_principals_of_this_account(built):
    endpoints = built["template"].find_resources("AWS::EC2::VPCEndpoint")
    runtime = next(e for e in endpoints.values() if "featurestore-runtime" in str(e["Properties"]["ServiceName"]))
    assert runtime["Properties"]["VpcEndpointType"] == "Interface"
    assert runtime["Properties"]["PrivateDnsEnabled"] is True
    sids = {s.get("Sid") for s in runtime["Properties"]["PolicyDocument"]["Statement"]}
    assert "OnlyPrincipalsOfThisAccount" in sids


def test_the_model_role_reads_records_of_the_named_feature_groups_only(built):
    statements = role_statements(built["template"], "ModelRole")
    customers = f"{SAGEMAKER}:feature-group/customers"
    assert allowed(statements, Request("sagemaker:GetRecord", customers))
    assert allowed(statements, Request("sagemaker:BatchGetRecord", customers))
    assert not allowed(statements, Request("sagemaker:GetRecord", f"{SAGEMAKER}:feature-group/orders"))
    assert not allowed(statements, Request("sagemaker:PutRecord", customers))
    assert not allowed(statements, Request("sagemaker:DeleteRecord", customers))


def test_the_model_role_decrypts_with_the_online_store_key(built):
    statements = role_statements(built["template"], "ModelRole")
    decrypt = [s for s in statements if s["Action"] == "kms:Decrypt"]
    assert any("CustomersKey" in str(s["Resource"]) for s in decrypt)
    assert not any("OrdersKey" in str(s["Resource"]) for s in decrypt)


def test_a_model_that_reads_features_is_not_network_isolated(built):
    props = next(iter(built["template"].find_resources("AWS::SageMaker::Model").values()))["Properties"]
    assert props["EnableNetworkIsolation"] is False
    assert built["model"].reads_features[0].feature_group_name == "customers"


def test_is_compliant_under_the_nag_packs(built):
    assert built["findings"] == []


# --- bad input -----------------------------------------------------------------------------------


def _refused(*, network: bool = False, groups=None, **kwargs) -> str:
    """The message of a model that reads features (the customers group unless ``groups``) and is refused."""
    stack = new_stack()
    with pytest.raises(ConstructValidationError) as error:
        Model(
            stack,
            "Bad",
            containers=[container(artifacts(stack))],
            network=network_with(stack) if network else None,
            reads_features=groups(stack) if groups else [online_group(stack, "Customers", "customers")],
            **kwargs,
        )
    return str(error.value)


def test_reading_features_with_network_isolation_on_is_refused_and_says_why():
    text = _refused()
    assert "Model 'Test/Bad' has invalid input" in text
    assert "network_isolation=True: a model that reads features (reads_features) calls the Feature Store" in text
    assert "pass network_isolation=False explicitly" in text


def test_a_network_without_the_feature_store_runtime_endpoint_is_named_at_synth():
    text = _refused(network=True, network_isolation=False)
    assert "the model's containers read online features" in text
    assert "'sagemaker.featurestore-runtime' interface endpoint" in text
    assert "interface_endpoints=[..., 'sagemaker.featurestore-runtime']" in text


def test_a_model_that_reads_no_features_needs_no_runtime_endpoint():
    stack = new_stack()
    Model(stack, "Plain", containers=[container(artifacts(stack))], network=network_with(stack))


def test_feature_groups_are_named_once_and_must_be_feature_groups():
    def twice_and_a_name(stack):
        customers = online_group(stack, "Customers", "customers")
        return [customers, customers, "orders"]

    text = _refused(groups=twice_and_a_name, network_isolation=False)
    assert "reads_features='str': must be IFeatureGroups" in text
    assert "reads_features=['customers']: names must be unique" in text
