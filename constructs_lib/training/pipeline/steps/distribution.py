"""Distributed training of a ``TrainingJob``: torchrun, SageMaker's data and model parallel libraries,
MPI and parameter servers, and heterogeneous clusters (instance groups).

A distribution is written as the hyperparameters the SageMaker framework containers read, with the
keys and the encoding of the SageMaker Python SDK's framework estimators (``Framework.
_distribution_configuration`` and ``PyTorch._pytorch_distribution_configuration``: every value
JSON-encoded, ``true``, ``"ml.p4d.24xlarge"``, ``""``; a pipeline expression as its string). The
instance types and counts are checked at synth against what each mode needs (GPU, the types the
SMDDP library supports, two instances or more, processes per host against GPUs per instance).

One deviation from the SDK: with instance groups, ``sagemaker_instance_type`` is the type of the group
that runs the distribution (the SDK writes its estimator's ``instance_type``, which is ``None`` there,
as ``null``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from constructs_lib._core.validation import given
from constructs_lib.foundation.instance_type import GPU_FAMILIES, InstanceType
from constructs_lib.training.pipeline.expressions import Expression
from constructs_lib.training.pipeline.serializer import as_api_string

if TYPE_CHECKING:
    from constructs_lib.training.pipeline.step import StepValidator

__all__ = [
    "INSTANCE_GPUS",
    "SMDDP_INSTANCE_TYPES",
    "Distribution",
    "InstanceGroup",
    "Mpi",
    "ParameterServer",
    "SmdDataParallel",
    "SmdModelParallel",
    "TorchDistributed",
]

#: NVIDIA GPUs per instance of every GPU type ``CreateTrainingJob`` takes (botocore
#: ``TrainingInstanceType``). Source: the Amazon EC2 accelerated computing instance specifications
#: (P2, P3, P4, P5, P6, G4dn, G5, G6, G6e, G7e pages, "GPUs" column); the ``ml.`` type has the GPUs
#: of its EC2 type. Cross-checked in the tests against the SageMaker Python SDK's
#: ``instance_gpu_info.json`` (every type both list). ``ml.g7.*`` is in botocore but newer than
#: these sources: its GPU count is unknown here, so processes per host are not checked on it.
INSTANCE_GPUS: dict[str, int] = {
    "ml.p2.xlarge": 1,
    "ml.p2.8xlarge": 8,
    "ml.p2.16xlarge": 16,
    "ml.p3.2xlarge": 1,
    "ml.p3.8xlarge": 4,
    "ml.p3.16xlarge": 8,
    "ml.p3dn.24xlarge": 8,
    "ml.p4d.24xlarge": 8,
    "ml.p4de.24xlarge": 8,
    "ml.p5.4xlarge": 1,
    "ml.p5.48xlarge": 8,
    "ml.p5e.48xlarge": 8,
    "ml.p5en.48xlarge": 8,
    "ml.p6-b200.48xlarge": 8,
    "ml.p6-b300.48xlarge": 8,
    "ml.p6e-gb200.36xlarge": 4,
    "ml.g4dn.xlarge": 1,
    "ml.g4dn.2xlarge": 1,
    "ml.g4dn.4xlarge": 1,
    "ml.g4dn.8xlarge": 1,
    "ml.g4dn.16xlarge": 1,
    "ml.g4dn.12xlarge": 4,
    "ml.g5.xlarge": 1,
    "ml.g5.2xlarge": 1,
    "ml.g5.4xlarge": 1,
    "ml.g5.8xlarge": 1,
    "ml.g5.16xlarge": 1,
    "ml.g5.12xlarge": 4,
    "ml.g5.24xlarge": 4,
    "ml.g5.48xlarge": 8,
    "ml.g6.xlarge": 1,
    "ml.g6.2xlarge": 1,
    "ml.g6.4xlarge": 1,
    "ml.g6.8xlarge": 1,
    "ml.g6.16xlarge": 1,
    "ml.g6.12xlarge": 4,
    "ml.g6.24xlarge": 4,
    "ml.g6.48xlarge": 8,
    "ml.g6e.xlarge": 1,
    "ml.g6e.2xlarge": 1,
    "ml.g6e.4xlarge": 1,
    "ml.g6e.8xlarge": 1,
    "ml.g6e.16xlarge": 1,
    "ml.g6e.12xlarge": 4,
    "ml.g6e.24xlarge": 4,
    "ml.g6e.48xlarge": 8,
    "ml.g7e.2xlarge": 1,
    "ml.g7e.4xlarge": 1,
    "ml.g7e.8xlarge": 1,
    "ml.g7e.12xlarge": 2,
    "ml.g7e.24xlarge": 4,
    "ml.g7e.48xlarge": 8,
}

#: The instance types the SageMaker distributed data parallelism (SMDDP) library runs on. Source:
#: the SageMaker Python SDK (``fw_utils.SM_DATAPARALLEL_SUPPORTED_INSTANCE_TYPES``, which refuses
#: every other type) and the developer guide's "Supported instance types" of the SMDDP library.
SMDDP_INSTANCE_TYPES: tuple[str, ...] = ("ml.p3.16xlarge", "ml.p3dn.24xlarge", "ml.p4d.24xlarge", "ml.p4de.24xlarge")

#: Hyperparameter keys (the SDK's ``Framework`` and ``PyTorch`` constants).
TORCH_DISTRIBUTED_ENABLED = "sagemaker_torch_distributed_enabled"
SMDDP_ENABLED = "sagemaker_distributed_dataparallel_enabled"
SMDDP_CUSTOM_MPI_OPTIONS = "sagemaker_distributed_dataparallel_custom_mpi_options"
INSTANCE_TYPE = "sagemaker_instance_type"
MPI_ENABLED = "sagemaker_mpi_enabled"
MPI_PROCESSES_PER_HOST = "sagemaker_mpi_num_of_processes_per_host"
MPI_CUSTOM_MPI_OPTIONS = "sagemaker_mpi_custom_mpi_options"
PARAMETER_SERVER_ENABLED = "sagemaker_parameter_server_enabled"
MODEL_PARALLEL_PARAMETERS = "mp_parameters"
INSTANCE_GROUPS = "sagemaker_distribution_instance_groups"

#: Model parallel (SMP) parameters the SDK checks (``fw_utils.validate_mp_config``).
_SMP_CHOICES: dict[str, tuple[str, ...]] = {
    "pipeline": ("simple", "interleaved", "_only_forward"),
    "placement_strategy": ("spread", "cluster"),
    "optimize": ("speed", "memory"),
}
_SMP_POSITIVE = ("microbatches", "partitions", "active_microbatches")
_SMP_BOOLEANS = ("auto_partition", "contiguous", "load_partition", "horovod", "ddp", "deterministic_server")


def encoded(value: Any) -> Any:
    """A hyperparameter value as the SDK's ``_json_encode_hyperparameters`` writes it: JSON, or an
    expression's string."""
    if isinstance(value, Expression):
        return as_api_string(value)
    if isinstance(value, InstanceType):
        value = value.name
    return json.dumps(value)


