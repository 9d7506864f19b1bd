"""``EndpointConfigStep`` and ``EndpointStep``: a pipeline that deploys its own model.

.. caution::
   These steps create SageMaker resources **outside CloudFormation**: the endpoint and its
   configurations are not in any stack, so CloudFormation shows no drift for them, rolls nothing back
   when a deployment fails, and deletes nothing when the stack goes (each execution leaves one more
   endpoint configuration behind; the endpoint runs, and bills, until someone deletes it). Prefer
   ``RealtimeEndpoint`` with ``DeployOnApproval`` where the endpoint should be part of a stack; use
   these steps for endpoints whose lifecycle the pipeline owns (a test endpoint per execution, a
   sandbox).

The step types are SageMaker Pipelines' own ``EndpointConfig`` and ``Endpoint`` (the SageMaker Python
SDK's ``EndpointConfigStep`` / ``EndpointStep``): the first calls ``CreateEndpointConfig``, the
second ``CreateEndpoint``, or ``UpdateEndpoint`` when the endpoint exists. SageMaker Pipelines refuses
``DataCaptureConfig`` and ``ExplainerConfig`` in the first and ``DeploymentConfig`` in the second, so
they are not offered. The pipeline's role may create only configurations named ``<name_prefix>-*``
and create, update and describe only the one endpoint the step names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_kms as kms

from constructs_lib._core.validation import given, is_unresolved
from constructs_lib.foundation.instance_type import InstanceType
from constructs_lib.training.pipeline.expressions import FLOAT, INTEGER, STRING, ExecutionVariables, Expression, Join
from constructs_lib.training.pipeline.expressions import Property as _Property
from constructs_lib.training.pipeline.step import Step, StepPermission, StepRequirements, StepValidator

#: Public: the two steps and a variant of the configuration.
__all__ = ["EndpointConfigStep", "EndpointStep", "EndpointVariant"]

#: botocore ``EndpointConfigName``/``EndpointName``: up to 63 letters, digits and hyphens.
_NAME_MAX = 63
#: A pipeline execution ID is 12 characters; ``<prefix>-<execution id>`` must fit in 63.
_PREFIX_MAX = _NAME_MAX - 13


_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")


def _valid_name(name: str, most: int) -> bool:
    return bool(_NAME.match(name)) and len(name) <= most


@dataclass(frozen=True)
class EndpointVariant:
    """A production variant of the configuration (botocore ``ProductionVariant``).

    Give ``instance_type`` (instances) or ``serverless_memory_mb`` (serverless), not both.

    :param model_name: the model (``CreateModelStep.model_name``, or a model's name).
    :param variant_name: default ``AllTraffic``.
    :param instance_type: default none; e.g. ``ml.m5.large`` (botocore ``ProductionVariantInstanceType``).
    :param initial_instance_count: default 1 (instances only).
    :param initial_variant_weight: default 1.0.
    :param serverless_memory_mb: default none; 1024 to 6144 in steps of 1024.
    :param serverless_max_concurrency: default 5 (serverless only; 1 to 200).
    """

    model_name: str | Expression
    variant_name: str = "AllTraffic"
    instance_type: InstanceType | str | Expression | None = None
    initial_instance_count: int | Expression = 1
    initial_variant_weight: float | Expression = 1.0
    serverless_memory_mb: int | None = None
    serverless_max_concurrency: int = 5

    def request(self) -> dict[str, Any]:
        serverless = self.serverless_memory_mb is not None
        return {
            "VariantName": self.variant_name,
            "ModelName": self.model_name,
            "InstanceType": None if serverless else self.instance_type,
            "InitialInstanceCount": None if serverless else self.initial_instance_count,
            "InitialVariantWeight": self.initial_variant_weight,
            "ServerlessConfig": {
                "MemorySizeInMB": self.serverless_memory_mb,
                "MaxConcurrency": self.serverless_max_concurrency,
            }
            if serverless
            else None,
        }


class EndpointConfigStep(Step):
    """Creates an endpoint configuration named ``<name_prefix>-<execution ID>`` (one per execution:
    configurations cannot be replaced, only added). See the module's caution: it is not managed by
    CloudFormation.

    Its ``endpoint_config_name`` is what an ``EndpointStep`` deploys.
    """

    step_type = "EndpointConfig"
    properties_shape = "DescribeEndpointConfigOutput"
    supports_retry = True
    supports_cache = True

    def __init__(
        self,
        name: str,
        *,
        name_prefix: str,
        variants: Sequence[EndpointVariant],
        encryption_key: kms.IKey | None = None,
        **step_options: Any,
    ) -> None:
        """
        :param name_prefix: the configurations' name prefix (1-50 letters, digits or hyphens): the
            pipeline's role may create configurations under it only. Make it unique per environment.
        :param variants: 1 to 10 production variants.
        :param encryption_key: default none (AWS-managed); KMS key of the instances' storage volumes.
        :param step_options: ``display_name``, ``description``, ``depends_on``, ``retry_policies``, ``cache``.
        """
        super().__init__(name, **step_options)
        self.name_prefix = name_prefix
        self.variants = list(variants)
        self.encryption_key = encryption_key

    @property
    def endpoint_config_name(self) -> _Property:
        """The configuration's name, as created (``EndpointConfigName``)."""
        return self.properties.EndpointConfigName

    def arguments(self) -> dict[str, Any]:
        return {
            "EndpointConfigName": Join(on="-", values=[self.name_prefix, ExecutionVariables.PIPELINE_EXECUTION_ID]),
            "ProductionVariants": [variant.request() for variant in self.variants],
            "KmsKeyId": self.encryption_key.key_arn if self.encryption_key is not None else None,
        }

    @property
    def configurations_pattern(self) -> str:
        """The ARN resource part of every configuration this step creates (names lower case in ARNs)."""
        prefix = self.name_prefix if is_unresolved(self.name_prefix) else self.name_prefix.lower()
        return f"endpoint-config/{prefix}-*"

    def requirements(self) -> StepRequirements:
        return StepRequirements(
            permissions=[
                StepPermission(
                    ("sagemaker:CreateEndpointConfig", "sagemaker:DescribeEndpointConfig"),
                    "sagemaker",
                    (self.configurations_pattern,),
                    reason="Each execution creates one endpoint configuration named after its execution ID, under "
                    "the step's own name prefix; create and describe only.",
                )
            ]
        )

    def validate(self, v: StepValidator) -> None:
        super().validate(v)
        if not is_unresolved(self.name_prefix):
            v.check(
                isinstance(given(self.name_prefix), str) and _valid_name(self.name_prefix, _PREFIX_MAX),
                "name_prefix",
                self.name_prefix,
                f"must be 1-{_PREFIX_MAX} letters, digits or hyphens, starting and ending with a letter or digit "
                "(the configuration is '<prefix>-<12-character execution ID>', botocore EndpointConfigName: 63)",
            )
        v.check(1 <= len(self.variants) <= 10, "variants", len(self.variants), "must list 1 to 10 variants")
        names = [variant.variant_name for variant in self.variants]
        v.check(len(names) == len(set(names)), "variants (names)", names, "must be unique")
        for index, variant in enumerate(self.variants):
            arg = f"variants[{index}]"
            v.kind(f"{arg}.model_name", variant.model_name, STRING, required=True)
            v.check(
                _valid_name(variant.variant_name, _NAME_MAX),
                f"{arg}.variant_name",
                variant.variant_name,
                "must be 1-63 letters, digits or hyphens",
            )
            if v.kind(f"{arg}.initial_variant_weight", variant.initial_variant_weight, FLOAT, required=True):
                v.range(f"{arg}.initial_variant_weight", variant.initial_variant_weight, minimum=0)
            serverless = variant.serverless_memory_mb is not None
            v.check(
                serverless != (variant.instance_type is not None),
                arg,
                [variant.instance_type, variant.serverless_memory_mb],
                "give instance_type (instances) or serverless_memory_mb (serverless), not both",
            )
            if serverless:
                memory = variant.serverless_memory_mb
                v.check(
                    memory in (1024, 2048, 3072, 4096, 5120, 6144),
                    f"{arg}.serverless_memory_mb",
                    memory,
                    "must be 1024 to 6144 in steps of 1024 (botocore ServerlessMemorySizeInMB)",
                )
                v.range(f"{arg}.serverless_max_concurrency", variant.serverless_max_concurrency, minimum=1, maximum=200)
            elif variant.instance_type is not None:
                v.instance_type(f"{arg}.instance_type", variant.instance_type, "ProductionVariantInstanceType")
                if v.kind(f"{arg}.initial_instance_count", variant.initial_instance_count, INTEGER, required=True):
                    v.range(f"{arg}.initial_instance_count", variant.initial_instance_count, minimum=1)


class EndpointStep(Step):
    """Creates the endpoint ``endpoint_name`` from an ``EndpointConfigStep``'s configuration, or
    updates it to that configuration when it exists (SageMaker's rolling update). See the module's
    caution: the endpoint is not managed by CloudFormation and keeps running after the stack is gone.

    SageMaker Pipelines does not retry this step type (no ``retry_policies``); it may be cached.
    """

    step_type = "Endpoint"
    properties_shape = "DescribeEndpointOutput"
    supports_cache = True

    def __init__(
        self, name: str, *, endpoint_name: str, endpoint_config: EndpointConfigStep, **step_options: Any
    ) -> None:
        """
        :param endpoint_name: the endpoint (1-63 letters, digits or hyphens): the same every
            execution, so each one updates it; the pipeline's role may create, update and describe
            this endpoint only. Make it unique per environment.
        :param endpoint_config: the step that creates the configuration to deploy.
        :param step_options: ``display_name``, ``description``, ``depends_on``, ``cache``.
        """
        super().__init__(name, **step_options)
        self.endpoint_name = endpoint_name
        self.endpoint_config = endpoint_config

    @property
    def endpoint_arn(self) -> _Property:
        return self.properties.EndpointArn

    def arguments(self) -> dict[str, Any]:
        return {"EndpointName": self.endpoint_name, "EndpointConfigName": self.endpoint_config.endpoint_config_name}

    def requirements(self) -> StepRequirements:
        name = self.endpoint_name if is_unresolved(self.endpoint_name) else self.endpoint_name.lower()
        need = StepRequirements(
            permissions=[
                StepPermission(
                    ("sagemaker:CreateEndpoint", "sagemaker:DescribeEndpoint", "sagemaker:UpdateEndpoint"),
                    "sagemaker",
                    (f"endpoint/{name}",),
                ),
                StepPermission(
                    ("sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint"),
                    "sagemaker",
                    (self.endpoint_config.configurations_pattern,),
                    reason="Creating or updating the endpoint names the configuration the pipeline created in this "
                    "execution (under the configuration step's name prefix).",
                ),
            ]
        )
        key = self.endpoint_config.encryption_key
        if key is not None:
            # The endpoint's instances encrypt their volumes with the configuration's key: SageMaker
            # creates grants on it for them, as the caller of CreateEndpoint/UpdateEndpoint.
            need.permissions.append(
                StepPermission(
                    ("kms:CreateGrant",),
                    "kms",
                    (key.key_arn,),
                    conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
                    whole_arns=True,
                )
            )
            need.permissions.append(StepPermission(("kms:DescribeKey",), "kms", (key.key_arn,), whole_arns=True))
        return need

    def validate(self, v: StepValidator) -> None:
        super().validate(v)
        if not is_unresolved(self.endpoint_name):
            v.check(
                isinstance(given(self.endpoint_name), str) and _valid_name(self.endpoint_name, _NAME_MAX),
                "endpoint_name",
                self.endpoint_name,
                "must be a literal of 1-63 letters, digits or hyphens, starting and ending with a letter or digit "
                "(botocore EndpointName): the role is scoped to it",
            )
        v.check(
            isinstance(given(self.endpoint_config), EndpointConfigStep),
            "endpoint_config",
            self.endpoint_config,
            "must be the EndpointConfigStep whose configuration this endpoint runs",
        )
