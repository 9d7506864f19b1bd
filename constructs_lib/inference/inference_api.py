"""``InferenceApi``: an API Gateway REST API in front of a SageMaker endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from constructs_lib._core import durations
from constructs_lib._core.grants import KMS_DECRYPT, S3_READ
from constructs_lib._core.jsii_types import as_function, as_key, as_role
from constructs_lib._core.log_retention import retention_days
from constructs_lib._core.nag import acknowledge
from constructs_lib._core.queues import dead_letter_queue
from constructs_lib._core.roles import ManagedPolicyRole
from constructs_lib._core.s3_access import grant_objects
from constructs_lib._core.stack_facts import construct_path, stack_of
from constructs_lib._core.validation import Problems
from constructs_lib._core.vpc_function import VpcFunction
from constructs_lib._core.wildcards import acknowledge_exact_wildcard
from constructs_lib.foundation._keys import key_or_new
from constructs_lib.foundation.encryption_key import EncryptionKey
from constructs_lib.foundation.network import S3_GATEWAY_ENDPOINT, INetwork
from constructs_lib.inference.async_endpoint import AsyncEndpoint
from constructs_lib.inference.endpoint import IEndpoint

_CONTENT_TYPE = "method.request.header.Content-Type"
_ACCEPT = "method.request.header.Accept"
_INFERENCE_ID = "method.request.header.X-Inference-Id"
_SUBMITTER_DIR = Path(__file__).parent / "inference_api_handler"
#: The receipts the submitter writes beside each input (``handler.RECEIPT_SUFFIX``).
_RECEIPT_SUFFIX = ".accepted.json"


class AuthorizationKind(StrEnum):
    IAM = "IAM"
    COGNITO = "COGNITO"


class ApiAuthorization:
    """Who may call the API: ``ApiAuthorization.iam()`` (SigV4, the default) or
    ``ApiAuthorization.cognito([user_pool], scopes=[...])`` (a Cognito user pool's tokens)."""

    def __init__(
        self, kind: AuthorizationKind, user_pools: Sequence[cognito.IUserPool] = (), scopes: Sequence[str] = ()
    ) -> None:
        self.kind = kind
        self.user_pools = tuple(user_pools)
        self.scopes = tuple(scopes)

    @staticmethod
    def iam() -> ApiAuthorization:
        return ApiAuthorization(AuthorizationKind.IAM)

    @staticmethod
    def cognito(user_pools: Sequence[cognito.IUserPool], scopes: Sequence[str] = ()) -> ApiAuthorization:
        return ApiAuthorization(AuthorizationKind.COGNITO, user_pools, scopes)


class InferenceApi(Construct):
    """Defines a REST API (``POST /invocations``) that forwards requests to a SageMaker endpoint, for
    clients that cannot call the SageMaker runtime themselves.

    A real-time or serverless endpoint answers in the response (an AWS service integration with
    ``InvokeEndpoint``). An ``AsyncEndpoint`` takes its input from S3: a small function in the
    network (the submitter) writes the body to the endpoint's input prefix, calls
    ``InvokeEndpointAsync`` and answers ``202`` with ``InferenceId``, ``OutputLocation`` and
    ``FailureLocation``; callers read the answer there (``endpoint.grant_read_results``) or from the
    endpoint's success topic. A caller's ``X-Inference-Id`` header makes retries safe: a repeated id
    gets the first answer and runs no second inference. Bodies are limited to Lambda's 6 MB payload;
    larger inputs go to S3 directly (``endpoint.grant_invoke``). The submitter's role may write the
    input prefix, read its own receipts there and invoke that one endpoint, nothing else.

    Secure by default: IAM (SigV4) authorization, a request validator (``Content-Type`` required, JSON
    bodies checked against a schema), only the listed content types accepted, stage throttling, JSON
    access logs and INFO execution logs in KMS-encrypted log groups (request and response bodies are
    never logged), X-Ray tracing, and an integration role that may invoke this one endpoint only.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: IEndpoint,
        authorization: ApiAuthorization | None = None,
        stage_name: str = "v1",
        throttling_rate_limit: float = 50,
        throttling_burst_limit: int = 100,
        content_types: Sequence[str] = ("application/json", "text/csv"),
        json_schema: apigateway.JsonSchema | None = None,
        log_retention_days: int = 365,
        log_key: kms.IKey | None = None,
        create_web_acl: bool = False,
        web_acl_arn: str | None = None,
        manage_account_cloudwatch_role: bool = True,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        network: INetwork | None = None,
        encryption_key: kms.IKey | None = None,
    ) -> None:
        """
        :param endpoint: a ``RealtimeEndpoint``, a ``ServerlessEndpoint``, an imported endpoint
            (``RealtimeEndpoint.from_endpoint_name(...)``) or an ``AsyncEndpoint`` (then through the
            submitter function: give ``network``).
        :param authorization: default ``ApiAuthorization.iam()``.
        :param stage_name: default ``v1``.
        :param throttling_rate_limit: default 50 requests per second for the stage.
        :param throttling_burst_limit: default 100 requests.
        :param content_types: default JSON and CSV; request content types passed to the model (others get 415).
        :param json_schema: default, any JSON object or array; the schema JSON request bodies must match.
        :param log_retention_days: default 365; a CloudWatch Logs retention period in days.
        :param log_key: default, a new ``EncryptionKey`` for the access and execution logs.
        :param create_web_acl: default False; True puts a new AWS WAF web ACL (AWS managed common,
            known-bad-inputs and IP reputation rules, and a per-IP rate limit) in front of the stage.
        :param web_acl_arn: default none; an existing regional web ACL to associate instead.
        :param manage_account_cloudwatch_role: default True: set the region's API Gateway CloudWatch
            role (an account-wide setting that execution logging needs). Set False when another stack
            manages it.
        :param removal_policy: default RETAIN; what happens to the log groups (and a new log key).
        :param network: required with an ``AsyncEndpoint``, refused otherwise; the submitter function's
            VPC. Without an internet route it needs the ``s3`` gateway and ``sagemaker.runtime`` endpoints.
        :param encryption_key: default, a new ``EncryptionKey`` (with an ``AsyncEndpoint`` only); the
            submitter's environment and dead-letter queue.
        """
        super().__init__(scope, construct_id)
        authorization = authorization or ApiAuthorization.iam()
        self._validate(
            endpoint,
            authorization,
            stage_name,
            throttling_rate_limit,
            throttling_burst_limit,
            content_types,
            log_retention_days,
            create_web_acl,
            web_acl_arn,
            network,
            encryption_key,
        )
        stack = stack_of(self)
        self.asynchronous = isinstance(endpoint, AsyncEndpoint)

        key = log_key or as_key(
            EncryptionKey(self, "LogKey", description=f"{construct_path(self)} API logs", removal_policy=removal_policy)
        )
        self.access_log_group = logs.LogGroup(
            self,
            "AccessLogs",
            retention=retention_days(log_retention_days),
            encryption_key=key,
            removal_policy=removal_policy,
        )
        self.api = apigateway.RestApi(
            self,
            "Resource",
            description=f"Inference API in front of SageMaker endpoint {endpoint.node.path}",
            endpoint_types=[apigateway.EndpointType.REGIONAL],
            cloud_watch_role=False,
            deploy_options=apigateway.StageOptions(
                stage_name=stage_name,
                access_log_destination=apigateway.LogGroupLogDestination(self.access_log_group),
                access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                logging_level=apigateway.MethodLoggingLevel.INFO,
                data_trace_enabled=False,  # never log request or response bodies
                metrics_enabled=True,
                tracing_enabled=True,
                throttling_rate_limit=throttling_rate_limit,
                throttling_burst_limit=throttling_burst_limit,
            ),
        )
        stage = self.api.deployment_stage
        # API Gateway would create this group itself, unencrypted and kept forever.
        self.execution_log_group = logs.LogGroup(
            self,
            "ExecutionLogs",
            log_group_name=f"API-Gateway-Execution-Logs_{self.api.rest_api_id}/{stage_name}",
            retention=retention_days(log_retention_days),
            encryption_key=key,
            removal_policy=removal_policy,
        )
        stage.node.add_dependency(self.execution_log_group)
        if manage_account_cloudwatch_role:
            stage.node.add_dependency(self._account_cloudwatch_role(stack))

        #: The role API Gateway invokes a real-time or serverless endpoint with (None for an AsyncEndpoint).
        self.integration_role: ManagedPolicyRole | None = None
        #: The function that submits requests to an AsyncEndpoint (None otherwise).
        self.submitter: VpcFunction | None = None
        if isinstance(endpoint, AsyncEndpoint):
            assert network is not None  # _validate requires it
            integration = self._submitter_integration(endpoint, network, encryption_key, key, log_retention_days)
        else:
            self.integration_role = ManagedPolicyRole(
                self,
                "IntegrationRole",
                assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
                description=f"Lets {construct_path(self)} invoke its SageMaker endpoint",
            )
            self.integration_role.add_to_policy(
                iam.PolicyStatement(actions=["sagemaker:InvokeEndpoint"], resources=[endpoint.endpoint_arn])
            )
            integration = self._runtime_integration(endpoint, self.integration_role, content_types)
        self._add_invocations_method(integration, authorization, content_types, json_schema)

        self.web_acl_arn = web_acl_arn
        if create_web_acl:
            self.web_acl_arn = self._web_acl(key, log_retention_days, removal_policy)
        if self.web_acl_arn is not None:
            wafv2.CfnWebACLAssociation(
                self, "WebAclAssociation", resource_arn=stage.stage_arn, web_acl_arn=self.web_acl_arn
            )
        else:
            acknowledge(
                stage,
                "No AWS WAF web ACL was asked for (create_web_acl / web_acl_arn): callers are authenticated "
                "(IAM or Cognito) and throttled at the stage; add WAF for APIs exposed to untrusted networks.",
                "AwsSolutions-APIG3",
                "HIPAA.Security-APIGWAssociatedWithWAF",
                "NIST.800.53.R5-APIGWAssociatedWithWAF",
            )
        acknowledge(
            stage,
            "Inference requests are POSTs with per-request bodies and answers: caching them would serve stale or "
            "other callers' predictions and store payloads outside the encrypted data path.",
            "HIPAA.Security-APIGWCacheEnabledAndEncrypted",
            "NIST.800.53.R5-APIGWCacheEnabledAndEncrypted",
        )
        acknowledge(
            stage,
            "The only backend is "
            + (
                "the submitter Lambda function (a Lambda proxy integration, invoked by API Gateway through the "
                "Lambda API)"
                if self.asynchronous
                else "the SageMaker runtime, an AWS service integration that API Gateway signs with SigV4 and "
                "the integration role"
            )
            + "; client certificates authenticate HTTP backends only.",
            "HIPAA.Security-APIGWSSLEnabled",
            "NIST.800.53.R5-APIGWSSLEnabled",
        )

    @property
    def url(self) -> str:
        """The stage's base URL; clients POST to ``<url>invocations``."""
        return self.api.url

    @property
    def rest_api_id(self) -> str:
        return self.api.rest_api_id

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """``execute-api:Invoke`` on ``POST /invocations`` of this API's stage (IAM authorization)."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["execute-api:Invoke"],
            resource_arns=[self.api.arn_for_execute_api("POST", "/invocations", self.api.deployment_stage.stage_name)],
        )

    def metric_server_errors(self, **props: Any) -> cloudwatch.Metric:
        """5XX answers of the API (the endpoint's errors mapped to 502); ``cloudwatch.MetricOptions`` props."""
        return self.api.metric_server_error(**props)

    def metric_client_errors(self, **props: Any) -> cloudwatch.Metric:
        """4XX answers (failed validation, authorization, throttling); ``cloudwatch.MetricOptions`` props."""
        return self.api.metric_client_error(**props)

    def metric_latency(self, **props: Any) -> cloudwatch.Metric:
        return self.api.metric_latency(**props)

    # --- internals -------------------------------------------------------------------------------

    def _runtime_integration(
        self, endpoint: IEndpoint, role: ManagedPolicyRole, content_types: Sequence[str]
    ) -> apigateway.Integration:
        """``InvokeEndpoint`` on the SageMaker runtime, signed with ``role``: the answer is the response."""
        return apigateway.AwsIntegration(
            service="runtime.sagemaker",
            path=f"endpoints/{endpoint.endpoint_name}/invocations",
            integration_http_method="POST",
            options=apigateway.IntegrationOptions(
                credentials_role=as_role(role),
                passthrough_behavior=apigateway.PassthroughBehavior.NEVER,
                request_parameters={
                    "integration.request.header.Content-Type": _CONTENT_TYPE,
                    "integration.request.header.Accept": _ACCEPT,
                },
                request_templates={content_type: "$input.body" for content_type in content_types},
                integration_responses=[
                    _integration_response("200", None),
                    _integration_response("400", r"4\d{2}"),
                    _integration_response("502", r"5\d{2}"),
                ],
            ),
        )

    def _submitter_integration(
        self,
        endpoint: AsyncEndpoint,
        network: INetwork,
        encryption_key: kms.IKey | None,
        log_key: kms.IKey,
        log_retention_days: int,
    ) -> apigateway.Integration:
        """A Lambda proxy integration with the submitter, which may write the endpoint's input prefix,
        read and list its receipts there and invoke the endpoint only."""
        network.require_endpoints(
            self,
            (S3_GATEWAY_ENDPOINT, "sagemaker.runtime"),
            purpose="the submitter writes requests to S3 and calls InvokeEndpointAsync",
        )
        key = key_or_new(self, encryption_key, f"{construct_path(self)} async submitter")
        self.submitter = VpcFunction(
            self,
            "Submitter",
            code_directory=_SUBMITTER_DIR,
            description=f"Submits the requests of {construct_path(self)} to asynchronous endpoint "
            f"{endpoint.physical_endpoint_name}",
            network=network,
            encryption_key=key,
            dead_letter_queue=dead_letter_queue(
                self, "SubmitterDeadLetterQueue", encryption_key=key, used_by=f"the submitter of {construct_path(self)}"
            ),
            environment={
                "ENDPOINT_NAME": endpoint.physical_endpoint_name,
                "BUCKET": endpoint.bucket.bucket_name,
                "INPUT_PREFIX": endpoint.input_prefix,
            },
            # API Gateway waits at most 29 s; the stage's throttling bounds the requests.
            timeout=durations.seconds(25),
            reserved_concurrent_executions=10,
            log_retention_days=log_retention_days,
            log_key=log_key,
        )
        role = self.submitter.role
        endpoint.grant_invoke(role)
        grant_objects(
            role,
            endpoint.bucket,
            f"{endpoint.input_prefix}/*{_RECEIPT_SUFFIX}",
            S3_READ,
            key=endpoint.encryption_key,
            kms_actions=KMS_DECRYPT,
            why="the submitter's receipts, one per accepted request, read back for a repeated inference id",
        )
        # Listing makes a missing receipt a 404 (not a 403) for GetObject; limited to the input prefix.
        role.add_to_policy(
            iam.PolicyStatement(
                sid="FindReceipts",
                actions=["s3:ListBucket"],
                resources=[endpoint.bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{endpoint.input_prefix}/*"]}},
            )
        )
        return apigateway.LambdaIntegration(as_function(self.submitter.function), proxy=True)

    def _add_invocations_method(
        self,
        integration: apigateway.Integration,
        authorization: ApiAuthorization,
        content_types: Sequence[str],
        json_schema: apigateway.JsonSchema | None,
    ) -> None:
        validator = self.api.add_request_validator(
            "RequestValidator", validate_request_body=True, validate_request_parameters=True
        )
        models: dict[str, apigateway.IModel] = {}
        if "application/json" in content_types:
            models["application/json"] = self.api.add_model(
                "InferenceRequest",
                content_type="application/json",
                schema=json_schema
                or apigateway.JsonSchema(
                    schema=apigateway.JsonSchemaVersion.DRAFT4,
                    title="InferenceRequest",
                    type=[apigateway.JsonSchemaType.OBJECT, apigateway.JsonSchemaType.ARRAY],
                ),
            )
        authorizer = None
        if authorization.kind == AuthorizationKind.COGNITO:
            authorizer = apigateway.CognitoUserPoolsAuthorizer(
                self, "Authorizer", cognito_user_pools=list(authorization.user_pools)
            )
        method = self.api.root.add_resource("invocations").add_method(
            "POST",
            integration,
            authorization_type=apigateway.AuthorizationType.IAM
            if authorizer is None
            else apigateway.AuthorizationType.COGNITO,
            authorizer=authorizer,
            authorization_scopes=list(authorization.scopes) or None,
            request_validator=validator,
            request_parameters={_CONTENT_TYPE: True, _ACCEPT: False}
            | ({_INFERENCE_ID: False} if self.asynchronous else {}),
            request_models=models or None,
            method_responses=[
                _method_response(code)
                for code in (("202", "400", "429", "502", "503") if self.asynchronous else ("200", "400", "502"))
            ],
        )
        if authorizer is None:
            acknowledge(
                method,
                "The method uses IAM (SigV4) authorization, which AwsSolutions-APIG4 accepts; a Cognito "
                "authorizer is the other option (authorization=ApiAuthorization.cognito(...)).",
                "AwsSolutions-COG4",
            )

    def _account_cloudwatch_role(self, stack: Stack) -> apigateway.CfnAccount:
        role = ManagedPolicyRole(
            self,
            "CloudWatchRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="API Gateway's account-wide role for writing execution and access logs",
        )
        log_groups = stack.format_arn(
            service="logs", resource="log-group", resource_name="*", arn_format=ArnFormat.COLON_RESOURCE_NAME
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:DescribeLogStreams",
                    "logs:PutLogEvents",
                    "logs:GetLogEvents",
                    "logs:FilterLogEvents",
                ],
                resources=[log_groups],
            )
        )
        # DescribeLogGroups has no resource type: granted on a log-group ARN it never applies.
        role.add_to_policy(iam.PolicyStatement(actions=["logs:DescribeLogGroups"], resources=["*"]))
        acknowledge_exact_wildcard(
            role,
            "logs:DescribeLogGroups has no resource type in the IAM reference (AWS requires '*'); API Gateway "
            "calls it to find the log groups it writes to. It reads names and settings only.",
            "*",
        )
        acknowledge_exact_wildcard(
            role,
            "This is the region's single API Gateway CloudWatch role (an account setting) used by every REST API "
            "to write its execution and access logs, to log groups API Gateway names itself; limited to this "
            "account's and region's log groups and to the actions of AWS's AmazonAPIGatewayPushToCloudWatchLogs.",
            log_groups,
        )
        return apigateway.CfnAccount(self, "Account", cloud_watch_role_arn=role.role_arn)

    def _web_acl(self, key: kms.IKey, log_retention_days: int, removal_policy: RemovalPolicy) -> str:
        def visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
            return wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
            )

        def managed(priority: int, name: str) -> wafv2.CfnWebACL.RuleProperty:
            return wafv2.CfnWebACL.RuleProperty(
                name=name,
                priority=priority,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name=name
                    )
                ),
                visibility_config=visibility(name),
            )

        acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=visibility("InferenceApi"),
            rules=[
                managed(0, "AWSManagedRulesAmazonIpReputationList"),
                managed(1, "AWSManagedRulesCommonRuleSet"),
                managed(2, "AWSManagedRulesKnownBadInputsRuleSet"),
                wafv2.CfnWebACL.RuleProperty(
                    name="RateLimitPerIp",
                    priority=3,
                    action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            aggregate_key_type="IP", limit=2000
                        )
                    ),
                    visibility_config=visibility("RateLimitPerIp"),
                ),
            ],
        )
        # WAF only logs to log groups whose name starts with "aws-waf-logs-".
        self.waf_log_group = logs.LogGroup(
            self,
            "WafLogs",
            log_group_name=f"aws-waf-logs-{self.api.rest_api_id}",
            retention=retention_days(log_retention_days),
            encryption_key=key,
            removal_policy=removal_policy,
        )
        wafv2.CfnLoggingConfiguration(
            self, "WafLogging", resource_arn=acl.attr_arn, log_destination_configs=[self.waf_log_group.log_group_arn]
        )
        return acl.attr_arn

    def _validate(
        self,
        endpoint: IEndpoint,
        authorization: ApiAuthorization,
        stage_name: str,
        rate: float,
        burst: int,
        content_types: Sequence[str],
        log_retention_days: int,
        create_web_acl: bool,
        web_acl_arn: str | None,
        network: INetwork | None,
        encryption_key: kms.IKey | None,
    ) -> None:
        problems = Problems(self, "InferenceApi")
        problems.check(
            hasattr(endpoint, "endpoint_arn"),
            "endpoint",
            type(endpoint).__name__,
            "must be an IEndpoint: a RealtimeEndpoint, a ServerlessEndpoint, an AsyncEndpoint or an imported endpoint",
        )
        if isinstance(endpoint, AsyncEndpoint):
            problems.check(
                network is not None,
                "network",
                None,
                "is required with an AsyncEndpoint: the submitter function that writes requests to S3 runs in it",
            )
        else:
            for prop, value in (("network", network), ("encryption_key", encryption_key)):
                problems.check(
                    value is None,
                    prop,
                    "given",
                    "applies to an AsyncEndpoint only (real-time and serverless endpoints are invoked by API Gateway)",
                )
        if authorization.kind == AuthorizationKind.COGNITO:
            problems.check(
                bool(authorization.user_pools), "authorization", "cognito([])", "needs at least one Cognito user pool"
            )
        else:
            problems.check(
                not authorization.scopes,
                "authorization.scopes",
                list(authorization.scopes),
                "apply to Cognito authorization only",
            )
        problems.check(
            bool(stage_name) and all(c.isalnum() or c in "-_" for c in stage_name),
            "stage_name",
            stage_name,
            "must be letters, digits, '-' or '_'",
        )
        problems.check_range("throttling_rate_limit", rate, minimum=0.001)
        problems.check_range("throttling_burst_limit", burst, minimum=1, integer=True)
        problems.check(bool(content_types), "content_types", list(content_types), "must list at least one content type")
        problems.check_unique("content_types", list(content_types))
        bad = [c for c in content_types if "/" not in c or " " in c]
        problems.check(not bad, "content_types", bad, "must be media types such as 'application/json'")
        problems.check_log_retention_days("log_retention_days", log_retention_days)
        problems.check(
            not (create_web_acl and web_acl_arn),
            "web_acl_arn",
            web_acl_arn,
            "give either create_web_acl=True or web_acl_arn, not both",
        )
        problems.raise_if_any()


def _integration_response(status: str, pattern: str | None) -> apigateway.IntegrationResponse:
    return apigateway.IntegrationResponse(
        status_code=status,
        selection_pattern=pattern,
        response_parameters={"method.response.header.Content-Type": "integration.response.header.Content-Type"},
    )


def _method_response(status: str) -> apigateway.MethodResponse:
    return apigateway.MethodResponse(
        status_code=status, response_parameters={"method.response.header.Content-Type": True}
    )
