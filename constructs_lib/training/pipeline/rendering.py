"""Turning step arguments (literals, expressions, buckets, keys, roles) into definition JSON."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from constructs_lib.training.pipeline.expressions import Expression

#: Nothing public: the builder's serializer (``PipelineDefinition.render()`` is the API).
__all__: list[str] = []

#: Called for every expression met while rendering, with its JSON path (``Arguments.X[0].Y``).
Collector = Callable[[str, Expression], None]


def render(value: Any, collect: Collector | None = None, path: str = "") -> Any:
    """``value`` as JSON-ready data: expressions become their ``Get``/``Std:*`` dicts, an
    ``S3Location`` its ``s3://`` URI, a key its ARN, a role (or ``JobRole``) its ARN."""
    from constructs_lib.foundation.s3_location import S3Location

    if isinstance(value, Expression):
        if collect is not None:
            collect(path, value)
            from constructs_lib.training.pipeline.expressions import Join

            if isinstance(value, Join):
                for index, item in enumerate(value.values):
                    if isinstance(item, Expression):
                        render(item, collect, f"{path}.Std:Join.Values[{index}]")
        return value.expr
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, S3Location):
        return value.uri
    if isinstance(value, Mapping):
        return {key: render(item, collect, f"{path}.{key}" if path else str(key)) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [render(item, collect, f"{path}[{index}]") for index, item in enumerate(value)]
    if hasattr(value, "role_arn"):
        return value.role_arn
    if hasattr(value, "key_arn"):
        return value.key_arn
    if hasattr(value, "key") and hasattr(value.key, "key_arn"):  # EncryptionKey
        return value.key.key_arn
    raise TypeError(f"{path or 'value'}={value!r}: cannot be written into a pipeline definition")


def prune(request: dict[str, Any]) -> dict[str, Any]:
    """Drop ``None`` values and empty containers (the API's "not given"), recursively."""
    result: dict[str, Any] = {}
    for key, value in request.items():
        value = _prune_value(value)
        if value is None or (isinstance(value, (dict, list)) and not value):
            continue
        result[key] = value
    return result


def _prune_value(value: Any) -> Any:
    if isinstance(value, dict):
        return prune(value)
    if isinstance(value, list):
        return [_prune_value(item) for item in value]
    return value


def as_api_string(value: Any) -> Any:
    """A value for an API member that only takes strings (hyperparameters, environment, container
    arguments): numbers and booleans are written as strings, non-string expressions are wrapped in a
    one-value ``Std:Join`` (as the SageMaker Python SDK's ``to_string()`` does)."""
    if isinstance(value, Expression):
        from constructs_lib.training.pipeline.expressions import STRING

        return value if value.kind == STRING else value.to_string()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value
