"""botocore's SageMaker service model (see ``constructs_lib._core.service_model``)."""

from __future__ import annotations

from constructs_lib._core.service_model import enum, shape, shapes


def most_items(shape_name: str) -> int:
    """Most items of a list or map shape (``TagList``, ``CustomerMetadataMap``: 50)."""
    return int(shape(shape_name)["max"])


__all__ = ["enum", "most_items", "shape", "shapes"]
