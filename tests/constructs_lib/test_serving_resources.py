"""The serving resources are CDK resources: an endpoint goes wherever CDK takes an
``aws_sagemaker.IEndpoint``, existing endpoints and models are imported, a model is a grantee."""

import json
from pathlib import Path

import pytest
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk.assertions import Template

from constructs_lib import (
    ConstructValidationError,
    InferenceApi,
    InstanceVariant,
    Model,
    ModelData,
    RealtimeEndpoint,
)
from constructs_lib._core.roles import ManagedPolicyRole
from tests.conftest import compliance_app, nag_findings, new_stack
from tests.constructs_lib.inference_fixtures import artifacts, network, serverless_model, vpc_model


def _statements(template: Template) -> list[dict]:
    return [
        statement
        for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
        for policy in template.find_resources(kind).values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


@pytest.fixture(scope="module")
def integration():
    """``apigateway.SagemakerIntegration`` in front of a ``RealtimeEndpoint``, with the nag packs.
    Synthesized here, before any test gets it: only read (its model in a VPC and network too)."""
    app = compliance_app()
    stack = new_stack(app, "Serve")
    net = network(stack)
    model = vpc_model(stack, net=net)
    endpoint = RealtimeEndpoint(stack, "Endpoint", variants=[InstanceVariant(model=model)])
    api = apigateway.RestApi(stack, "Api", cloud_watch_role=False)
    role = ManagedPolicyRole(stack, "ApiRole", assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"))
    api.root.add_resource("predict").add_method(
        "POST",
        apigateway.SagemakerIntegration(endpoint, credentials_role=role),
        authorization_type=apigateway.AuthorizationType.IAM,
    )
    findings = nag_findings(app)  # the RestApi's own findings fail the synth: read what it wrote
    template = Template.from_json(json.loads((Path(app.outdir) / f"{stack.artifact_id}.template.json").read_text()))
    return {"endpoint": endpoint, "findings": findings, "template": template, "model": model, "network": net}


@pytest.fixture(scope="module")
def granted_model() -> tuple[Model, Template]:
    """A serverless model granted read of ``features/lookup.tar.gz`` in the bucket ``Extra``
    (``ModelData.grant_read``) and of ``tables/*`` in the imported bucket ``lookups`` (aws-cdk-lib's
    ``grant_read``), synthesized once; only read. Each grant is its own statement, and each test
    reads the one of its bucket."""
    stack = new_stack()
    model = serverless_model(stack)
    extra = artifacts(stack, "Extra")
    ModelData.from_bucket(extra, "features/lookup.tar.gz").grant_read(model)
    bucket = s3.Bucket.from_bucket_name(stack, "Lookups", "lookups")
    bucket.grant_read(model, "tables/*")
    return model, Template.from_stack(stack)


def test_a_realtime_endpoint_is_an_aws_sagemaker_iendpoint(integration):
    endpoint = integration["endpoint"]
    assert sagemaker.IEndpoint in type(endpoint).__jsii_ifaces__  # what jsii checks SagemakerIntegration's argument by
    assert endpoint.endpoint_ref.endpoint_arn == endpoint.endpoint_arn


def test_sagemaker_integration_invokes_the_endpoint_with_a_role_granted_by_it(integration):
    template = integration["template"]
    [method] = template.find_resources("AWS::ApiGateway::Method").values()
    uri = method["Properties"]["Integration"]["Uri"]["Fn::Join"][1]
    assert any("runtime.sagemaker:path/endpoints/" in str(part) for part in uri)
    [statement] = [s for s in _statements(template) if "sagemaker:InvokeEndpoint" in s["Action"]]
    assert statement["Action"] == ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"]
    assert statement["Resource"]["Ref"].startswith("Endpoint")


def test_nothing_of_the_endpoint_or_the_integration_role_is_a_finding(integration):
    """The RestApi itself is the user's (no logging, no WAF here): only its own findings remain."""
    api_parts = ("at Serve/Api/Resource", "at Serve/Api/DeploymentStage", "at Serve/Api/Default/predict/POST/Resource")
    assert integration["findings"], "the RestApi's findings prove the packs ran"
    assert [
        f for f in integration["findings"] if not f.endswith(api_parts) and not any(p in f for p in api_parts)
    ] == []


def test_an_existing_endpoint_imported_by_name_is_granted_invoke():
    stack = new_stack()
    existing = RealtimeEndpoint.from_endpoint_name(stack, "Existing", "Churn-Prod")
    role = ManagedPolicyRole(stack, "Client", assumed_by=iam.AccountRootPrincipal())
    existing.grant_invoke(role)
    [statement] = _statements(Template.from_stack(stack))
    assert statement["Action"] == ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"]
    # SageMaker lower-cases the name in the ARN IAM matches against.
    assert statement["Resource"]["Fn::Join"][1][-1] == ":endpoint/churn-prod"
    assert existing.variant().metric_model_latency().dimensions == {
        "EndpointName": "Churn-Prod",
        "VariantName": "AllTraffic",
    }


def test_imports_by_arn_and_attributes():
    stack = new_stack()
    arn = "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/churn"
    by_arn = RealtimeEndpoint.from_endpoint_arn(stack, "ByArn", arn)
    assert by_arn.endpoint_arn == arn
    assert stack.resolve(by_arn.endpoint_name) == "churn"
    ab = RealtimeEndpoint.from_endpoint_attributes(stack, "AB", endpoint_name="ab", variant_names=["Blue", "Green"])
    assert [v.variant_name for v in ab.variants] == ["Blue", "Green"]
    assert ab.variant("Green").metric_invocations().dimensions == {"EndpointName": "ab", "VariantName": "Green"}
    with pytest.raises(ConstructValidationError, match="give endpoint_name or endpoint_arn"):
        RealtimeEndpoint.from_endpoint_attributes(stack, "Nothing")
    with pytest.raises(ConstructValidationError, match="endpoint_name='bad name'"):
        RealtimeEndpoint.from_endpoint_name(stack, "Bad", "bad name")


def test_inference_api_fronts_an_imported_endpoint():
    stack = new_stack()
    existing = RealtimeEndpoint.from_endpoint_name(stack, "Existing", "churn-prod")
    InferenceApi(stack, "Api", endpoint=existing)
    template = Template.from_stack(stack)
    [statement] = [s for s in _statements(template) if s["Action"] == "sagemaker:InvokeEndpoint"]
    assert statement["Resource"]["Fn::Join"][1][-1] == ":endpoint/churn-prod"


def test_model_data_grants_read_to_a_model(granted_model):
    model, template = granted_model
    statements = _statements(template)
    [read] = [s for s in statements if s["Action"] == "s3:GetObject" and "features/lookup" in str(s["Resource"])]
    assert read["Effect"] == "Allow"
    assert model.grant_principal is model.role.grant_principal


def test_a_model_is_an_igrantable_for_cdk_grants(granted_model):
    _, template = granted_model
    statements = _statements(template)
    assert any("s3:GetObject*" in s["Action"] and "lookups/tables/*" in json.dumps(s["Resource"]) for s in statements)


def test_a_model_in_a_vpc_is_connectable(integration, granted_model):
    """The endpoint's model in a VPC (``integration``) and a serverless model (``granted_model``):
    ``connections`` only reads."""
    model, net = integration["model"], integration["network"]
    assert ec2.IConnectable in type(model).__jsii_ifaces__
    [group] = model.connections.security_groups
    assert group is net.workload_security_group
    serverless, _ = granted_model
    with pytest.raises(ConstructValidationError, match="runs outside a VPC"):
        _ = serverless.connections


def test_existing_models_are_imported():
    stack = new_stack()
    role = iam.Role.from_role_arn(stack, "Role", "arn:aws:iam::123456789012:role/model", mutable=False)
    model = Model.from_model_attributes(stack, "Existing", model_name="Churn", role=role)
    assert stack.resolve(model.model_arn)["Fn::Join"][1][-1] == ":model/churn"
    assert model.grant_principal.policy_fragment.principal_json == role.grant_principal.policy_fragment.principal_json
    by_arn = Model.from_model_arn(stack, "ByArn", "arn:aws:sagemaker:eu-west-1:123456789012:model/churn")
    assert stack.resolve(by_arn.model_name) == "churn" and by_arn.role is None
    with pytest.raises(ConstructValidationError, match="give model_name or model_arn"):
        Model.from_model_attributes(stack, "Nothing")


def test_an_endpoint_hosts_an_imported_model():
    stack = new_stack()
    existing = Model.from_model_name(stack, "Existing", "churn-v7")
    endpoint = RealtimeEndpoint(stack, "E", variants=[InstanceVariant(model=existing)])
    config = next(iter(Template.from_stack(stack).find_resources("AWS::SageMaker::EndpointConfig").values()))
    assert config["Properties"]["ProductionVariants"][0]["ModelName"] == "churn-v7"
    assert endpoint.variant().props.model is existing


def test_an_imported_async_endpoint_grants_invoke_endpoint_async():
    from constructs_lib import AsyncEndpoint

    stack = new_stack()
    existing = AsyncEndpoint.from_endpoint_name(stack, "Existing", "scoring")
    role = ManagedPolicyRole(stack, "Client", assumed_by=iam.AccountRootPrincipal())
    existing.grant_invoke(role)
    [statement] = _statements(Template.from_stack(stack))
    assert statement["Action"] == "sagemaker:InvokeEndpointAsync"
