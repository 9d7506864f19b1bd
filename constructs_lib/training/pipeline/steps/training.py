"""``TrainingStep`` and ``TrainingJob``: a SageMaker training job, on demand or on managed spot."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import Aws, Duration
from aws_cdk import aws_kms as kms
from constructs import Construct

from constructs_lib._core import durations
from constructs_lib.foundation.container_image import ContainerImage
from constructs_lib.foundation.instance_type import InstanceType, as_instance_type
from constructs_lib.foundation.network import INetwork
from constructs_lib.foundation.s3_location import S3Location
from constructs_lib.training.code import SCRIPT_MODE_HYPERPARAMETERS, ScriptSource, unbound_error
from constructs_lib.training.pipeline import _service_model
from constructs_lib.training.pipeline.expressions import INTEGER, STRING, Expression, Property
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
from constructs_lib.training.pipeline.steps import large_models
from constructs_lib.training.pipeline.steps.debugger import DebuggerConfig, ProfilerConfig, TensorBoardOutput
from constructs_lib.training.pipeline.steps.distribution import Distribution, InstanceGroup
from constructs_lib.training.pipeline.tracking import tracking_environment
from constructs_lib.training.pipeline.values import (
    CompressionType,
    FileSystemAccessMode,
    FileSystemType,
    InputMode,
    RecordWrapper,
    S3DataDistribution,
    S3DataType,
)

_CHANNEL_NAME = re.compile(r"^[A-Za-z0-9\.\-_]+$")
#: The channel a script-mode job's source archive arrives in (as the SageMaker Python SDK names it).
CODE_CHANNEL = "code"


@dataclass(frozen=True)
class FileSystemSource:
    """An EFS or FSx for Lustre file system as a channel's data (jobs must run in its VPC).

    :param file_system_id: e.g. ``fs-0123456789abcdef0``.
    :param file_system_type: ``EFS`` or ``FSxLustre``.
    :param directory_path: the directory with the data (FSx paths start with the mount name).
    :param access_mode: default ``ro``; or ``rw``.
    """

    file_system_id: str
    file_system_type: FileSystemType
    directory_path: str
    access_mode: FileSystemAccessMode = FileSystemAccessMode.READ_ONLY


@dataclass(frozen=True)
class TrainingChannel:
    """A named input of a training job (``train``, ``validation``...).

    Input modes (from the SageMaker API reference, ``TrainingInputMode`` and ``S3DataSource``):
    ``File`` copies the data to the volume first; ``Pipe`` and ``FastFile`` stream it from S3, so they
    do not apply to file-system channels; ``FastFile`` does not support augmented manifest files, and
    augmented manifest files need ``Pipe``. ``Gzip`` compression and ``RecordIO`` wrapping are
    applied while streaming: ``Pipe`` only.

    :param name: the channel name (the container sees ``/opt/ml/input/data/<name>``).
    :param s3_uri: the data in S3 (``S3Location``, ``s3://`` URI, or a String expression such as
        ``processing.outputs["train"]``); or give ``file_system``.
    :param file_system: data on EFS or FSx for Lustre instead of S3.
    :param input_mode: default None (the job's ``input_mode``); ``File``, ``Pipe`` or ``FastFile``.
    :param s3_data_type: default ``S3Prefix``; ``ManifestFile`` or ``AugmentedManifestFile``.
    :param distribution: default ``FullyReplicated``; ``ShardedByS3Key`` splits the objects across
        instances of a distributed job.
    :param content_type: default none; the MIME type of the data (``text/csv``).
    :param compression: default ``None``; ``Gzip``.
    :param record_wrapper: default ``None``; ``RecordIO``.
    :param shuffle_seed: default none; shuffle the S3 objects with this seed.
    :param attribute_names: default none; attributes of an augmented manifest file to read.
    :param instance_groups: default none (every instance); with the job's ``instance_groups``, the
        groups that receive this channel (S3 channels only).
    """

    name: str
    s3_uri: str | S3Location | Expression | None = None
    file_system: FileSystemSource | None = None
    input_mode: InputMode | None = None
    s3_data_type: S3DataType = S3DataType.S3_PREFIX
    distribution: S3DataDistribution = S3DataDistribution.FULLY_REPLICATED
    content_type: str | Expression | None = None
    compression: CompressionType = CompressionType.NONE
    record_wrapper: RecordWrapper = RecordWrapper.NONE
    shuffle_seed: int | None = None
    attribute_names: Sequence[str] = ()
    instance_groups: Sequence[str] = ()

    def request(self) -> dict[str, Any]:
        if self.file_system is not None:
            source: dict[str, Any] = {
                "FileSystemDataSource": {
                    "FileSystemId": self.file_system.file_system_id,
                    "FileSystemAccessMode": self.file_system.access_mode,
                    "FileSystemType": self.file_system.file_system_type,
                    "DirectoryPath": self.file_system.directory_path,
                }
            }
        else:
            source = {
                "S3DataSource": {
                    "S3DataType": self.s3_data_type,
                    "S3Uri": self.s3_uri,
                    "S3DataDistributionType": self.distribution,
                    "AttributeNames": list(self.attribute_names) or None,
                    "InstanceGroupNames": list(self.instance_groups) or None,
                }
            }
        return {
            "ChannelName": self.name,
            "DataSource": source,
            "ContentType": self.content_type,
            "CompressionType": self.compression if self.compression != "None" else None,
            "RecordWrapperType": self.record_wrapper if self.record_wrapper != "None" else None,
            "InputMode": self.input_mode,
            "ShuffleConfig": {"Seed": self.shuffle_seed} if self.shuffle_seed is not None else None,
        }


@dataclass(frozen=True)
class MetricDefinition:
    """A metric SageMaker parses from the training logs (and tuning can optimise).

    :param name: e.g. ``validation:auc``.
    :param regex: with one group capturing the value, e.g. ``.*\\[[0-9]+\\].*validation-auc:([-+]?[0-9.]+).*``.
    """

    name: str
    regex: str


@dataclass(frozen=True)
class TrainingJob:
    """A training job's definition, shared by ``TrainingStep`` and ``TuningStep``.

    :param role: the ``JobRole`` (or IAM role) the job runs as.
    :param instance_type: e.g. ``ml.m5.xlarge`` (botocore ``TrainingInstanceType``); None with
        ``instance_groups``.
    :param output_path: where ``<job name>/output/model.tar.gz`` goes (``S3Location``, URI, expression).
    :param image: the training image (``AlgorithmImage``, ``FrameworkImage``, ``ContainerImage``, or
        a String parameter); or give ``algorithm_name``. The job's role is granted pull on it. With
        an ``AlgorithmImage``, the channels' content types and input modes and the instance type and
        count are checked against what the algorithm accepts.
    :param algorithm_name: default none; a SageMaker or Marketplace algorithm instead of an image.
    :param instance_count: default None (1); more than one is distributed training (data sharded per
        channel with ``ShardedByS3Key``). None with ``instance_groups``.
    :param volume_size_gb: default 30.
    :param volume_kms_key: default none (AWS-managed); KMS key of the instances' volumes.
    :param output_kms_key: default none (the bucket's default encryption); KMS key of the artifacts.
    :param channels: default none; the job's inputs.
    :param input_mode: default ``File``; the default of channels without their own mode.
    :param hyperparameters: default none; values are converted to the strings the API takes.
    :param metric_definitions: default none; metrics parsed from the logs (up to 40).
    :param max_runtime: default 1 hour; ``MaxRuntimeInSeconds``.
    :param use_spot_instances: default False; managed spot training (needs ``max_wait`` and
        ``checkpoint_s3_uri``: interrupted jobs resume from their last checkpoint).
    :param max_wait: default none; spot only: run time plus time waiting for capacity (>= max_runtime).
    :param checkpoint_s3_uri: default none; where the container's ``checkpoint_local_path`` is synced.
    :param checkpoint_local_path: default none (``/opt/ml/checkpoints``).
    :param network: default none (no VPC); the ``INetwork`` (a ``PrivateNetwork``) whose subnets and
        security groups the job's instances attach to. ``MlPipeline`` grants a ``JobRole`` that runs
        the step the network-interface permissions of this network.
    :param enable_network_isolation: default True: the containers get no network access (SageMaker
        still downloads inputs and uploads outputs). Turn off only for code that must call AWS APIs.
    :param encrypt_inter_container_traffic: default True; TLS between the instances of distributed jobs.
    :param environment: default none; environment variables of the container.
    :param max_retry_attempts: default none; SageMaker's own job retries on internal errors (1 to 30).
    :param source: default none; script mode (``ScriptSource(entry_point=..., source_dir=...)``) with a
        framework image (``image``): the folder arrives as the ``code`` channel, the training
        toolkit's hyperparameters (``sagemaker_program``, ``sagemaker_submit_directory``,
        ``sagemaker_region``, ``sagemaker_container_log_level``) are set, and every hyperparameter is
        JSON-encoded as the SageMaker Python SDK does for framework estimators (the toolkit decodes them;
        expressions are passed as they are). The toolkit installs the folder's ``requirements.txt``
        with pip before it runs the entry point: a network-isolated job needs ``--no-index``.
    :param distribution: default none; how processes are launched across GPUs and instances
        (``TorchDistributed``, ``SmdDataParallel``, ``SmdModelParallel``, ``Mpi``, ``ParameterServer``),
        written as the framework containers' hyperparameters.
    :param instance_groups: default none; a heterogeneous cluster (``InstanceGroup``, up to 5)
        instead of ``instance_type``/``instance_count``.
    :param keep_alive_period: default none; keep the instances in a warm pool this long after the job
        (0 to 21600 s, botocore ``KeepAlivePeriodInSeconds``), billed while kept (README "Warm pools").
    :param debugger: default none; the Debugger hook and built-in rules (training steps only).
    :param profiler: default none; the profiler and its built-in rules (training steps only).
    :param tensorboard: default none; where TensorBoard data goes (training steps only).
    :param remote_debug: default False; True opens the container to SSM sessions
        (``RemoteDebugConfig``; README "Remote debugging" for the IAM it needs). Training steps only.
    """

    role: Any
    instance_type: InstanceType | str | Expression | None
    output_path: str | S3Location | Expression
    image: ContainerImage | Expression | None = None
    algorithm_name: str | None = None
    instance_count: int | Expression | None = None
    volume_size_gb: int | Expression = 30
    volume_kms_key: kms.IKey | Any | None = None
    output_kms_key: kms.IKey | Any | None = None
    channels: Sequence[TrainingChannel] = ()
    input_mode: InputMode = InputMode.FILE
    hyperparameters: Mapping[str, Any] = field(default_factory=dict[str, Any])
    metric_definitions: Sequence[MetricDefinition] = ()
    max_runtime: Duration | Expression = durations.hours(1)
    use_spot_instances: bool = False
    max_wait: Duration | Expression | None = None
    checkpoint_s3_uri: str | S3Location | Expression | None = None
    checkpoint_local_path: str | None = None
    network: INetwork | None = None
    enable_network_isolation: bool = True
    encrypt_inter_container_traffic: bool = True
    environment: Mapping[str, Any] = field(default_factory=dict[str, Any])
    max_retry_attempts: int | None = None
    source: ScriptSource | None = None
    # Large models (large_models.py writes and checks them).
    distribution: Distribution | None = None
    instance_groups: Sequence[InstanceGroup] = ()
    keep_alive_period: Duration | Expression | None = None
    debugger: DebuggerConfig | None = None
    profiler: ProfilerConfig | None = None
    tensorboard: TensorBoardOutput | None = None
    remote_debug: bool = False

    @property
    def metric_names(self) -> list[str]:
        return [metric.name for metric in self.metric_definitions]

    def algorithm_specification(self) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "TrainingImage": self.image,
            "AlgorithmName": self.algorithm_name,
            "TrainingInputMode": self.input_mode,
            "MetricDefinitions": [{"Name": m.name, "Regex": m.regex} for m in self.metric_definitions] or None,
        }
        return spec

    def bind(self, scope: Construct) -> None:
        """Upload a local ``source`` folder as an asset of ``scope``'s stack; the job's role may read it."""
        if isinstance(self.source, ScriptSource) and hasattr(self.role, "grant_principal"):
            self.source.code.bind(scope, self.role)

    def _code_channel(self, step_name: str) -> TrainingChannel | None:
        if not isinstance(self.source, ScriptSource):
            return None
        location = self.source.code.location
        if location is None:
            raise unbound_error(self.source.code, step_name)
        return TrainingChannel(CODE_CHANNEL, location, input_mode=InputMode.FILE)

    def all_channels(self, step_name: str = "") -> list[TrainingChannel]:
        """The channels, with the ``code`` channel of a script-mode job last."""
        code = self._code_channel(step_name)
        return [*self.channels, *([code] if code is not None else [])]

    def common_request(self, step_name: str = "") -> dict[str, Any]:
        """The members a training job and a tuning job's training definition share."""
        return {
            "AlgorithmSpecification": self.algorithm_specification(),
            "RoleArn": self.role,
            "InputDataConfig": [channel.request() for channel in self.all_channels(step_name)] or None,
            "OutputDataConfig": {"S3OutputPath": self.output_path, "KmsKeyId": self.output_kms_key},
            "ResourceConfig": {
                "InstanceType": self.instance_type,
                "InstanceCount": self.instance_count if self.instance_count is not None else 1,
                "VolumeSizeInGB": self.volume_size_gb,
                "VolumeKmsKeyId": self.volume_kms_key,
            },
            "StoppingCondition": {
                "MaxRuntimeInSeconds": seconds_of(self.max_runtime),
                "MaxWaitTimeInSeconds": seconds_of(self.max_wait),
            },
            "VpcConfig": vpc_config(self.network),
            "EnableNetworkIsolation": self.enable_network_isolation,
            "EnableInterContainerTrafficEncryption": self.encrypt_inter_container_traffic,
            "EnableManagedSpotTraining": self.use_spot_instances,
            "CheckpointConfig": {"S3Uri": self.checkpoint_s3_uri, "LocalPath": self.checkpoint_local_path}
            if self.checkpoint_s3_uri is not None
            else None,
            "RetryStrategy": {"MaximumRetryAttempts": self.max_retry_attempts}
            if self.max_retry_attempts is not None
            else None,
            "Environment": {
                **tracking_environment(self.role, network_isolation=self.enable_network_isolation),
                **{key: as_api_string(value) for key, value in self.environment.items()},
            },
        }

    def hyperparameter_strings(self, step_name: str = "") -> dict[str, Any]:
        """The hyperparameters as the API takes them; in script mode with the toolkit's own, each
        literal JSON-encoded (the SDK's ``_json_encode_hyperparameters``); the distribution's keys
        encoded as the SDK's estimators write them (``large_models``)."""
        distribution = large_models.distribution_hyperparameters(self)
        if not isinstance(self.source, ScriptSource):
            strings = {key: as_api_string(value) for key, value in self.hyperparameters.items()}
            return {**strings, **distribution}
        archive = self.source.require_bound(step_name)
        values: dict[str, Any] = {
            **self.hyperparameters,
            "sagemaker_program": self.source.entry_point,
            "sagemaker_submit_directory": f"/opt/ml/input/data/{CODE_CHANNEL}/{archive}",
            "sagemaker_region": Aws.REGION,
            "sagemaker_container_log_level": self.source.container_log_level,
        }
        return {**{key: _json_encoded(value) for key, value in values.items()}, **distribution}

    def lineage(self) -> StepLineage:
        """The image (or algorithm), the channels' data and the hyperparameters."""
        inputs: dict[str, Any] = {}
        for channel in self.channels:
            fs = channel.file_system
            inputs[channel.name] = (
                channel.s3_uri if fs is None else f"{fs.file_system_type}:{fs.file_system_id}:{fs.directory_path}"
            )
        image = image_reference(self.image) if self.image is not None else self.algorithm_name
        code = self._code_channel("")
        return StepLineage(
            images=[image],
            inputs=inputs,
            hyperparameters={key: as_api_string(value) for key, value in self.hyperparameters.items()},
            code=code.s3_uri if code is not None else None,
        )

    def image_pulls(self) -> list[tuple[ContainerImage, Any]]:
        """The image and the role that pulls it (for ``MlPipeline``'s grants)."""
        return [(image, self.role) for image in images_of(self.image)]

    def validate(self, v: StepValidator, prefix: str = "job") -> None:
        v.check(hasattr(self.role, "role_arn"), f"{prefix}.role", self.role, "must be a JobRole or an IAM role")
        v.check(
            (self.image is None) != (self.algorithm_name is None),
            f"{prefix}.image/algorithm_name",
            [self.image, self.algorithm_name],
            "give exactly one of image or algorithm_name",
        )
        if self.image is not None:
            v.image(f"{prefix}.image", self.image)
        self._validate_algorithm(v, prefix)
        large_models.validate(self, v, prefix)  # instance type and count or groups, distribution, Debugger
        if v.kind(f"{prefix}.volume_size_gb", self.volume_size_gb, INTEGER, required=True):
            v.range(f"{prefix}.volume_size_gb", self.volume_size_gb, minimum=1)
        v.s3_uri(f"{prefix}.output_path", self.output_path)
        v.one_of(f"{prefix}.input_mode", self.input_mode, _service_model.enum("TrainingInputMode"))
        v.seconds(f"{prefix}.max_runtime", self.max_runtime, required=True)
        validate_network(v, self.network, f"{prefix}.network")
        if self.max_retry_attempts is not None:
            v.range(f"{prefix}.max_retry_attempts", self.max_retry_attempts, minimum=1, maximum=30)
        for key, value in self.environment.items():
            v.kind(f"{prefix}.environment[{key!r}]", value, STRING)

        # Managed spot: MaxWaitTimeInSeconds is required and at least MaxRuntimeInSeconds.
        if self.use_spot_instances:
            if v.check(
                self.max_wait is not None,
                f"{prefix}.max_wait",
                self.max_wait,
                "is required with use_spot_instances=True (run time plus time waiting for spot capacity, "
                ">= max_runtime)",
            ):
                v.seconds(f"{prefix}.max_wait", self.max_wait)
                runtime, wait = seconds_of(self.max_runtime), seconds_of(self.max_wait)
                if v.literal(runtime) and v.literal(wait):
                    v.check(
                        wait >= runtime,
                        f"{prefix}.max_wait (seconds)",
                        wait,
                        f"must be >= max_runtime ({runtime} s): it includes the run time",
                    )
            v.check(
                self.checkpoint_s3_uri is not None,
                f"{prefix}.checkpoint_s3_uri",
                None,
                "is required with use_spot_instances=True, so that an interrupted job resumes from its "
                "last checkpoint instead of starting over",
            )
        else:
            v.check(
                self.max_wait is None,
                f"{prefix}.max_wait",
                seconds_of(self.max_wait),
                "only applies to managed spot training (use_spot_instances=True)",
            )
        if self.checkpoint_s3_uri is not None:
            v.s3_uri(f"{prefix}.checkpoint_s3_uri", self.checkpoint_s3_uri)

        names = self.metric_names
        v.check(len(names) == len(set(names)), f"{prefix}.metric_definitions", names, "names must be unique")
        v.check(len(names) <= 40, f"{prefix}.metric_definitions", len(names), "at most 40 metric definitions")
        for metric in self.metric_definitions:
            v.check(
                1 <= len(metric.name) <= 255,
                f"{prefix}.metric_definitions",
                metric.name,
                "names must be 1-255 characters",
            )
            v.check(
                1 <= len(metric.regex) <= 500 and _compiles(metric.regex),
                f"{prefix}.metric_definitions[{metric.name!r}].regex",
                metric.regex,
                "must be a valid regular expression of 1-500 characters",
            )
        v.check(
            len(self.hyperparameters) <= 100,
            f"{prefix}.hyperparameters",
            len(self.hyperparameters),
            "at most 100 hyperparameters",
        )
        for key, value in self.hyperparameters.items():
            v.check(
                not isinstance(value, (dict, list)),
                f"{prefix}.hyperparameters[{key!r}]",
                value,
                "must be a string, number, boolean or expression",
            )

        if self.source is not None:
            self._validate_source(v, prefix)
        channel_names = [channel.name for channel in self.channels]
        v.check(
            len(channel_names) == len(set(channel_names)), f"{prefix}.channels", channel_names, "names must be unique"
        )
        v.check(len(channel_names) <= 20, f"{prefix}.channels", len(channel_names), "at most 20 channels")
        for channel in self.channels:
            self._validate_channel(v, channel, f"{prefix}.channels[{channel.name!r}]")

    def _validate_algorithm(self, v: StepValidator, prefix: str) -> None:
        """A built-in algorithm's image: what it accepts (``BuiltInAlgorithm``), checked at synth."""
        from constructs_lib.training.container_images import AlgorithmCompute, AlgorithmImage

        image = self.image
        if not isinstance(image, AlgorithmImage):
            return
        algorithm = image.algorithm
        name = f"{algorithm.name} ({algorithm.page})"
        modes = (*algorithm.input_modes, "FastFile") if "File" in algorithm.input_modes else algorithm.input_modes
        for channel in self.channels:
            arg = f"{prefix}.channels[{channel.name!r}]"
            mode = channel.input_mode or self.input_mode
            if v.literal(mode):
                v.check(
                    mode in modes,
                    f"{arg}.input_mode",
                    mode,
                    f"{name} reads {' or '.join(algorithm.input_modes)} mode only",
                )
            content_type = channel.content_type
            if isinstance(content_type, str) and v.literal(content_type):
                mime = content_type.split(";", 1)[0].strip().lower()
                v.check(
                    mime in algorithm.content_types,
                    f"{arg}.content_type",
                    content_type,
                    f"{name} reads {', '.join(algorithm.content_types)}",
                )
        instance = self.instance_type
        if isinstance(instance, (InstanceType, str)) and v.literal(
            instance.name if isinstance(instance, InstanceType) else instance
        ):
            kind = as_instance_type(instance)
            if image.compute == AlgorithmCompute.GPU:
                v.check(
                    kind.is_gpu,
                    f"{prefix}.instance_type",
                    kind.name,
                    f"{name} trains on GPU instances only (ml.p3, ml.g4dn, ml.g5...)",
                )
            elif image.compute == AlgorithmCompute.CPU:
                v.check(
                    not kind.is_accelerated,
                    f"{prefix}.instance_type",
                    kind.name,
                    f"{name} {'version ' + image.version + ' ' if algorithm.family == 'xgboost' else ''}"
                    "trains on CPU instances only",
                )
        if not algorithm.multi_instance and v.literal(self.instance_count):
            v.check(
                self.instance_count == 1,
                f"{prefix}.instance_count",
                self.instance_count,
                f"{name} trains on a single instance only",
            )

    def _validate_source(self, v: StepValidator, prefix: str) -> None:
        if not v.check(
            isinstance(given(self.source), ScriptSource), f"{prefix}.source", self.source, "must be a ScriptSource"
        ):
            return
        v.check(
            self.image is not None,
            f"{prefix}.source",
            self.source,
            "needs a framework image (image: FrameworkImage PyTorch, TensorFlow, scikit-learn, XGBoost, Hugging Face), "
            "not algorithm_name",
        )
        reserved = sorted(set(self.hyperparameters) & set(SCRIPT_MODE_HYPERPARAMETERS))
        v.check(
            not reserved,
            f"{prefix}.hyperparameters",
            reserved,
            "are set by source (ScriptSource): leave them out",
        )
        names = [channel.name for channel in self.channels]
        v.check(
            CODE_CHANNEL not in names,
            f"{prefix}.channels",
            names,
            f"must not use the name {CODE_CHANNEL!r}: source arrives in that channel",
        )
        v.check(len(names) < 20, f"{prefix}.channels", len(names), "at most 19 channels with source (20 with code)")
        assert isinstance(self.source, ScriptSource)
        if self.source.has_requirements and not self.source.installs_offline:
            v.check(
                not self.enable_network_isolation,
                f"{prefix}.source (requirements.txt)",
                self.source.entry_point,
                "is installed with pip by the training toolkit, which cannot reach a package index from a "
                "network-isolated job: give enable_network_isolation=False and a network with a route "
                "to your index, or put the packages in the folder and start requirements.txt with --no-index",
            )

    def _validate_channel(self, v: StepValidator, channel: TrainingChannel, arg: str) -> None:
        v.check(
            bool(_CHANNEL_NAME.match(channel.name)) and len(channel.name) <= 64,
            f"{arg}.name",
            channel.name,
            "must be 1-64 letters, digits, '.', '-' or '_'",
        )
        v.check(
            (channel.s3_uri is None) != (channel.file_system is None),
            arg,
            channel.name,
            "give exactly one of s3_uri or file_system",
        )
        mode = channel.input_mode or self.input_mode
        if channel.input_mode is not None:
            v.one_of(f"{arg}.input_mode", channel.input_mode, _service_model.enum("TrainingInputMode"))
        v.one_of(f"{arg}.compression", channel.compression, _service_model.enum("CompressionType"))
        v.one_of(f"{arg}.record_wrapper", channel.record_wrapper, _service_model.enum("RecordWrapper"))
        if channel.file_system is not None:
            fs = channel.file_system
            v.one_of(f"{arg}.file_system.file_system_type", fs.file_system_type, _service_model.enum("FileSystemType"))
            v.one_of(f"{arg}.file_system.access_mode", fs.access_mode, _service_model.enum("FileSystemAccessMode"))
            v.check(
                mode == "File",
                f"{arg}.input_mode",
                mode,
                "must be 'File' for a file-system channel: Pipe and FastFile stream from S3 only",
            )
            v.check(
                self.network is not None,
                f"{arg}.file_system",
                fs.file_system_id,
                "needs the job in a VPC (network with subnets and security groups) to mount the file system",
            )
            return
        v.s3_uri(f"{arg}.s3_uri", channel.s3_uri)
        v.one_of(f"{arg}.s3_data_type", channel.s3_data_type, _service_model.enum("S3DataType"))
        v.one_of(f"{arg}.distribution", channel.distribution, _service_model.enum("S3DataDistribution"))
        if channel.content_type is not None:
            v.kind(f"{arg}.content_type", channel.content_type, STRING)
        if channel.s3_data_type == "AugmentedManifestFile":
            v.check(
                mode == "Pipe",
                f"{arg}.input_mode",
                mode,
                "must be 'Pipe' for an AugmentedManifestFile channel (FastFile does not support augmented "
                "manifests, File does not read them)",
            )
        elif channel.attribute_names:
            v.check(
                False,
                f"{arg}.attribute_names",
                list(channel.attribute_names),
                "only apply to s3_data_type='AugmentedManifestFile'",
            )
        if mode != "Pipe":
            v.check(
                channel.compression == "None",
                f"{arg}.compression",
                channel.compression,
                f"'Gzip' is only used in Pipe mode (this channel is {mode})",
            )
            v.check(
                channel.record_wrapper == "None",
                f"{arg}.record_wrapper",
                channel.record_wrapper,
                f"'RecordIO' wrapping is only applied in Pipe mode (this channel is {mode})",
            )


class TrainingStep(Step):
    """A training job. Later steps read ``step.model_artifacts`` (the ``model.tar.gz`` S3 URI)."""

    step_type = "Training"
    properties_shape = "DescribeTrainingJobResponse"
    supports_retry = True
    supports_cache = True
    runs_job = True

    def __init__(self, name: str, *, job: TrainingJob, **step_options: Any) -> None:
        """
        :param job: the training job.
        :param step_options: ``display_name``, ``description``, ``depends_on``, ``retry_policies``, ``cache``.
        """
        super().__init__(name, **step_options)
        self.job = job

    @property
    def model_artifacts(self) -> Property:
        """The S3 URI of the trained model (``ModelArtifacts.S3ModelArtifacts``)."""
        return self.properties.ModelArtifacts.S3ModelArtifacts

    def final_metric(self, name: str) -> Property:
        """The last value of metric ``name`` (``FinalMetricDataList['<name>'].Value``)."""
        return self.properties.FinalMetricDataList[name].Value

    def bind(self, scope: Construct) -> None:
        self.job.bind(scope)

    def arguments(self) -> dict[str, Any]:
        arguments = self.job.common_request(self.name)
        arguments["HyperParameters"] = self.job.hyperparameter_strings(self.name)
        large_models.apply(self.job, arguments, training=True)
        return arguments

    def requirements(self) -> StepRequirements:
        return StepRequirements(job_kinds={"training"}, pass_roles=[self.job.role], images=self.job.image_pulls())

    def lineage(self) -> StepLineage:
        return self.job.lineage()

    def validate(self, v: StepValidator) -> None:
        super().validate(v)
        if not isinstance(given(self.job), TrainingJob):
            v.check(False, "job", self.job, "must be a TrainingJob")
            return
        self.job.validate(v)


def _compiles(regex: str) -> bool:
    try:
        re.compile(regex)
    except re.error:
        return False
    return True


def _json_encoded(value: Any) -> Any:
    """A script-mode hyperparameter: a literal JSON-encoded (``json.dumps``), an expression as it is."""
    if isinstance(value, Expression):
        return as_api_string(value)
    return json.dumps(value)
