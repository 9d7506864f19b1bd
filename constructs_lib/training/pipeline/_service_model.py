"""botocore's SageMaker service model: the reference for request and response shapes and enums.

Read from the installed botocore (a dependency of boto3) on first use; no AWS call is made.
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def shapes() -> dict[str, Any]:
    from botocore.loaders import Loader

    return Loader().load_service_model("sagemaker", "service-2")["shapes"]


@functools.cache
def enum(shape_name: str) -> tuple[str, ...]:
    """The values of an enumerated string shape, e.g. ``enum("TrainingInstanceType")``."""
    return tuple(shapes()[shape_name]["enum"])


def shape(name: str) -> dict[str, Any]:
    return shapes()[name]
