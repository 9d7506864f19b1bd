"""botocore's SageMaker service model: the reference for request shapes, their limits and enums.

Read from the installed botocore (a dependency of boto3) on first use and cached; no AWS call is
made. ``check_shape`` checks a construct's value against the shape of the API member it mirrors::

    check_shape(problems, "variant.initial_instance_count", 3,
                "CreateEndpointConfigInput.ProductionVariants.member.InitialInstanceCount")

Lengths (strings and lists), ranges (numbers), patterns and enums come from the shape; unresolved
tokens are skipped.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Mapping, Sequence, Sized
from typing import Any, cast

from constructs_lib._core.validation import Problems, given, is_unresolved, range_text

Shape = dict[str, Any]
_NUMBERS = ("integer", "long", "float", "double")


@functools.cache
def shapes(service: str = "sagemaker") -> dict[str, Shape]:
    from botocore.loaders import Loader  # pyright: ignore[reportMissingTypeStubs] (botocore ships no stubs)

    model = cast(dict[str, Any], Loader().load_service_model(service, "service-2"))  # pyright: ignore[reportUnknownMemberType]
    return cast(dict[str, Shape], model["shapes"])


def shape(name: str, service: str = "sagemaker") -> Shape:
    return shapes(service)[name]


@functools.cache
def enum(shape_name: str, service: str = "sagemaker") -> tuple[str, ...]:
    """The values of an enumerated string shape, e.g. ``enum("TrainingInstanceType")``."""
    return tuple(cast(list[str], shapes(service)[shape_name]["enum"]))


def _service(path: str) -> tuple[str, str]:
    """``("kinesis", "CreateStreamInput.ShardCount")`` for ``kinesis:CreateStreamInput.ShardCount``;
    a path without a service prefix is SageMaker's."""
    service, _, rest = path.rpartition(":")
    return service or "sagemaker", rest


@functools.cache
def resolve(path: str) -> tuple[str, Shape]:
    """The name and shape at ``path``: a shape name, then member names (``member`` for a list's
    items, ``value`` for a map's values), e.g. ``CreateEndpointConfigInput.ProductionVariants.member.InstanceType``;
    another service's shapes with its prefix (``kinesis:CreateStreamInput.ShardCount``)."""
    service, path = _service(path)
    first, *members = path.split(".")
    name, current = first, shape(first, service)
    for member in members:
        if member in ("member", "value", "key") and member in current:
            name = cast(str, current[member]["shape"])
        else:
            name = cast(str, current["members"][member]["shape"])
        current = shape(name, service)
    return name, current


@functools.cache
def _pattern(source: str) -> re.Pattern[str] | None:
    """botocore's patterns are Java regexes matched against the whole value; the few that Python's
    ``re`` cannot read (``\\p{L}`` classes of tag-like text) are checked by their own rules."""
    try:
        return re.compile(source)
    except re.error:
        return None


