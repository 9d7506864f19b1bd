"""botocore's SageMaker service model: the reference for request and response shapes and enums.

Read from the installed botocore (a dependency of boto3) on first use; no AWS call is made.
"""

from __future__ import annotations

import functools
from typing import Any, cast


@functools.cache
def shapes() -> dict[str, Any]:
    # Imported here: botocore takes half a second to import, and only pipelines need its model.
    from botocore.loaders import Loader  # pyright: ignore[reportMissingTypeStubs] - botocore ships no stubs

    loader: Any = Loader()  # the model is plain JSON: typed at this one boundary
    return cast("dict[str, Any]", loader.load_service_model("sagemaker", "service-2")["shapes"])


@functools.cache
def enum(shape_name: str) -> tuple[str, ...]:
    """The values of an enumerated string shape, e.g. ``enum("TrainingInstanceType")``."""
    return tuple(shapes()[shape_name]["enum"])


def shape(name: str) -> dict[str, Any]:
    return shapes()[name]


def most_items(shape_name: str) -> int:
    """Most items of a list or map shape (``TagList``, ``CustomerMetadataMap``: 50)."""
    return int(shape(shape_name)["max"])
