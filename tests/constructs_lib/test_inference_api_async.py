"""InferenceApi in front of an AsyncEndpoint: POST /invocations through the submitter function, which
writes the body to the endpoint's input prefix and calls InvokeEndpointAsync, with least privilege."""

import re

import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from constructs_lib import (
    AsyncEndpoint,
    ConstructValidationError,
    InferenceApi,
    InstanceVariant,
    ManagedPolicyRole,
    PrivateNetwork,
)
from tests.conftest import cfn_lint_errors, compliance_app, nag_findings, new_stack
from tests.constructs_lib.grants import SAGEMAKER, actions_of, role_statements
from tests.constructs_lib.inference_fixtures import artifacts, vpc_model
from tests.iam_eval import Request, allowed


def _network(stack, *endpoints: str) -> PrivateNetwork:
    return PrivateNetwork(
        stack, "Net", availability_zones=["eu-west-1a", "eu-west-1b"], interface_endpoints=list(endpoints)
    )


def _async_endpoint(stack, net) -> AsyncEndpoint:
    bucket = artifacts(stack)
    return AsyncEndpoint(
        stack,
        "Async",
        endpoint_name="shop-prod-async",
        variant=InstanceVariant(model=vpc_model(stack, bucket=bucket, net=net), initial_instance_count=1),
        bucket=bucket,
        notifications=False,
    )


@pytest.fixture(scope="module")
def built():
    app = compliance_app()
    stack = new_stack(app, "Serve")
    net = _network(stack, "sagemaker.runtime")
    endpoint = _async_endpoint(stack, net)
    api = InferenceApi(stack, "Api", endpoint=endpoint, network=net)
    caller = ManagedPolicyRole(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    api.grant_invoke(caller)
    endpoint.grant_read_results(caller)
    findings = nag_findings(app)
    return {"template": Template.from_stack(stack), "findings": findings, "api": api}


@pytest.fixture(scope="module")
def template(built) -> Template:
    return built["template"]


def _submitter(template) -> dict:
    [function] = [
        f["Properties"]
        for f in template.find_resources("AWS::Lambda::Function").values()
        if "INPUT_PREFIX" in f["Properties"].get("Environment", {}).get("Variables", {})
    ]
    return function


def test_post_invocations_goes_to_the_submitter_function(template):
    [method] = [
        m["Properties"] for k, m in template.find_resources("AWS::ApiGateway::Method").items() if "invocations" in k
    ]
    integration = method["Integration"]
    assert (integration["Type"], integration["IntegrationHttpMethod"]) == ("AWS_PROXY", "POST")
    assert "Submitter" in str(integration["Uri"])
    assert method["AuthorizationType"] == "AWS_IAM"
    assert method["RequestParameters"] == {
        "method.request.header.Content-Type": True,
        "method.request.header.Accept": False,
        "method.request.header.X-Inference-Id": False,
    }
    assert {r["StatusCode"] for r in method["MethodResponses"]} == {"202", "400", "429", "502", "503"}


def test_api_gateway_may_invoke_the_submitter_from_this_api_only(template):
    permissions = [p["Properties"] for p in template.find_resources("AWS::Lambda::Permission").values()]
    assert permissions and all(p["Principal"] == "apigateway.amazonaws.com" for p in permissions)
    assert all("SourceArn" in p for p in permissions)


def test_the_submitter_knows_the_endpoint_bucket_and_input_prefix(template):
    function = _submitter(template)
    variables = function["Environment"]["Variables"]
    assert variables["ENDPOINT_NAME"] == "shop-prod-async"
    assert variables["INPUT_PREFIX"] == "async-inference/input"
    assert function["VpcConfig"]["SubnetIds"] and function["Timeout"] == 25


def test_the_submitter_may_write_inputs_read_receipts_and_invoke_this_endpoint_only(template):
    statements = role_statements(template, "ApiSubmitterRole")
    [bucket_id] = [b for b in template.find_resources("AWS::S3::Bucket") if re.fullmatch(r"Artifacts[0-9A-F]{8}", b)]
    [endpoint_id] = template.find_resources("AWS::SageMaker::Endpoint")
    bucket, endpoint = f"<{bucket_id}.Arn>", f"<{endpoint_id}>"  # the endpoint's ARN is its Ref
    assert allowed(statements, Request("sagemaker:InvokeEndpointAsync", endpoint))
    assert not allowed(statements, Request("sagemaker:InvokeEndpoint", endpoint))
    assert not allowed(statements, Request("sagemaker:InvokeEndpointAsync", f"{SAGEMAKER}:endpoint/other"))
    assert allowed(statements, Request("s3:PutObject", f"{bucket}/async-inference/input/id-1"))
    assert allowed(statements, Request("s3:GetObject", f"{bucket}/async-inference/input/id-1.accepted.json"))
    assert not allowed(statements, Request("s3:GetObject", f"{bucket}/async-inference/input/id-1"))
    assert not allowed(statements, Request("s3:GetObject", f"{bucket}/async-inference/output/x.out"))
    assert not allowed(statements, Request("s3:PutObject", f"{bucket}/async-inference/output/x.out"))
    receipt = "async-inference/input/id-1.accepted.json"
    assert allowed(statements, Request("s3:ListBucket", bucket, {"s3:prefix": receipt}))
    assert not allowed(statements, Request("s3:ListBucket", bucket, {"s3:prefix": "async-inference/output/"}))
    assert not any(a.startswith("sagemaker:") and a != "sagemaker:InvokeEndpointAsync" for a in actions_of(statements))


def test_there_is_no_integration_role_for_an_async_endpoint(built):
    assert built["api"].integration_role is None and built["api"].submitter is not None


def test_is_compliant_under_the_nag_packs(built):
    assert built["findings"] == []


def test_the_template_passes_cfn_lint(template):
    assert cfn_lint_errors(template) == []


def test_a_network_without_the_runtime_endpoint_is_named_at_synth():
    stack = new_stack()
    net = _network(stack)
    endpoint = _async_endpoint(stack, net)
    with pytest.raises(ConstructValidationError) as error:
        InferenceApi(stack, "Bad", endpoint=endpoint, network=net)
    assert "the submitter writes requests to S3 and calls InvokeEndpointAsync" in str(error.value)
    assert "'sagemaker.runtime' interface endpoint" in str(error.value)
