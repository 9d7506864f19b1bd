"""botocore's service models of the pipeline's steps: SageMaker's (see ``constructs_lib._core.service_model``),
and, for shape names written ``"<service>:<Shape>"`` (``"emr:Step"``), another service's."""

from __future__ import annotations

import functools
from typing import Any, cast

from constructs_lib._core.service_model import Shape, enum, shapes
from constructs_lib._core.service_model import shape as _sagemaker_shape

_SEPARATOR = ":"


@functools.cache
def service_shapes(service: str) -> dict[str, Shape]:
    """The shapes of botocore's model of ``service`` (``emr``), read once; no AWS call."""
    from botocore.loaders import Loader  # pyright: ignore[reportMissingTypeStubs] (botocore ships no stubs)

    model = cast(dict[str, Any], Loader().load_service_model(service, "service-2"))  # pyright: ignore[reportUnknownMemberType]
    return cast(dict[str, Shape], model["shapes"])


def shape(name: str) -> Shape:
    """A SageMaker shape, or ``"<service>:<Shape>"`` of another service."""
    if _SEPARATOR in name:
        service, local = name.split(_SEPARATOR, 1)
        return service_shapes(service)[local]
    return _sagemaker_shape(name)


def child(parent: str, name: str) -> str:
    """The qualified name of shape ``name`` met inside shape ``parent`` (same service)."""
    if _SEPARATOR in parent:
        return f"{parent.split(_SEPARATOR, 1)[0]}{_SEPARATOR}{name}"
    return name


def service_enum(qualified: str) -> tuple[str, ...]:
    """The values of an enumerated string shape of any service (``"emr:ActionOnFailure"``)."""
    return tuple(cast(list[str], shape(qualified)["enum"]))


def most_items(shape_name: str) -> int:
    """Most items of a list or map shape (``TagList``, ``CustomerMetadataMap``: 50)."""
    return int(shape(shape_name)["max"])


__all__ = ["child", "enum", "most_items", "service_enum", "service_shapes", "shape", "shapes"]
