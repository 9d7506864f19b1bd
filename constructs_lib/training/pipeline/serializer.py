"""The one place pipeline values become definition JSON.

Every JSON form of a pipeline definition is written here: expressions (``Get`` of parameters,
execution variables, step properties and output parameters; ``Std:Join``; ``Std:JsonGet``),
property files, and step arguments (literals, ``S3Location`` URIs, key and role ARNs, nested
mappings and lists). Expressions, steps and conditions describe values and call this module to
write them; this module imports none of them: it knows an expression only as a ``Renderable``,
the base class ``expressions.Expression`` extends.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from typing import Any, cast

from constructs_lib._core.stack_facts import read_once
from constructs_lib.foundation.instance_type import InstanceType
from constructs_lib.foundation.s3_location import S3Location

#: Nothing here is public: the builder's own serializer.
__all__: list[str] = []

#: The kinds of pipeline values, spelled as the definition's parameter ``Type`` (``Any`` when a
#: value's type is unknowable, such as a value read from a JSON report; ``Object`` for structures).
STRING, INTEGER, FLOAT, BOOLEAN, ANY, OBJECT = "String", "Integer", "Float", "Boolean", "Any", "Object"


class Renderable:
    """A value only known when the pipeline runs, written as a ``Get``/``Std:*`` expression.

    Subclasses give ``template()``: their JSON with nested values (other expressions, locations)
    still unrendered, so that ``render`` reports every nested expression to its collector.
    """

    @property
    def kind(self) -> str:
        """``String``, ``Integer``, ``Float``, ``Boolean``, ``Any`` or ``Object``."""
        return ANY

    def template(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_string(self) -> Renderable:
        """This value as a String expression (a one-value ``Std:Join``)."""
        raise NotImplementedError

    @property
    def expr(self) -> dict[str, Any]:
        """The expression as definition JSON."""
        return cast("dict[str, Any]", render(self))


#: Called for every expression met while rendering, with its JSON path (``Arguments.X[0].Y``).
Collector = Callable[[str, Renderable], None]


# --- expressions ------------------------------------------------------------------------------------


def get(path: str) -> dict[str, Any]:
    """``{"Get": path}``: a value of the running execution."""
    return {"Get": path}


def parameter(name: str) -> dict[str, Any]:
    return get(f"Parameters.{name}")


def execution_variable(name: str) -> dict[str, Any]:
    return get(f"Execution.{name}")


def step_property(step_name: str, path: str) -> dict[str, Any]:
    """A property of a step's ``Describe*`` response; ``path`` as ``member_path`` and ``index_path`` build it."""
    return get(f"Steps.{step_name}{path}")


def member_path(path: str, member: str) -> str:
    """``path`` followed by a structure member: ``.Member``."""
    return f"{path}.{member}"


def index_path(path: str, key: int | str) -> str:
    """``path`` followed by a list index (``[0]``) or a list or map key (``['key']``)."""
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}['{key}']"


def output_parameter(step_name: str, output_name: str) -> dict[str, Any]:
    """An output parameter a Lambda or callback step returns."""
    return get(f"Steps.{step_name}.OutputParameters['{output_name}']")


def join(on: str, values: Sequence[Any]) -> dict[str, Any]:
    """``Std:Join`` of ``values`` (unrendered) on ``on``."""
    return {"Std:Join": {"On": on, "Values": list(values)}}


def json_get(step_name: str, property_file_name: str, json_path: str) -> dict[str, Any]:
    """``Std:JsonGet``: a value read with a JSON path from a processing step's property file."""
    return {
        "Std:JsonGet": {
            "PropertyFile": get(f"Steps.{step_name}.PropertyFiles.{property_file_name}"),
            "Path": json_path,
        }
    }


def property_file(name: str, output_name: str, path: str) -> dict[str, str]:
    """A processing step's ``PropertyFiles`` entry."""
    return {"PropertyFileName": name, "OutputName": output_name, "FilePath": path}


# --- step arguments ---------------------------------------------------------------------------------


def render(value: Any, collect: Collector | None = None, path: str = "") -> Any:
    """``value`` as JSON-ready data: expressions become their ``Get``/``Std:*`` dicts, an
    ``S3Location`` its ``s3://`` URI, an enum member its value, an ``InstanceType`` its name, a key
    its ARN, a role (or ``JobRole``) its ARN, a ``ContainerImage`` its URI."""
    if isinstance(value, Renderable):
        if collect is not None:
            collect(path, value)
        return {function: render(body, collect, f"{path}.{function}") for function, body in value.template().items()}
    if isinstance(value, Enum):
        return render(value.value, collect, path)
    if isinstance(value, InstanceType):
        return value.name
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, S3Location):
        return value.uri
    if isinstance(value, Mapping):
        items = cast("Mapping[Any, Any]", value)
        return {key: render(item, collect, f"{path}.{key}" if path else str(key)) for key, item in items.items()}
    if isinstance(value, (list, tuple)):
        members = cast("Sequence[Any]", value)
        return [render(item, collect, f"{path}[{index}]") for index, item in enumerate(members)]
    if hasattr(value, "image_uri") and hasattr(value, "bind"):  # a ContainerImage (bound by MlPipeline)
        try:
            return value.image_uri
        except ValueError as error:
            raise TypeError(str(error)) from None
    if _has(value, "role_arn"):
        return read_once(value, "role_arn")
    if _has(value, "key_arn"):
        return read_once(value, "key_arn")
    if _has(value, "key") and _has(value.key, "key_arn"):  # EncryptionKey
        return read_once(value.key, "key_arn")
    raise TypeError(f"{path or 'value'}={value!r}: cannot be written into a pipeline definition")


def _has(value: object, name: str) -> bool:
    """``hasattr(value, name)``, without reading the property (a round trip to Node) where the class
    declares it, as jsii's classes and the library's do; other objects (jsii's proxies of several
    interfaces) are asked."""
    return hasattr(type(value), name) or hasattr(value, name)


def prune(request: Mapping[str, Any]) -> dict[str, Any]:
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
        return prune(cast("dict[str, Any]", value))
    if isinstance(value, list):
        return [_prune_value(item) for item in cast("list[Any]", value)]
    return value


def as_api_string(value: Any) -> Any:
    """A value for an API member that only takes strings (hyperparameters, environment, container
    arguments): numbers and booleans are written as strings, non-string expressions are wrapped in a
    one-value ``Std:Join`` (as the SageMaker Python SDK's ``to_string()`` does)."""
    if isinstance(value, Renderable):
        return value if value.kind == STRING else value.to_string()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value
