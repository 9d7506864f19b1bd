"""SageMaker ARNs built from names, and names read back from ARNs (tokens included)."""

from __future__ import annotations

from aws_cdk import Arn, ArnFormat
from constructs import IConstruct

from constructs_lib._core.stack_facts import stack_facts
from constructs_lib._core.validation import is_unresolved


def sagemaker_arn(
    scope: IConstruct, resource_type: str, name: str, *, region: str | None = None, account: str | None = None
) -> str:
    """``arn:<partition>:sagemaker:<region>:<account>:<resource_type>/<name>``, the name lower case as
    SageMaker writes it in ARNs (a token is left as it is). Region and account default to the stack's."""
    stack = stack_facts(scope)
    lowered = name if is_unresolved(name) else name.lower()
    return (
        f"arn:{stack.partition}:sagemaker:{region or stack.region}:{account or stack.account}:{resource_type}/{lowered}"
    )


def name_from_arn(arn: str) -> str:
    """The resource name of a ``<type>/<name>`` ARN (a token ARN gives a token name)."""
    name = Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME).resource_name
    if name is None:  # pragma: no cover - SLASH_RESOURCE_NAME always splits a name off
        raise ValueError(f"{arn} has no resource name")
    return name
