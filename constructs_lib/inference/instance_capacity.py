"""What one hosting instance offers to inference components: vCPUs, memory and accelerators.

An inference component reserves CPU cores, memory and accelerators for each of its copies, and a
copy must fit on one instance of its endpoint. SageMaker checks this only when it places the copies
(the deployment then fails after the endpoint exists), so the endpoint and its components check it
at synth from this table, which holds exactly the instance types the components' endpoint accepts.

Source: the Amazon EC2 instance type specifications (https://docs.aws.amazon.com/ec2/latest/instancetypes/
``gp.html``, ``co.html``, ``mo.html``, ``ac.html``: vCPUs, memory in GiB, NVIDIA GPUs) for the EC2 type
each ``ml.`` type runs on; transcribed 2026-12, not fetched at synth. Memory here is the instance's
nominal memory: SageMaker keeps part of it (and of the vCPUs) for its own agents, so a reservation of
the whole instance still fails to place; leave some headroom. Inferentia and Trainium types are left
out: SageMaker counts their accelerators in Neuron devices, which this table does not record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

#: The public names (the others serve the library's own modules).
__all__ = ["INSTANCE_CAPACITY", "INSTANCE_CAPACITY_SOURCE", "InstanceCapacity"]

INSTANCE_CAPACITY_SOURCE = (
    "Amazon EC2 instance type specifications (https://docs.aws.amazon.com/ec2/latest/instancetypes/), "
    "vCPUs, memory and NVIDIA GPUs of the EC2 type behind each ml. type; transcribed 2026-12."
)


@dataclass(frozen=True)
class InstanceCapacity:
    """One instance's vCPUs, memory (MiB) and accelerator devices (GPUs)."""

    vcpus: int
    memory_mb: int
    accelerators: int = 0


def _family(family: str, sizes: Mapping[str, tuple[int, int, int]]) -> dict[str, InstanceCapacity]:
    return {
        f"ml.{family}.{size}": InstanceCapacity(vcpus, gib * 1024, gpus) for size, (vcpus, gib, gpus) in sizes.items()
    }


# (vCPUs, memory GiB, GPUs) per size.
_M5 = {
    "large": (2, 8, 0),
    "xlarge": (4, 16, 0),
    "2xlarge": (8, 32, 0),
    "4xlarge": (16, 64, 0),
    "12xlarge": (48, 192, 0),
    "24xlarge": (96, 384, 0),
}
_C5 = {
    "large": (2, 4, 0),
    "xlarge": (4, 8, 0),
    "2xlarge": (8, 16, 0),
    "4xlarge": (16, 32, 0),
    "9xlarge": (36, 72, 0),
    "18xlarge": (72, 144, 0),
}
_R5 = {
    "large": (2, 16, 0),
    "xlarge": (4, 32, 0),
    "2xlarge": (8, 64, 0),
    "4xlarge": (16, 128, 0),
    "12xlarge": (48, 384, 0),
    "24xlarge": (96, 768, 0),
}
_SIXTH_SIZES = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge")
_SIXTH_VCPUS = (2, 4, 8, 16, 32, 48, 64, 96, 128)
# g5 and g6 share their sizes: 1 GPU up to 16xlarge except 12xlarge (4), 24xlarge (4) and 48xlarge (8).
_G5 = {
    "xlarge": (4, 16, 1),
    "2xlarge": (8, 32, 1),
    "4xlarge": (16, 64, 1),
    "8xlarge": (32, 128, 1),
    "12xlarge": (48, 192, 4),
    "16xlarge": (64, 256, 1),
    "24xlarge": (96, 384, 4),
    "48xlarge": (192, 768, 8),
}

#: The instance types an ``InferenceComponentEndpoint`` accepts, with what one instance offers.
INSTANCE_CAPACITY: dict[str, InstanceCapacity] = {
    **_family("t2", {"medium": (2, 4, 0), "large": (2, 8, 0), "xlarge": (4, 16, 0), "2xlarge": (8, 32, 0)}),
    **_family("m5", _M5),
    **_family("m5d", _M5),
    **_family("c5", _C5),
    **_family("c5d", _C5),
    **_family("r5", _R5),
    **_family("r5d", _R5),
    **_family("m6i", {s: (v, v * 4, 0) for s, v in zip(_SIXTH_SIZES, _SIXTH_VCPUS, strict=True)}),
    **_family("c6i", {s: (v, v * 2, 0) for s, v in zip(_SIXTH_SIZES, _SIXTH_VCPUS, strict=True)}),
    **_family("r6i", {s: (v, v * 8, 0) for s, v in zip(_SIXTH_SIZES, _SIXTH_VCPUS, strict=True)}),
    **_family(
        "g4dn",
        {
            "xlarge": (4, 16, 1),
            "2xlarge": (8, 32, 1),
            "4xlarge": (16, 64, 1),
            "8xlarge": (32, 128, 1),
            "12xlarge": (48, 192, 4),
            "16xlarge": (64, 256, 1),
        },
    ),
    **_family("g5", _G5),
    **_family("g6", _G5),
    **_family("g6e", {s: (v, gib * 2, g) for s, (v, gib, g) in _G5.items()}),
    **_family("p3", {"2xlarge": (8, 61, 1), "8xlarge": (32, 244, 4), "16xlarge": (64, 488, 8)}),
    **_family("p4d", {"24xlarge": (96, 1152, 8)}),
    **_family("p5", {"48xlarge": (192, 2048, 8)}),
}
