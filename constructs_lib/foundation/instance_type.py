"""``InstanceType``: the SageMaker instance type of an endpoint variant, a job, a notebook or a Studio app.

An open set, so a value class: constants for common types and ``InstanceType.of("ml.g5.xlarge")``
for the others. Each construct checks the type at synth against botocore's list for the API that
takes it (``ProductionVariantInstanceType``, ``TrainingInstanceType``, ``ProcessingInstanceType``,
``TransformInstanceType``, the notebook ``InstanceType``, Studio's ``AppInstanceType``) and suggests
close matches; an unresolved token (a ``CfnParameter``, an SSM value) is accepted unchecked.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import ClassVar

from constructs_lib._core import service_model
from constructs_lib._core.validation import is_unresolved

#: The public names (the others serve the library's own modules).
__all__ = [
    "INSTANCE_STORAGE_FAMILIES",
    "InstanceType",
    "InstanceTypeApi",
]


class InstanceTypeApi(StrEnum):
    """The APIs that take an instance type, each with its own list in botocore (the member's value)."""

    #: Endpoint production variants (``ProductionVariantInstanceType``).
    ENDPOINT = service_model.PRODUCTION_VARIANT_INSTANCE_TYPE
    #: Training and tuning jobs (``TrainingInstanceType``).
    TRAINING = service_model.TRAINING_INSTANCE_TYPE
    #: Processing jobs and Model Monitor (``ProcessingInstanceType``).
    PROCESSING = service_model.PROCESSING_INSTANCE_TYPE
    #: Batch transform jobs (``TransformInstanceType``).
    TRANSFORM = service_model.TRANSFORM_INSTANCE_TYPE
    #: Notebook instances (``InstanceType``).
    NOTEBOOK = service_model.NOTEBOOK_INSTANCE_TYPE
    #: Studio apps and spaces (``AppInstanceType``).
    STUDIO_APP = service_model.STUDIO_APP_INSTANCE_TYPE


_INSTANCE_TYPE = re.compile(r"^ml\.(?P<family>[a-z0-9]+(?:-[a-z0-9]+)?)\.(?P<size>[0-9]*[a-z0-9]+)$")

#: Instance families with NVMe SSD instance storage, where SageMaker uses the instance store instead
#: of an EBS volume. Instance-store volumes are encrypted by the instance's hardware, and
#: ``CreateEndpointConfig`` fails when ``KmsKeyId`` is set with one of them, so endpoints skip the
#: volume key for these families. Source: the EC2 instance-type specifications ("Instance storage:
#: NVMe SSD") and the SageMaker ``KmsKeyId`` documentation. Families not listed (m5, c5, r5, m6i,
#: c7i, p3, t2, and Inferentia's inf1 and inf2, which EC2 lists as EBS-only) get the volume key.
INSTANCE_STORAGE_FAMILIES: dict[str, str] = {
    "m5d": "general purpose, NVMe SSD",
    "c5d": "compute optimized, NVMe SSD",
    "r5d": "memory optimized, NVMe SSD",
    "m6gd": "Graviton general purpose, NVMe SSD",
    "c6gd": "Graviton compute optimized, NVMe SSD",
    "r6gd": "Graviton memory optimized, NVMe SSD",
    "r7gd": "Graviton memory optimized, NVMe SSD",
    "g4dn": "NVIDIA T4, NVMe SSD",
    "g5": "NVIDIA A10G, NVMe SSD",
    "g6": "NVIDIA L4, NVMe SSD",
    "g6e": "NVIDIA L40S, NVMe SSD",
    "g7e": "NVIDIA RTX PRO 6000 Blackwell, NVMe SSD",
    "g7": "newer than this table's sources: treated as instance-store so that no KmsKeyId breaks CreateEndpointConfig",
    "p4d": "NVIDIA A100, NVMe SSD",
    "p4de": "NVIDIA A100 80 GB, NVMe SSD",
    "p5": "NVIDIA H100, NVMe SSD",
    "p5e": "NVIDIA H200, NVMe SSD",
    "p5en": "NVIDIA H200, NVMe SSD",
    "p6-b200": "NVIDIA B200, NVMe SSD",
    "p6-b300": "NVIDIA B300, NVMe SSD",
    "p6e-gb200": "NVIDIA GB200, NVMe SSD",
    "dl1": "Habana Gaudi, NVMe SSD",
    "trn1": "AWS Trainium, NVMe SSD",
    "trn1n": "AWS Trainium, NVMe SSD",
    "trn2": "AWS Trainium2, NVMe SSD",
}

#: Families with NVIDIA GPUs.
GPU_FAMILIES: frozenset[str] = frozenset(
    {
        "p2",
        "p3",
        "p4d",
        "p4de",
        "p5",
        "p5e",
        "p5en",
        "p6-b200",
        "p6-b300",
        "p6e-gb200",
        "g4dn",
        "g5",
        "g6",
        "g6e",
        "g7",
        "g7e",
    }
)
#: Families with other accelerators (Inferentia, Trainium, Gaudi).
ACCELERATOR_FAMILIES: frozenset[str] = frozenset({"inf1", "inf2", "trn1", "trn1n", "trn2", "dl1"})


class InstanceType:
    """A SageMaker instance type: ``InstanceType.ML_M5_LARGE`` or ``InstanceType.of("ml.g5.xlarge")``.

    ``of`` takes any name, or an unresolved token (known only at deploy time); the construct that
    receives it checks the name against what its API accepts. A token's family is unknown: it is
    neither GPU nor instance-store (an endpoint then sets the volume key; pass a literal for an
    instance-store type).
    """

    ML_T2_MEDIUM: ClassVar[InstanceType]
    ML_T3_MEDIUM: ClassVar[InstanceType]
    ML_M5_LARGE: ClassVar[InstanceType]
    ML_M5_XLARGE: ClassVar[InstanceType]
    ML_M5_2XLARGE: ClassVar[InstanceType]
    ML_C5_XLARGE: ClassVar[InstanceType]
    ML_C6I_XLARGE: ClassVar[InstanceType]
    ML_R5_XLARGE: ClassVar[InstanceType]
    ML_G4DN_XLARGE: ClassVar[InstanceType]
    ML_G5_XLARGE: ClassVar[InstanceType]
    ML_G5_2XLARGE: ClassVar[InstanceType]
    ML_P3_2XLARGE: ClassVar[InstanceType]
    ML_INF2_XLARGE: ClassVar[InstanceType]

    def __init__(self, name: str) -> None:
        self.name = name
        match = None if is_unresolved(name) else _INSTANCE_TYPE.match(name)
        self.family: str | None = match["family"] if match else None

    @staticmethod
    def of(name: str) -> InstanceType:
        """The instance type ``name`` (e.g. ``ml.g5.xlarge``), or an unresolved token."""
        return InstanceType(name)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"InstanceType({self.name!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InstanceType) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    @property
    def is_unresolved(self) -> bool:
        """True for a token: the name is only known at deploy time."""
        return is_unresolved(self.name)

    @property
    def is_valid(self) -> bool:
        """True for names of the form ``ml.<family>.<size>`` (and for tokens)."""
        return self.family is not None or self.is_unresolved

    def problem(self, api: InstanceTypeApi) -> str | None:
        """Why ``api`` would refuse this type (with close matches), or ``None``: it takes it, or the
        name is a token. Constructs check this themselves; configuration code can call it early."""
        return service_model.instance_type_problem(self.name, api)

    @property
    def is_gpu(self) -> bool:
        return self.family in GPU_FAMILIES

    @property
    def is_accelerated(self) -> bool:
        """GPU, Inferentia, Trainium or Gaudi."""
        return self.is_gpu or self.family in ACCELERATOR_FAMILIES

    @property
    def has_instance_storage(self) -> bool:
        """NVMe instance store: the endpoint's volume key must be left out (see ``INSTANCE_STORAGE_FAMILIES``)."""
        return self.family in INSTANCE_STORAGE_FAMILIES

    @property
    def is_inf1(self) -> bool:
        """Inf1 endpoints cannot use deployment guardrails or shadow variants."""
        return self.family == "inf1"


InstanceType.ML_T2_MEDIUM = InstanceType("ml.t2.medium")
InstanceType.ML_T3_MEDIUM = InstanceType("ml.t3.medium")
InstanceType.ML_M5_LARGE = InstanceType("ml.m5.large")
InstanceType.ML_M5_XLARGE = InstanceType("ml.m5.xlarge")
InstanceType.ML_M5_2XLARGE = InstanceType("ml.m5.2xlarge")
InstanceType.ML_C5_XLARGE = InstanceType("ml.c5.xlarge")
InstanceType.ML_C6I_XLARGE = InstanceType("ml.c6i.xlarge")
InstanceType.ML_R5_XLARGE = InstanceType("ml.r5.xlarge")
InstanceType.ML_G4DN_XLARGE = InstanceType("ml.g4dn.xlarge")
InstanceType.ML_G5_XLARGE = InstanceType("ml.g5.xlarge")
InstanceType.ML_G5_2XLARGE = InstanceType("ml.g5.2xlarge")
InstanceType.ML_P3_2XLARGE = InstanceType("ml.p3.2xlarge")
InstanceType.ML_INF2_XLARGE = InstanceType("ml.inf2.xlarge")


def as_instance_type(value: InstanceType | str) -> InstanceType:
    return value if isinstance(value, InstanceType) else InstanceType(value)
