"""``TransformStep``: a SageMaker batch transform job (batch inference with a model)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_kms as kms

from constructs_lib.foundation.instance_type import InstanceType
from constructs_lib.foundation.s3_location import S3Location
from constructs_lib.training.pipeline import _service_model
from constructs_lib.training.pipeline.expressions import INTEGER, STRING, Expression, Property
from constructs_lib.training.pipeline.serializer import as_api_string
from constructs_lib.training.pipeline.step import Step, StepLineage, StepRequirements, StepValidator, seconds_of
from constructs_lib.training.pipeline.values import AssemblyType, BatchStrategy, CompressionType, S3DataType, SplitType


class TransformStep(Step):
    """Runs ``model_name`` over the data under ``input_s3_uri`` and writes results to ``output_path``."""

    step_type = "Transform"
    properties_shape = "DescribeTransformJobResponse"
    supports_retry = True
    supports_cache = True
    runs_job = True

    def __init__(
        self,
        name: str,
        *,
        model_name: str | Expression,
        instance_type: InstanceType | str | Expression,
        input_s3_uri: str | S3Location | Expression,
        output_path: str | S3Location | Expression,
        instance_count: int | Expression = 1,
        input_data_type: S3DataType = S3DataType.S3_PREFIX,
        content_type: str | Expression | None = None,
        split_type: SplitType = SplitType.NONE,
        compression: CompressionType = CompressionType.NONE,
        accept: str | Expression | None = None,
        assemble_with: AssemblyType = AssemblyType.NONE,
        output_kms_key: kms.IKey | Any | None = None,
        volume_kms_key: kms.IKey | Any | None = None,
        batch_strategy: BatchStrategy | None = None,
        max_payload_mb: int | None = None,
        max_concurrent_transforms: int | None = None,
        environment: Mapping[str, Any] | None = None,
        input_filter: str | None = None,
        output_filter: str | None = None,
        join_source: str | None = None,
        invocations_timeout: Duration | None = None,
        invocations_max_retries: int | None = None,
        **step_options: Any,
    ) -> None:
        """
        :param model_name: the model to run (``create_model_step.model_name`` or a name).
        :param instance_type: e.g. ``ml.m5.xlarge`` (botocore ``TransformInstanceType``).
        :param input_s3_uri: the data to transform.
        :param output_path: where results go (``<input object>.out``).
        :param instance_count: default 1.
        :param input_data_type: default ``S3Prefix``; ``ManifestFile`` or ``AugmentedManifestFile``.
        :param content_type: default none; MIME type of the input (``text/csv``).
        :param split_type: default ``None``; ``Line``, ``RecordIO`` or ``TFRecord`` to split objects.
        :param compression: default ``None``; ``Gzip``.
        :param accept: default none; MIME type of the output.
        :param assemble_with: default ``None``; ``Line`` joins records line by line.
        :param output_kms_key: default none (the bucket's default); KMS key of the results.
        :param volume_kms_key: default none (AWS-managed); KMS key of the instances' volumes.
        :param batch_strategy: default none (SageMaker's); ``MultiRecord`` or ``SingleRecord``.
        :param max_payload_mb: default none (6); 0 to 100.
        :param max_concurrent_transforms: default none; parallel requests per instance.
        :param environment: default none; up to 16 environment variables.
        :param input_filter: default none; JSONPath selecting the input of each record.
        :param output_filter: default none; JSONPath selecting what is written.
        :param join_source: default none; ``Input`` joins input records to the results.
        :param invocations_timeout: default none; per-request timeout (1 to 3600 s).
        :param invocations_max_retries: default none; retries per request (0 to 3).
        :param step_options: ``display_name``, ``description``, ``depends_on``, ``retry_policies``, ``cache``.
        """
        super().__init__(name, **step_options)
        self.model_name = model_name
        self.instance_type = instance_type
        self.input_s3_uri = input_s3_uri
        self.output_path = output_path
        self.instance_count = instance_count
        self.input_data_type = input_data_type
        self.content_type = content_type
        self.split_type = split_type
        self.compression = compression
        self.accept = accept
        self.assemble_with = assemble_with
        self.output_kms_key = output_kms_key
        self.volume_kms_key = volume_kms_key
        self.batch_strategy = batch_strategy
        self.max_payload_mb = max_payload_mb
        self.max_concurrent_transforms = max_concurrent_transforms
        self.environment = dict(environment or {})
        self.input_filter = input_filter
        self.output_filter = output_filter
        self.join_source = join_source
        self.invocations_timeout = invocations_timeout
        self.invocations_max_retries = invocations_max_retries

    @property
    def output(self) -> Property:
        """The S3 prefix the results were written to (``TransformOutput.S3OutputPath``)."""
        return self.properties.TransformOutput.S3OutputPath

    def arguments(self) -> dict[str, Any]:
        client: dict[str, Any] = {
            "InvocationsTimeoutInSeconds": seconds_of(self.invocations_timeout),
            "InvocationsMaxRetries": self.invocations_max_retries,
        }
        return {
            "ModelName": self.model_name,
            "MaxConcurrentTransforms": self.max_concurrent_transforms,
            "ModelClientConfig": client,
            "MaxPayloadInMB": self.max_payload_mb,
            "BatchStrategy": self.batch_strategy,
            "Environment": {key: as_api_string(value) for key, value in self.environment.items()},
            "TransformInput": {
                "DataSource": {"S3DataSource": {"S3DataType": self.input_data_type, "S3Uri": self.input_s3_uri}},
                "ContentType": self.content_type,
                "CompressionType": self.compression,
                "SplitType": self.split_type,
            },
            "TransformOutput": {
                "S3OutputPath": self.output_path,
                "Accept": self.accept,
                "AssembleWith": self.assemble_with,
                "KmsKeyId": self.output_kms_key,
            },
            "TransformResources": {
                "InstanceType": self.instance_type,
                "InstanceCount": self.instance_count,
                "VolumeKmsKeyId": self.volume_kms_key,
            },
            "DataProcessing": {
                "InputFilter": self.input_filter,
                "OutputFilter": self.output_filter,
                "JoinSource": self.join_source,
            },
        }

    def requirements(self) -> StepRequirements:
        return StepRequirements(job_kinds={"transform"})

    def lineage(self) -> StepLineage:
        return StepLineage(inputs={"input": self.input_s3_uri}, extra={"model": self.model_name})

    def validate(self, v: StepValidator) -> None:
        super().validate(v)
        v.kind("model_name", self.model_name, STRING, required=True)
        v.instance_type("instance_type", self.instance_type, "TransformInstanceType")
        if v.kind("instance_count", self.instance_count, INTEGER, required=True):
            v.range("instance_count", self.instance_count, minimum=1)
        v.s3_uri("input_s3_uri", self.input_s3_uri)
        v.s3_uri("output_path", self.output_path)
        v.one_of("input_data_type", self.input_data_type, _service_model.enum("S3DataType"))
        v.one_of("split_type", self.split_type, _service_model.enum("SplitType"))
        v.one_of("compression", self.compression, _service_model.enum("CompressionType"))
        v.one_of("assemble_with", self.assemble_with, _service_model.enum("AssemblyType"))
        for arg in ("content_type", "accept"):
            if getattr(self, arg) is not None:
                v.kind(arg, getattr(self, arg), STRING)
        if self.batch_strategy is not None:
            v.one_of("batch_strategy", self.batch_strategy, _service_model.enum("BatchStrategy"))
        if self.max_payload_mb is not None:
            v.range("max_payload_mb", self.max_payload_mb, minimum=0, maximum=100)
        if self.max_concurrent_transforms is not None:
            v.range("max_concurrent_transforms", self.max_concurrent_transforms, minimum=0)
        v.check(len(self.environment) <= 16, "environment", len(self.environment), "at most 16 variables")
        for arg in ("input_filter", "output_filter"):
            value = getattr(self, arg)
            if value is not None:
                v.check(
                    len(value) <= 63 and value.startswith("$"),
                    arg,
                    value,
                    "must be a JSONPath of at most 63 characters starting with '$'",
                )
        if self.join_source is not None:
            v.one_of("join_source", self.join_source, _service_model.enum("JoinSource"))
        if self.invocations_timeout is not None:
            v.seconds("invocations_timeout", self.invocations_timeout, minimum=1, maximum=3600)
        if self.invocations_max_retries is not None:
            v.range("invocations_max_retries", self.invocations_max_retries, minimum=0, maximum=3)
