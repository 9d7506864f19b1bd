"""Name and ARN of an imported SageMaker resource, from whichever of the two was given."""

from __future__ import annotations

from aws_cdk import Arn, ArnFormat, Token
from constructs import Construct

from constructs_lib._core.stack_facts import stack_of


def sagemaker_name_and_arn(scope: Construct, resource: str, name: str | None, arn: str | None) -> tuple[str, str]:
    """``(name, arn)`` of a SageMaker ``resource`` (``endpoint``, ``model``): the name from the ARN, or
    the ARN of the name in ``scope``'s account and region. SageMaker lower-cases names in the ARNs
    that IAM matches requests against, so a known name is lower-cased in the ARN."""
    if name is None:
        if arn is None:
            raise ValueError("sagemaker_name_and_arn needs a name or an ARN")  # callers check first
        return str(Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME).resource_name), arn
    if arn is None:
        resource_name = name if Token.is_unresolved(name) else name.lower()
        arn = stack_of(scope).format_arn(service="sagemaker", resource=resource, resource_name=resource_name)
    return name, arn
