"""InferenceApi: IAM or Cognito auth, validation, throttling, encrypted logs, tracing, WAF, least privilege."""

import pytest
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from constructs_lib import (
    ApiAuthorization,
    AsyncEndpoint,
    ConstructValidationError,
    InferenceApi,
    InstanceVariant,
    PrivateNetwork,
    RealtimeEndpoint,
    ServerlessEndpoint,
    ServerlessVariant,
)
from constructs_lib._core.roles import ManagedPolicyRole
from tests.conftest import compliance_app, nag_findings, new_stack
from tests.constructs_lib.inference_fixtures import artifacts, network, serverless_model, vpc_model


@pytest.fixture(scope="module")
def built():
    """A serverless endpoint's API, throttled, and a caller granted invoke, in an app with the
    compliance packs: synthesized once, for the packs' findings and the template the other tests read
    (``Template.from_stack`` reads that synthesis's assembly); only read. Its endpoint is also the one
    the bad-input tests give their API (``endpoint``)."""
    app = compliance_app()
    stack = new_stack(app, "Serve")
    endpoint = ServerlessEndpoint(stack, "Endpoint", variant=ServerlessVariant(model=serverless_model(stack)))
    api = InferenceApi(stack, "Api", endpoint=endpoint, throttling_rate_limit=20, throttling_burst_limit=40)
    caller = ManagedPolicyRole(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    api.grant_invoke(caller)
    findings = nag_findings(app)
    return {"template": Template.from_stack(stack), "findings": findings, "api": api, "endpoint": endpoint}


@pytest.fixture(scope="module")
def endpoint(built) -> ServerlessEndpoint:
    """The serverless endpoint the bad-input tests build their API on, in a fresh stack each. Safe to
    share: the checks read only the arguments and the endpoint's kind, and raise before the API reads
    or grants anything of the endpoint; rejected APIs stay in the fresh stacks, which are never
    synthesized."""
    return built["endpoint"]


@pytest.fixture(scope="module")
def template(built) -> Template:
    return built["template"]


def _props(template, kind, prefix=""):
    found = [v for k, v in template.find_resources(kind).items() if k.startswith(prefix)]
    assert len(found) == 1, (kind, prefix, len(found))
    return found[0]["Properties"]


def _method(template):
    return _props(template, "AWS::ApiGateway::Method", "ApiinvocationsPOST")


def test_post_invocations_forwards_to_the_sagemaker_runtime(template):
    integration = _method(template)["Integration"]
    assert integration["Type"] == "AWS" and integration["IntegrationHttpMethod"] == "POST"
    uri = integration["Uri"]["Fn::Join"][1]
    assert uri[0] == "arn:aws:apigateway:eu-west-1:runtime.sagemaker:path/endpoints/"
    assert uri[1] == {"Fn::GetAtt": [uri[1]["Fn::GetAtt"][0], "EndpointName"]} and uri[2] == "/invocations"


def test_iam_authorization_by_default(template):
    assert _method(template)["AuthorizationType"] == "AWS_IAM"


def test_requests_are_validated(template):
    method = _method(template)
    assert method["RequestParameters"] == {
        "method.request.header.Content-Type": True,
        "method.request.header.Accept": False,
    }
    assert "application/json" in method["RequestModels"]
    validator = _props(template, "AWS::ApiGateway::RequestValidator")
    assert validator["ValidateRequestBody"] is True and validator["ValidateRequestParameters"] is True
    model = _props(template, "AWS::ApiGateway::Model")
    assert model["Schema"]["type"] == ["object", "array"]


def test_only_listed_content_types_reach_the_model(template):
    integration = _method(template)["Integration"]
    assert integration["PassthroughBehavior"] == "NEVER"
    assert set(integration["RequestTemplates"]) == {"application/json", "text/csv"}


def test_stage_is_throttled_traced_and_logged_without_bodies(template):
    stage = _props(template, "AWS::ApiGateway::Stage")
    [settings] = stage["MethodSettings"]
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (20, 40)
    assert settings["LoggingLevel"] == "INFO" and settings["DataTraceEnabled"] is False
    assert stage["TracingEnabled"] is True
    assert '"requestId":"$context.requestId"' in stage["AccessLogSetting"]["Format"]


def test_log_groups_are_encrypted_and_retained(template):
    groups = template.find_resources("AWS::Logs::LogGroup")
    assert len(groups) == 2
    for group in groups.values():
        assert "KmsKeyId" in group["Properties"] and group["Properties"]["RetentionInDays"] == 365
        assert group["DeletionPolicy"] == "Retain"
    names = [g["Properties"].get("LogGroupName") for g in groups.values()]
    assert any(n and n["Fn::Join"][1][0] == "API-Gateway-Execution-Logs_" for n in names)


def test_integration_role_may_invoke_only_this_endpoint(template):
    policies = [
        p
        for p in template.find_resources("AWS::IAM::ManagedPolicy").values()
        if "IntegrationRole" in str(p["Properties"]["Roles"])
    ]
    [statement] = policies[0]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "sagemaker:InvokeEndpoint"
    assert statement["Resource"]["Ref"].startswith("Endpoint")


def test_account_cloudwatch_role_is_set_for_execution_logging(template):
    account = _props(template, "AWS::ApiGateway::Account")
    assert account["CloudWatchRoleArn"]["Fn::GetAtt"][0].startswith("ApiCloudWatchRole")


def test_grant_invoke_names_the_method(template):
    statement = next(
        s
        for p in template.find_resources("AWS::IAM::ManagedPolicy").values()
        if "Caller" in str(p["Properties"]["Roles"])
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    )
    assert statement["Action"] == "execute-api:Invoke"
    parts = statement["Resource"]["Fn::Join"][1]
    assert parts[-1] == "/POST/invocations" and parts[-2]["Ref"].startswith("ApiDeploymentStagev1")


def test_no_waf_unless_asked(template):
    template.resource_count_is("AWS::WAFv2::WebACL", 0)


def test_is_compliant_under_the_nag_packs(built):
    assert built["findings"] == []


@pytest.fixture(scope="module")
def cognito_api() -> tuple[Template, list[str], PrivateNetwork]:
    """A real-time endpoint's API with Cognito authorization and a new web ACL, in an app with the
    compliance packs: synthesized once, for the packs' findings and the template (only read). Its
    model's network is the one given where none may be (``test_a_network_is_refused_...``)."""
    app = compliance_app()
    stack = new_stack(app, "Serve")
    pool = cognito.UserPool.from_user_pool_id(stack, "Pool", "eu-west-1_abc123")
    net = network(stack)
    endpoint = RealtimeEndpoint(stack, "Endpoint", variants=[InstanceVariant(model=vpc_model(stack, net=net))])
    InferenceApi(
        stack,
        "Api",
        endpoint=endpoint,
        authorization=ApiAuthorization.cognito([pool], scopes=["ml/invoke"]),
        create_web_acl=True,
        manage_account_cloudwatch_role=False,
    )
    findings = nag_findings(app)
    return Template.from_stack(stack), findings, net


def test_cognito_authorization_and_waf_are_compliant_too(cognito_api):
    template, findings, _ = cognito_api
    assert findings == []
    method = _method(template)
    assert method["AuthorizationType"] == "COGNITO_USER_POOLS" and method["AuthorizationScopes"] == ["ml/invoke"]
    acl = _props(template, "AWS::WAFv2::WebACL")
    assert acl["Scope"] == "REGIONAL"
    assert {r["Name"] for r in acl["Rules"]} >= {"AWSManagedRulesCommonRuleSet", "RateLimitPerIp"}
    template.resource_count_is("AWS::WAFv2::WebACLAssociation", 1)
    template.resource_count_is("AWS::WAFv2::LoggingConfiguration", 1)
    template.resource_count_is("AWS::ApiGateway::Account", 0)


# --- bad input -----------------------------------------------------------------------------------


def test_an_async_endpoint_needs_the_submitters_network():
    stack = new_stack()
    bucket = artifacts(stack)
    endpoint = AsyncEndpoint(
        stack,
        "Async",
        variant=InstanceVariant(model=vpc_model(stack, bucket=bucket), initial_instance_count=1),
        bucket=bucket,
    )
    with pytest.raises(ConstructValidationError, match="network=None: is required with an AsyncEndpoint"):
        InferenceApi(stack, "Bad", endpoint=endpoint)


def test_a_network_is_refused_for_an_endpoint_api_gateway_invokes_itself(endpoint, cognito_api):
    """The serverless endpoint and a network are shared (``endpoint``; ``cognito_api``'s network): the
    check reads only whether a network is given."""
    _, _, net = cognito_api
    with pytest.raises(ConstructValidationError, match="network='given': applies to an AsyncEndpoint only"):
        InferenceApi(new_stack(), "Bad", endpoint=endpoint, network=net)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"authorization": ApiAuthorization.cognito([])}, "needs at least one Cognito user pool"),
        (
            {"authorization": ApiAuthorization(ApiAuthorization.iam().kind, scopes=["x"])},
            "authorization.scopes=['x']: apply to Cognito authorization only",
        ),
        ({"stage_name": "v 1"}, "stage_name='v 1'"),
        ({"throttling_rate_limit": 0}, "throttling_rate_limit=0"),
        ({"throttling_burst_limit": 0}, "throttling_burst_limit=0"),
        ({"content_types": []}, "content_types=[]: must list at least one content type"),
        ({"content_types": ["json"]}, "content_types=['json']: must be media types"),
        ({"log_retention_days": 10}, "log_retention_days=10"),
        (
            {"create_web_acl": True, "web_acl_arn": "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/1"},
            "give either create_web_acl=True or web_acl_arn, not both",
        ),
    ],
)
def test_rejects_bad_input_with_a_clear_message(endpoint, kwargs, message):
    with pytest.raises(ConstructValidationError) as error:
        InferenceApi(new_stack(), "Bad", endpoint=endpoint, **kwargs)
    assert "InferenceApi 'Test/Bad' has invalid input" in str(error.value)
    assert message in str(error.value)


def test_metrics(built):
    api: InferenceApi = built["api"]
    assert api.metric_server_errors().metric_name == "5XXError"
    assert api.metric_client_errors().metric_name == "4XXError"
    assert api.metric_latency().metric_name == "Latency"
    assert api.url and api.rest_api_id