def _bounds(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"from {low:g} to {high:g}"
    return f"at least {low:g}" if low is not None else f"at most {high:g}"


def _unresolved(value: Any) -> bool:
    """Whether ``value`` is a token, or a list whose length is known at deploy time only."""
    if isinstance(value, (list, tuple)):
        # A list token (its items are token strings) has a length known at deploy time only.
        return any(isinstance(item, str) and is_unresolved(item) for item in cast(Sequence[Any], value))
    return not isinstance(value, Mapping) and is_unresolved(value)  # a mapping's size is known


def shape_problem(value: Any, path: str) -> str | None:
    """What is wrong with ``value`` for the API member at ``path`` (what is allowed), or ``None``.

    Tokens, and lists with a token as their length unknown, are never wrong."""
    if value is None or _unresolved(value):
        return None
    name, s = resolve(path)
    kind = s["type"]
    low, high = s.get("min"), s.get("max")
    if kind not in _NUMBERS and low == 0:
        low = None  # botocore writes "min": 0 on most strings, lists and maps: no lower bound
    where = f"(botocore {name})"
    if kind in _NUMBERS:
        integer = kind in ("integer", "long")
        allowed = f"{range_text(low, high, integer)} {where}"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return allowed
        number = cast(float, value)
        if integer and not float(number).is_integer():
            return allowed
        if (low is not None and number < low) or (high is not None and number > high):
            return allowed
        return None
    if kind in ("list", "map"):
        if not isinstance(value, (list, tuple, Mapping)):
            return f"must be a {'list' if kind == 'list' else 'mapping'} {where}"
        count = len(cast(Sized, value))
        if (low is not None and count < low) or (high is not None and count > high):
            return f"must hold {_bounds(low, high)} {'items' if kind == 'list' else 'entries'} {where}"
        return None
    if kind != "string":
        return None
    member: object = getattr(value, "value", None)
    text = str(member) if isinstance(member, str) else value  # an Enum member's value
    if not isinstance(text, str):
        return f"must be a string {where}"
    if "enum" in s:
        allowed = enum(name, _service(path)[0])
        if text in allowed:
            return None
        close = difflib.get_close_matches(text, allowed, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        shown = ", ".join(allowed) if len(allowed) <= 12 else f"{len(allowed)} values, e.g. {', '.join(allowed[:3])}"
        return f"must be one of {shown} {where}{hint}"
    if (low is not None and len(text) < low) or (high is not None and len(text) > high):
        return f"must be {_bounds(low, high)} characters long {where}"
    pattern = _pattern(s["pattern"]) if "pattern" in s else None
    if pattern is not None and pattern.fullmatch(text) is None:
        return f"must match the pattern {s['pattern']} {where}"
    return None


def check_shape(problems: Problems, prop: str, value: Any, path: str, *, shown: Any = None) -> bool:
    """Record a problem of ``prop`` unless ``value`` fits the API member at ``path``. Returns validity.
    The problem shows ``shown`` instead of the value when given (e.g. a list's length)."""
    problem = shape_problem(value, path)
    if problem is not None:
        problems.add(prop, value if shown is None else shown, problem)
    return problem is None


#: botocore's instance-type lists, by the API that takes the type.
PRODUCTION_VARIANT_INSTANCE_TYPE = "ProductionVariantInstanceType"
TRAINING_INSTANCE_TYPE = "TrainingInstanceType"
PROCESSING_INSTANCE_TYPE = "ProcessingInstanceType"
TRANSFORM_INSTANCE_TYPE = "TransformInstanceType"
NOTEBOOK_INSTANCE_TYPE = "InstanceType"
STUDIO_APP_INSTANCE_TYPE = "AppInstanceType"


def instance_type_problem(name: str, shape_name: str) -> str | None:
    """What is wrong with the instance type ``name`` for the API whose botocore enum is
    ``shape_name`` (with close matches), or ``None`` (also for a token)."""
    if is_unresolved(name):
        return None
    allowed = enum(shape_name)
    if name in allowed:
        return None
    close: list[str] = []
    if isinstance(given(name), str):
        lower = name.lower()
        exact = [c for c in (lower, f"ml.{lower}") if c in allowed]  # ML.M5.LARGE, m5.large
        close = [*exact, *(c for c in difflib.get_close_matches(lower, allowed, n=3) if c not in exact)][:3]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return (
        f"must be one of the {len(allowed)} instance types SageMaker accepts here "
        f"(botocore {shape_name}, e.g. ml.m5.xlarge){hint}"
    )


def check_instance_type(problems: Problems, prop: str, value: object, shape_name: str) -> bool:
    """An ``InstanceType`` (or its name) that the API of ``shape_name`` accepts. ``None`` passes."""
    if value is None:
        return True
    name = value if isinstance(value, str) else str(value)
    problem = instance_type_problem(name, shape_name)
    if problem is not None:
        problems.add(prop, name, problem)
    return problem is None
