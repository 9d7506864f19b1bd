"""What SageMaker does with an execution role while it hosts containers (a model's, or an inference
component endpoint's): write the endpoints' container logs and their instance metrics."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import ArnFormat
from aws_cdk import aws_iam as iam

from constructs_lib._core.roles import add_statements
from constructs_lib._core.stack_facts import stack_of
from constructs_lib._core.wildcards import acknowledge_exact_wildcard

_ENDPOINT_LOG_GROUPS = "/aws/sagemaker/Endpoints/"
#: The one namespace a hosting role publishes to: the instance metrics of its endpoint's hosts
#: (CPU, memory, disk). Not ``AWS/SageMaker`` (invocations, written by SageMaker itself) nor Model
#: Monitor's ``.../data-metrics`` and ``.../model-metrics``, which alarms follow.
ENDPOINT_INSTANCE_METRICS_NAMESPACE = "/aws/sagemaker/Endpoints"


def grant_endpoint_logs_and_metrics(
    role: iam.IRole, endpoint_names: Sequence[str] | None, *, holder: str = "this model"
) -> None:
    """What SageMaker does with an execution role while it hosts containers: write the endpoints'
    container logs (``/aws/sagemaker/Endpoints/<name>``; every endpoint's when ``endpoint_names`` is
    None) and their instance metrics. ``holder`` names the role's owner in the acknowledgments."""
    stack = stack_of(role)

    def group(name: str) -> str:
        return stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name=_ENDPOINT_LOG_GROUPS + name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )

    if endpoint_names is None:
        log_groups = [group("*")]
    else:  # each endpoint's group and its streams (``<group>:log-stream:<stream>``)
        log_groups = [
            arn
            for name in endpoint_names
            for arn in ((group(name),) if name.endswith("*") else (group(name), group(name) + ":*"))
        ]
    add_statements(
        role,
        [
            iam.PolicyStatement(
                sid="EndpointLogs",
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                resources=log_groups,
            ),
            iam.PolicyStatement(
                sid="EndpointMetrics",
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": ENDPOINT_INSTANCE_METRICS_NAMESPACE}},
            ),
        ],
    )
    if isinstance(role, iam.Role):
        for arn in (a for a in log_groups if a.endswith("*")):
            acknowledge_exact_wildcard(
                role,
                "SageMaker names each endpoint's log group after the endpoint (/aws/sagemaker/Endpoints/"
                "<name>) and its streams after the variant and instance; limited to "
                + (
                    "SageMaker endpoint log groups (the model was given no endpoint names)."
                    if endpoint_names is None
                    else f"the log groups of the endpoints that serve {holder}."
                ),
                arn,
            )
        acknowledge_exact_wildcard(
            role,
            "cloudwatch:PutMetricData has no resource-level permissions; limited by condition to the "
            "/aws/sagemaker/Endpoints namespace (endpoint instance metrics). ecr:GetAuthorizationToken "
            "likewise requires '*'.",
            "*",
        )