@dataclass(frozen=True)
class InstanceGroup:
    """A group of identical instances of a heterogeneous cluster (``ResourceConfig.InstanceGroups``).

    :param name: the group's name (1-64 characters, unique in the job); channels name it in
        ``TrainingChannel(instance_groups=...)`` to send their data to this group only.
    :param instance_type: the group's instance type (botocore ``TrainingInstanceType``).
    :param instance_count: how many instances of it (at least 1).
    """

    name: str
    instance_type: InstanceType | str | Expression
    instance_count: int | Expression = 1


@dataclass(frozen=True, kw_only=True)
class Distribution:
    """How a training job's processes are launched across GPUs and instances (a subclass).

    :param instance_group: default none; with instance groups, the group that runs the distributed
        training (required with more than one group; with one, that one).
    """

    instance_group: str | None = None

    #: The name users know the mode by (the SDK's ``distribution`` key), for messages.
    mode = ""

    def hyperparameters(self, instance_type: Any, groups: Sequence[str]) -> dict[str, Any]:
        """The hyperparameters of this mode (raw values; ``encoded`` writes them)."""
        raise NotImplementedError

    def processes(self) -> int | None:
        """Processes per host, when the mode fixes them."""
        return None

    def needs_gpu(self) -> bool:
        return False

    def allows_trainium(self) -> bool:
        return False

    def minimum_instances(self) -> int:
        return 1

    def supports_instance_groups(self) -> bool:
        """The SDK refuses instance groups unless MPI or SMDDP launches the processes."""
        return False

    def validate(self, v: StepValidator, arg: str) -> None:
        """Checks of the mode's own values (the job checks instance types and counts)."""


