"""botocore's SageMaker service model (see ``constructs_lib._core.service_model``)."""

from __future__ import annotations

from constructs_lib._core.service_model import enum, shape, shapes

__all__ = ["enum", "shape", "shapes"]
