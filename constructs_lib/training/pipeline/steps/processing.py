"""``ProcessingStep``: a SageMaker processing job (data preparation, evaluation)."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from constructs import Construct

from constructs_lib._core import durations
from constructs_lib._core.validation import invalid
from constructs_lib.foundation.container_image import ContainerImage
from constructs_lib.foundation.instance_type import InstanceType
from constructs_lib.foundation.network import INetwork
from constructs_lib.foundation.s3_location import S3Location
from constructs_lib.training.code import Code, ScriptSource, unbound_error
from constructs_lib.training.pipeline import _service_model
from constructs_lib.training.pipeline.expressions import (
    ANY,
    INTEGER,
    STRING,
    Expression,
    JsonGet,
    Property,
    PropertyFile,
    S3Join,
)
from constructs_lib.training.pipeline.serializer import as_api_string
from constructs_lib.training.pipeline.step import (
    Step,
    StepLineage,
    StepRequirements,
    StepValidator,
    given,
    image_reference,
    images_of,
    seconds_of,
    validate_network,
    vpc_config,
)
from constructs_lib.training.pipeline.tracking import tracking_environment
from constructs_lib.training.pipeline.values import (
    CompressionType,
    InputMode,
    S3DataDistribution,
    S3DataType,
    UploadMode,
)

PROCESSING_ROOT = "/opt/ml/processing/"
CODE_INPUT = "code"
CODE_DIRECTORY = f"{PROCESSING_ROOT}input/{CODE_INPUT}"
#: A processing job's default ``max_runtime``.
DEFAULT_MAX_RUNTIME = durations.hours(2)


@dataclass(frozen=True)
class ProcessingInput:
    """Data a processing job reads.

    :param name: the input's name (unique in the step).
    :param source: where the data is: an ``S3Location``, an ``s3://`` URI, or a String expression
        (``other_step.outputs["train"]``, a parameter).
    :param destination: default ``/opt/ml/processing/input/<name>``; where the container sees it.
    :param s3_data_type: default ``S3Prefix``; or ``ManifestFile``.
    :param input_mode: default ``File`` (copied before the job starts); or ``Pipe`` (streamed).
    :param distribution: default ``FullyReplicated``; or ``ShardedByS3Key`` across instances.
    :param compression: default ``None``; ``Gzip`` (Pipe mode only).
    """

    name: str
    source: str | S3Location | Expression
    destination: str | None = None
    s3_data_type: S3DataType = S3DataType.S3_PREFIX
    input_mode: InputMode = InputMode.FILE
    distribution: S3DataDistribution = S3DataDistribution.FULLY_REPLICATED
    compression: CompressionType = CompressionType.NONE

    @property
    def local_path(self) -> str:
        return self.destination or f"{PROCESSING_ROOT}input/{self.name}"


@dataclass(frozen=True)
class ProcessingOutput:
    """Data a processing job writes.

    :param name: the output's name (unique in the step; other steps read it as ``step.outputs[name]``).
    :param destination: where it goes: an ``S3Location``, an ``s3://`` URI or a String expression
        (``Join`` with ``ExecutionVariables.PIPELINE_EXECUTION_ID`` for one prefix per execution).
    :param source: default ``/opt/ml/processing/output/<name>``; the container directory uploaded.
    :param upload_mode: default ``EndOfJob``; or ``Continuous``.
    """

    name: str
    destination: str | S3Location | Expression
    source: str | None = None
    upload_mode: UploadMode = UploadMode.END_OF_JOB

    @property
    def local_path(self) -> str:
        return self.source or f"{PROCESSING_ROOT}output/{self.name}"


class ProcessingOutputs:
    """``step.outputs["train"]``: the S3 URI a processing output was written to."""

    def __init__(self, step: ProcessingStep) -> None:
        self._step = step

    def __getitem__(self, name: str) -> Property:
        names = [output.name for output in self._step.outputs_config]
        if name not in names:
            raise invalid(
                self._step.name,
                "Processing step",
                "outputs[name]",
                name,
                f"has no such output; outputs: {', '.join(names) or '(none)'}",
            )
        return self._step.properties.ProcessingOutputConfig.Outputs[name].S3Output.S3Uri

    def __iter__(self):  # pragma: no cover - convenience
        return iter(output.name for output in self._step.outputs_config)


class ProcessingStep(Step):
    """A processing job: a container (``image``) run on ``instance_count`` instances.

    With ``code``, the script is an input and the container runs ``command + [script]`` (the
    ``ScriptProcessor`` convention). With ``source`` (a ``ScriptSource``), the source folder is the
    input and the container unpacks it, installs its ``requirements.txt`` with pip and runs
    ``command + [entry point] + arguments`` (the ``FrameworkProcessor`` convention). Declare
    ``property_files`` to let conditions read JSON reports (``step.json_get(report, "metrics.accuracy.value")``).
    """

    step_type = "Processing"
    properties_shape = "DescribeProcessingJobResponse"
    supports_retry = True
    supports_cache = True
    runs_job = True

    def __init__(
        self,
        name: str,
        *,
        role: Any,
        image: ContainerImage | Expression,
        instance_type: InstanceType | str | Expression,
        instance_count: int | Expression = 1,
        volume_size_gb: int | Expression = 30,
        volume_kms_key: kms.IKey | Any | None = None,
        inputs: Sequence[ProcessingInput] = (),
        outputs: Sequence[ProcessingOutput] = (),
        output_kms_key: kms.IKey | Any | None = None,
        code: Code | str | S3Location | None = None,
        source: ScriptSource | None = None,
        command: Sequence[str] = ("python3",),
        entrypoint: Sequence[str] | None = None,
        arguments: Sequence[str | int | float | Expression] = (),
        environment: Mapping[str, str | Expression] | None = None,
        max_runtime: Duration | Expression = DEFAULT_MAX_RUNTIME,
        network: INetwork | None = None,
        enable_network_isolation: bool = True,
        encrypt_inter_container_traffic: bool = True,
        property_files: Sequence[PropertyFile] = (),
        **step_options: Any,
    ) -> None:
        """
        :param role: the ``JobRole`` (or IAM role) the job runs as.
        :param image: the processing container (``FrameworkImage.sklearn()``, your own
            ``ContainerImage.from_asset``..., or a String parameter); the job's role is granted pull on it.
        :param instance_type: e.g. ``ml.m5.xlarge`` (botocore ``ProcessingInstanceType``).
        :param instance_count: default 1 (1 to 100).
        :param volume_size_gb: default 30 (1 to 16384).
        :param volume_kms_key: default none (AWS-managed); KMS key of the instances' storage volumes.
        :param inputs: default none; data the job reads.
        :param outputs: default none; data the job writes.
        :param output_kms_key: default none (the bucket's default encryption); KMS key for outputs.
        :param code: default none; a script run with ``command`` (adds an input named ``code``): a local
            file (``Code.from_asset("scripts/preprocess.py")``, uploaded by ``cdk deploy``), an object in
            S3 (``Code.from_bucket(bucket, key)``), or an ``s3://`` URI or ``S3Location`` the role can
            already read.
        :param source: default none; script mode (``ScriptSource(entry_point=..., source_dir=...)``): a
            source folder unpacked in the job, its ``requirements.txt`` installed with pip (which needs
            network access to a package index, or ``--no-index`` with the packages in the folder), and
            its entry point run with ``command``. Not with ``code`` nor ``entrypoint``.
        :param command: default ``("python3",)``; the interpreter of ``code`` or of the entry point.
        :param entrypoint: default none (the image's, or ``command + [code]``); the container entrypoint.
        :param arguments: default none; arguments passed to the container (non-strings are converted).
        :param environment: default none; environment variables.
        :param max_runtime: default 2 hours (at most 5 days).
        :param network: default none (no VPC); the ``INetwork`` (a ``PrivateNetwork``) whose subnets and
            security groups the job's instances attach to.
        :param enable_network_isolation: default True: the containers get no network access (SageMaker
            still downloads inputs and uploads outputs). Turn off only for code that must call AWS APIs.
        :param encrypt_inter_container_traffic: default True; TLS between the instances.
        :param property_files: default none; JSON files in outputs that conditions read.
        :param step_options: ``display_name``, ``description``, ``depends_on``, ``retry_policies``, ``cache``.
        """
        super().__init__(name, **step_options)
        self.role = role
        self.image = image
        self.instance_type = instance_type
        self.instance_count = instance_count
        self.volume_size_gb = volume_size_gb
        self.volume_kms_key = volume_kms_key
        self.inputs_config = list(inputs)
        self.outputs_config = list(outputs)
        self.output_kms_key = output_kms_key
        self.code = code
        self.source = source
        self.command = list(command)
        self.entrypoint = list(entrypoint) if entrypoint is not None else None
        self.container_arguments = list(arguments)
        self.environment = dict(environment or {})
        self.max_runtime: Duration | Expression = DEFAULT_MAX_RUNTIME if given(max_runtime) is None else max_runtime
        self.network = network
        self.enable_network_isolation = enable_network_isolation
        self.encrypt_inter_container_traffic = encrypt_inter_container_traffic
        self.property_files = list(property_files)

    # --- references ---------------------------------------------------------------------------------

    @property
    def outputs(self) -> ProcessingOutputs:
        """``step.outputs["name"]``: the S3 URI of an output, for the inputs of later steps."""
        return ProcessingOutputs(self)

    def json_get(self, property_file: PropertyFile | str, json_path: str, *, kind: str = ANY) -> JsonGet:
        """A value of one of this step's property files (``Std:JsonGet``)."""
        return JsonGet(step=self, property_file=property_file, json_path=json_path, kind=kind)

    # --- definition ---------------------------------------------------------------------------------

    def bind(self, scope: Construct) -> None:
        """Upload local ``code`` or ``source`` as an asset of ``scope``'s stack; the role may read it."""
        for code in (self.code, self.source.code if isinstance(self.source, ScriptSource) else None):
            if isinstance(code, Code) and hasattr(self.role, "grant_principal"):
                code.bind(scope, self.role)

    def _code_source(self) -> str | S3Location | Expression | None:
        code = self.source.code if isinstance(self.source, ScriptSource) else self.code
        if isinstance(code, Code):
            if code.location is None:
                raise unbound_error(code, self.name)
            return code.location
        return code

    def _all_inputs(self) -> list[ProcessingInput]:
        inputs = list(self.inputs_config)
        source = self._code_source()
        if source is not None:
            inputs.append(ProcessingInput(CODE_INPUT, source, destination=CODE_DIRECTORY))
        return inputs

    def _code_file(self) -> str | None:
        if isinstance(self.code, Code):
            return self.code.file_name
        if self.code is None:
            return None
        key = self.code.prefix if isinstance(self.code, S3Location) else self.code
        if not isinstance(given(key), str) or key.endswith("/"):
            return None
        return key.rsplit("/", 1)[-1]

    def _script_mode_entrypoint(self, source: ScriptSource) -> list[str]:
        """``sh -c`` unpacking the source folder, installing its requirements and running the entry
        point with the container arguments (``"$@"``), as ``FrameworkProcessor``'s ``runproc.sh``."""
        archive = shlex.quote(source.require_bound(self.name))
        run = " ".join(shlex.quote(part) for part in [*self.command, source.entry_point])
        script = (
            f"set -e; cd {CODE_DIRECTORY}; tar -xzf {archive}; "
            f'if [ -f requirements.txt ]; then pip install -r requirements.txt; fi; exec {run} "$@"'
        )
        return ["/bin/sh", "-c", script, "runproc"]

    def arguments(self) -> dict[str, Any]:
        entrypoint = self.entrypoint
        if isinstance(self.source, ScriptSource):
            entrypoint = self._script_mode_entrypoint(self.source)
        elif entrypoint is None and self.code is not None:
            entrypoint = [*self.command, f"{CODE_DIRECTORY}/{self._code_file()}"]
        arguments = {
            "ProcessingResources": {
                "ClusterConfig": {
                    "InstanceType": self.instance_type,
                    "InstanceCount": self.instance_count,
                    "VolumeSizeInGB": self.volume_size_gb,
                    "VolumeKmsKeyId": self.volume_kms_key,
                }
            },
            "AppSpecification": {
                "ImageUri": self.image,
                "ContainerEntrypoint": entrypoint,
                "ContainerArguments": [as_api_string(a) for a in self.container_arguments] or None,
            },
            "RoleArn": self.role,
            "ProcessingInputs": [
                {
                    "InputName": item.name,
                    "S3Input": {
                        "S3Uri": item.source,
                        "LocalPath": item.local_path,
                        "S3DataType": item.s3_data_type,
                        "S3InputMode": item.input_mode,
                        "S3DataDistributionType": item.distribution,
                        "S3CompressionType": item.compression,
                    },
                }
                for item in self._all_inputs()
            ],
            "ProcessingOutputConfig": {
                "Outputs": [
                    {
                        "OutputName": item.name,
                        "S3Output": {
                            "S3Uri": item.destination,
                            "LocalPath": item.local_path,
                            "S3UploadMode": item.upload_mode,
                        },
                    }
                    for item in self.outputs_config
                ],
                "KmsKeyId": self.output_kms_key,
            }
            if self.outputs_config
            else None,
            "StoppingCondition": {"MaxRuntimeInSeconds": seconds_of(self.max_runtime)},
            "Environment": {
                **tracking_environment(self.role, network_isolation=self.enable_network_isolation),
                **{key: as_api_string(value) for key, value in self.environment.items()},
            },
            "NetworkConfig": {
                "EnableInterContainerTrafficEncryption": self.encrypt_inter_container_traffic,
                "EnableNetworkIsolation": self.enable_network_isolation,
                "VpcConfig": vpc_config(self.network),
            },
        }
        return arguments

    def extra_request(self) -> dict[str, Any]:
        return {"PropertyFiles": [pf.expr for pf in self.property_files]} if self.property_files else {}

    def requirements(self) -> StepRequirements:
        outputs = {output.name: output for output in self.outputs_config}
        read = [outputs[pf.output_name].destination for pf in self.property_files if pf.output_name in outputs]
        locations = [d.location if isinstance(d, S3Join) else d for d in read]
        return StepRequirements(
            job_kinds={"processing"},
            pass_roles=[self.role],
            read_locations=[location for location in locations if isinstance(location, S3Location)],
            images=[(image, self.role) for image in images_of(self.image)],
        )

    def lineage(self) -> StepLineage:
        return StepLineage(
            images=[image_reference(self.image)],
            inputs={item.name: item.source for item in self.inputs_config},
            code=self._code_source(),
        )

    # --- validation ---------------------------------------------------------------------------------

    def validate(self, v: StepValidator) -> None:
        super().validate(v)
        self.validate_job(v)

    def validate_job(self, v: StepValidator) -> None:
        """The processing job's own arguments (a check step runs one, and reports its problems as its own)."""
        v.check(hasattr(self.role, "role_arn"), "role", self.role, "must be a JobRole or an IAM role")
        v.image("image", self.image)
        v.instance_type("instance_type", self.instance_type, "ProcessingInstanceType")
        if v.kind("instance_count", self.instance_count, INTEGER, required=True):
            v.range("instance_count", self.instance_count, minimum=1, maximum=100)
        if v.kind("volume_size_gb", self.volume_size_gb, INTEGER, required=True):
            v.range("volume_size_gb", self.volume_size_gb, minimum=1, maximum=16384)
        v.seconds("max_runtime", self.max_runtime, maximum=777600, required=True)
        validate_network(v, self.network)

        inputs = self._all_inputs()
        names = [item.name for item in inputs]
        v.check(len(names) == len(set(names)), "inputs", names, "names must be unique (the code input is named 'code')")
        v.check(len(inputs) <= 10, "inputs", names, "at most 10 inputs (including code)")
        paths = [item.local_path for item in inputs]
        v.check(len(paths) == len(set(paths)), "inputs (destinations)", paths, "must be distinct")
        for item in inputs:
            arg = f"inputs[{item.name!r}]"
            v.s3_uri(f"{arg}.source", item.source)
            v.check(
                item.local_path.startswith(PROCESSING_ROOT),
                f"{arg}.destination",
                item.local_path,
                f"must be under {PROCESSING_ROOT}",
            )
            v.one_of(f"{arg}.s3_data_type", item.s3_data_type, _service_model.enum("ProcessingS3DataType"))
            v.one_of(f"{arg}.input_mode", item.input_mode, _service_model.enum("ProcessingS3InputMode"))
            v.one_of(f"{arg}.distribution", item.distribution, _service_model.enum("ProcessingS3DataDistributionType"))
            if v.one_of(f"{arg}.compression", item.compression, _service_model.enum("ProcessingS3CompressionType")):
                v.check(
                    item.compression != "Gzip" or item.input_mode == "Pipe",
                    f"{arg}.compression",
                    item.compression,
                    "Gzip needs input_mode='Pipe' (SageMaker decompresses while streaming)",
                )
        if self.code is not None and not isinstance(self.code, Code):
            file_name = self._code_file()
            v.check(
                bool(file_name) and not isinstance(self.code, Expression),
                "code",
                self.code,
                "must be a Code, an S3Location or s3:// URI of a script file (e.g. code/preprocess.py)",
            )
        if isinstance(self.code, Code):
            v.check(
                not self.code.is_folder,
                "code",
                self.code,
                "must be a script file; for a folder give source=ScriptSource(entry_point=..., source_dir=...)",
            )
        if self.source is not None:
            self._validate_source(v)

        out_names = [item.name for item in self.outputs_config]
        v.check(len(out_names) == len(set(out_names)), "outputs", out_names, "names must be unique")
        v.check(len(out_names) <= 10, "outputs", out_names, "at most 10 outputs")
        for item in self.outputs_config:
            arg = f"outputs[{item.name!r}]"
            v.s3_uri(f"{arg}.destination", item.destination)
            v.check(
                item.local_path.startswith(PROCESSING_ROOT),
                f"{arg}.source",
                item.local_path,
                f"must be under {PROCESSING_ROOT}",
            )
            v.one_of(f"{arg}.upload_mode", item.upload_mode, _service_model.enum("ProcessingS3UploadMode"))

        for index, value in enumerate(self.container_arguments):
            v.check(
                not isinstance(value, (dict, list)),
                f"arguments[{index}]",
                value,
                "must be a string, number or expression",
            )
        for key, value in self.environment.items():
            v.kind(f"environment[{key!r}]", value, STRING)

        pf_names = [pf.name for pf in self.property_files]
        v.check(len(pf_names) == len(set(pf_names)), "property_files", pf_names, "names must be unique")
        for pf in self.property_files:
            v.check(
                pf.output_name in out_names,
                f"property_files[{pf.name!r}].output_name",
                pf.output_name,
                f"must be one of this step's outputs: {', '.join(out_names) or '(none)'}",
            )
            v.check(
                bool(pf.path) and not pf.path.startswith("/"),
                f"property_files[{pf.name!r}].path",
                pf.path,
                "must be a file path relative to the output, e.g. 'evaluation.json'",
            )

    def _validate_source(self, v: StepValidator) -> None:
        if not v.check(isinstance(given(self.source), ScriptSource), "source", self.source, "must be a ScriptSource"):
            return
        assert self.source is not None
        v.check(self.code is None, "code", self.code, "give code or source, not both")
        v.check(
            self.entrypoint is None,
            "entrypoint",
            self.entrypoint,
            "is set by source (it unpacks the folder and runs the entry point); give command instead",
        )
        v.check(
            bool(self.command), "command", self.command, "must name the entry point's interpreter, e.g. ['python3']"
        )
        if self.source.code.file_name is not None:  # bound: the command must fit the API's entrypoint string
            script = self._script_mode_entrypoint(self.source)[2]
            most = int(_service_model.shape("ContainerEntrypointString")["max"])
            v.check(
                len(script) <= most,
                "source.entry_point",
                self.source.entry_point,
                f"makes a container entrypoint of {len(script)} characters; at most {most} (botocore "
                "ContainerEntrypointString): shorten the entry point's path or the command",
            )
        if self.source.has_requirements and not self.source.installs_offline:
            v.check(
                not self.enable_network_isolation,
                "source (requirements.txt)",
                self.source.entry_point,
                "is installed with pip, which cannot reach a package index from a network-isolated job: "
                "give enable_network_isolation=False and a network with a route to your index, "
                "or put the packages in the folder and start requirements.txt with --no-index --find-links",
            )