@dataclass(frozen=True, kw_only=True)
class TorchDistributed(Distribution):
    """``torchrun`` on every instance, one process per GPU or Trainium core (the SDK's
    ``distribution={"torch_distributed": {"enabled": True}}``): PyTorch DDP, FSDP, and Trainium's
    ``neuronx-distributed``. GPU or Trainium instances only."""

    mode = "torch_distributed"

    def hyperparameters(self, instance_type: Any, groups: Sequence[str]) -> dict[str, Any]:
        return {TORCH_DISTRIBUTED_ENABLED: True, INSTANCE_TYPE: instance_type}

    def needs_gpu(self) -> bool:
        return True

    def allows_trainium(self) -> bool:
        return True


@dataclass(frozen=True, kw_only=True)
class SmdDataParallel(Distribution):
    """The SageMaker distributed data parallelism library (SMDDP, ``smdistributed.dataparallel``):
    AllReduce and AllGather optimized for AWS networks. On the instance types in
    ``SMDDP_INSTANCE_TYPES``, and on at least two instances: its collectives are not supported for
    single-node jobs (the SMDDP team in aws/sagemaker-python-sdk#3490; on one instance use
    ``TorchDistributed``, which uses NCCL).

    :param custom_mpi_options: default none; extra ``mpirun`` options.
    """

    custom_mpi_options: str = ""

    mode = "smdistributed dataparallel"

    def hyperparameters(self, instance_type: Any, groups: Sequence[str]) -> dict[str, Any]:
        values: dict[str, Any] = {INSTANCE_GROUPS: list(groups)} if groups else {}
        values.update(
            {SMDDP_ENABLED: True, INSTANCE_TYPE: instance_type, SMDDP_CUSTOM_MPI_OPTIONS: self.custom_mpi_options}
        )
        return values

    def needs_gpu(self) -> bool:
        return True

    def minimum_instances(self) -> int:
        return 2

    def supports_instance_groups(self) -> bool:
        return True


@dataclass(frozen=True, kw_only=True)
class Mpi(Distribution):
    """``mpirun`` across the instances (Horovod, or your own MPI program).

    :param processes_per_host: default none (the container's default: one); on a GPU instance, at
        most its GPUs (one process per GPU).
    :param custom_mpi_options: default none; extra ``mpirun`` options.
    """

    processes_per_host: int | None = None
    custom_mpi_options: str = ""

    mode = "mpi"

    def hyperparameters(self, instance_type: Any, groups: Sequence[str]) -> dict[str, Any]:
        values: dict[str, Any] = {INSTANCE_GROUPS: list(groups)} if groups else {}
        values[MPI_ENABLED] = True
        if self.processes_per_host:
            values[MPI_PROCESSES_PER_HOST] = self.processes_per_host
        values[MPI_CUSTOM_MPI_OPTIONS] = self.custom_mpi_options
        return values

    def processes(self) -> int | None:
        return self.processes_per_host

    def supports_instance_groups(self) -> bool:
        return True

    def validate(self, v: StepValidator, arg: str) -> None:
        if self.processes_per_host is not None:
            v.range(f"{arg}.processes_per_host", self.processes_per_host, minimum=1)


@dataclass(frozen=True, kw_only=True)
class ParameterServer(Distribution):
    """Parameter servers on every instance (TensorFlow and MXNet containers; the SDK's
    ``{"parameter_server": {"enabled": True}}``). One worker per host: on multi-GPU instances it
    does not use every GPU (the SDK's warning); prefer ``Mpi`` or ``TorchDistributed`` there."""

    mode = "parameter_server"

    def hyperparameters(self, instance_type: Any, groups: Sequence[str]) -> dict[str, Any]:
        return {PARAMETER_SERVER_ENABLED: True}


@dataclass(frozen=True, kw_only=True)
class SmdModelParallel(Distribution):
    """The SageMaker model parallelism library (SMP, ``smdistributed.modelparallel``): the model split
    across GPUs. GPU instances only.

    :param parameters: the library's configuration (``mp_parameters``): SMP v2 takes e.g.
        ``{"hybrid_shard_degree": 8}``, SMP v1 ``{"partitions": 2, "microbatches": 4, ...}``; the
        values the SDK checks are checked here (``pipeline``, ``placement_strategy``, ``optimize``,
        positive counts, booleans, ``ddp`` and ``horovod`` not both).
    :param launcher: default ``TorchDistributed()`` (SMP v2, PyTorch 2); ``Mpi(processes_per_host=
        <GPUs>)`` for SMP v1, which runs under MPI.
    """

    parameters: Mapping[str, Any] = field(default_factory=dict[str, Any])
    launcher: TorchDistributed | Mpi = field(default_factory=TorchDistributed)

    mode = "smdistributed modelparallel"

    def hyperparameters(self, instance_type: Any, groups: Sequence[str]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if isinstance(self.launcher, Mpi):
            values.update(self.launcher.hyperparameters(instance_type, groups))
        elif groups:
            values[INSTANCE_GROUPS] = list(groups)
        values[MODEL_PARALLEL_PARAMETERS] = dict(self.parameters)
        values[SMDDP_ENABLED] = False
        values[INSTANCE_TYPE] = instance_type
        if isinstance(self.launcher, TorchDistributed):
            values[TORCH_DISTRIBUTED_ENABLED] = True
        return values

    def processes(self) -> int | None:
        return self.launcher.processes_per_host if isinstance(self.launcher, Mpi) else None

    def needs_gpu(self) -> bool:
        return True

    def supports_instance_groups(self) -> bool:
        return isinstance(self.launcher, Mpi)

    def validate(self, v: StepValidator, arg: str) -> None:
        if not v.check(
            isinstance(given(self.launcher), (TorchDistributed, Mpi)),
            f"{arg}.launcher",
            self.launcher,
            "must be TorchDistributed() (SMP v2) or Mpi(processes_per_host=...) (SMP v1)",
        ):
            return
        self.launcher.validate(v, f"{arg}.launcher")
        params = self.parameters
        for key, choices in _SMP_CHOICES.items():
            if key in params:
                v.check(params[key] in choices, f"{arg}.parameters[{key!r}]", params[key], f"must be one of {choices}")
        for key in _SMP_POSITIVE:
            if key in params:
                value = params[key]
                v.check(
                    isinstance(value, int) and not isinstance(value, bool) and value >= 1,
                    f"{arg}.parameters[{key!r}]",
                    value,
                    "must be a positive integer",
                )
        for key in _SMP_BOOLEANS:
            if key in params:
                v.check(isinstance(params[key], bool), f"{arg}.parameters[{key!r}]", params[key], "must be a boolean")
        v.check(
            not (params.get("ddp") is True and params.get("horovod") is True),
            f"{arg}.parameters",
            {"ddp": True, "horovod": True},
            "'ddp' and 'horovod' cannot both be enabled",
        )
        if "default_partition" in params and isinstance(params.get("partitions"), int):
            v.check(
                params["default_partition"] < params["partitions"],
                f"{arg}.parameters['default_partition']",
                params["default_partition"],
                f"must be less than partitions ({params['partitions']})",
            )
        if params.get("auto_partition") is False:
            v.check(
                "default_partition" in params,
                f"{arg}.parameters['default_partition']",
                None,
                "is required with auto_partition=False",
            )
        try:
            json.dumps(dict(params))
        except TypeError:
            v.add(f"{arg}.parameters", dict(params), "must be JSON values (numbers, strings, booleans, lists, maps)")


def is_gpu_type(name: str) -> bool:
    return InstanceType(name).family in GPU_FAMILIES


def is_trainium_type(name: str) -> bool:
    family = InstanceType(name).family
    return family is not None and family.startswith("trn")
