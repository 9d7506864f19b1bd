"""Values known only when a pipeline runs: parameters, step properties, execution variables, and
the functions that combine them (``Join``, ``JsonGet``).

Every expression has a ``kind`` (String, Integer, Float, Boolean; ``Any`` when unknowable, such as a
value read from a JSON report) so that steps can refuse, at synth, a value of the wrong type.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar, Protocol

from constructs_lib._core.validation import invalid
from constructs_lib.foundation.s3_location import S3Location
from constructs_lib.training.pipeline import _service_model, serializer
from constructs_lib.training.pipeline.serializer import ANY, BOOLEAN, FLOAT, INTEGER, OBJECT, STRING, Renderable

#: The public names (the others serve the library's own modules).
__all__ = [
    "ExecutionVariable",
    "ExecutionVariables",
    "Expression",
    "Join",
    "JsonGet",
    "Parameter",
    "ParameterBoolean",
    "ParameterFloat",
    "ParameterInteger",
    "ParameterString",
    "Property",
    "PropertyFile",
    "S3Join",
]

PARAMETER_NAME = re.compile(r"^[A-Za-z0-9\-_]{1,64}$")


class StepReference(Protocol):
    """What an expression knows of the step whose result it reads: the step's name (a ``Step``)."""

    @property
    def name(self) -> str: ...


class Expression(Renderable):
    """A value a pipeline execution computes; renders as a ``Get``/``Std:*`` expression."""

    def referenced_steps(self) -> Sequence[StepReference]:
        """Steps whose outputs this expression reads."""
        return []

    def referenced_parameters(self) -> list[Parameter]:
        return []

    def to_string(self) -> Join:
        """This value as a string (a one-value ``Std:Join``), for arguments that only take strings."""
        return Join(on="", values=[self])

    def __str__(self) -> str:
        raise TypeError(
            f"{self!r} is only known when the pipeline runs and cannot be formatted into a Python string; "
            "use Join(on='/', values=[...]) to build strings from it"
        )

    def __bool__(self) -> bool:
        raise TypeError(f"{self!r} is only known when the pipeline runs; use a ConditionStep to branch on it")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.expr})"


# --- parameters ------------------------------------------------------------------------------------


class Parameter(Expression):
    """A pipeline parameter, set when an execution starts (``DefaultValue`` otherwise)."""

    type_name: ClassVar[str] = ""
    python_types: ClassVar[tuple[type, ...]] = ()

    def __init__(self, name: str, *, default_value: Any = None, description: str | None = None) -> None:
        self.name = name
        self.default_value = default_value
        self.description = description

    @property
    def kind(self) -> str:
        return self.type_name

    def template(self) -> dict[str, Any]:
        return serializer.parameter(self.name)

    def referenced_parameters(self) -> list[Parameter]:
        return [self]

    def to_definition(self) -> dict[str, Any]:
        definition: dict[str, Any] = {"Name": self.name, "Type": self.type_name}
        if self.default_value is not None:
            definition["DefaultValue"] = self.default_value
        if self.description:
            definition["Description"] = self.description
        return definition

    def default_is_valid(self) -> bool:
        value = self.default_value
        if value is None:
            return True
        if isinstance(value, bool) and bool not in self.python_types:
            return False
        return isinstance(value, self.python_types)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class ParameterString(Parameter):
    type_name = STRING
    python_types = (str,)


class ParameterInteger(Parameter):
    type_name = INTEGER
    python_types = (int,)


class ParameterFloat(Parameter):
    type_name = FLOAT
    python_types = (int, float)


class ParameterBoolean(Parameter):
    type_name = BOOLEAN
    python_types = (bool,)


# --- execution variables ------------------------------------------------------------------------------


class ExecutionVariable(Expression):
    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def kind(self) -> str:
        return STRING

    def template(self) -> dict[str, Any]:
        return serializer.execution_variable(self.name)


class ExecutionVariables:
    """Values of the running execution (``{"Get": "Execution.<name>"}``)."""

    PIPELINE_EXECUTION_ID = ExecutionVariable("PipelineExecutionId")
    PIPELINE_EXECUTION_ARN = ExecutionVariable("PipelineExecutionArn")
    PIPELINE_NAME = ExecutionVariable("PipelineName")
    PIPELINE_ARN = ExecutionVariable("PipelineArn")
    START_DATETIME = ExecutionVariable("StartDateTime")
    CURRENT_DATETIME = ExecutionVariable("CurrentDateTime")


# --- functions -------------------------------------------------------------------------------------


class Join(Expression):
    """``Std:Join``: values (literals or expressions) joined into one string."""

    def __init__(self, *, values: Sequence[Any], on: str = "") -> None:
        self.on = on
        self.values = list(values)

    @property
    def kind(self) -> str:
        return STRING

    def template(self) -> dict[str, Any]:
        return serializer.join(self.on, self.values)

    def referenced_steps(self) -> list[StepReference]:
        return [step for value in self.values if isinstance(value, Expression) for step in value.referenced_steps()]

    def referenced_parameters(self) -> list[Parameter]:
        return [p for value in self.values if isinstance(value, Expression) for p in value.referenced_parameters()]

    def __repr__(self) -> str:
        return f"Join(on={self.on!r}, values={self.values!r})"


class S3Join(Join):
    """An S3 URI under ``location`` with parts known at run time, e.g. one prefix per execution::

        S3Join(S3Location(artifacts, "pipelines/training"), ExecutionVariables.PIPELINE_EXECUTION_ID, "train")

    Renders as ``Std:Join`` on '/'; keeps ``location`` so that roles can be granted that prefix.
    """

    def __init__(self, location: S3Location, *parts: Any) -> None:
        super().__init__(on="/", values=[location.uri.rstrip("/"), *parts])
        self.location = location

    def __repr__(self) -> str:
        return f"S3Join({self.location.prefix!r}, ...)"


class PropertyFile:
    """A JSON file a processing step writes to one of its outputs, readable with ``JsonGet``.

    :param name: the property file's name (unique in its step).
    :param output_name: the processing output the file is written to.
    :param path: the file's path under that output, e.g. ``evaluation.json``.
    """

    def __init__(self, name: str, *, output_name: str, path: str) -> None:
        self.name = name
        self.output_name = output_name
        self.path = path

    @property
    def expr(self) -> dict[str, str]:
        return serializer.property_file(self.name, self.output_name, self.path)

    def __repr__(self) -> str:
        return f"PropertyFile({self.name!r}, output_name={self.output_name!r}, path={self.path!r})"


class JsonGet(Expression):
    """``Std:JsonGet``: a value read from a processing step's property file with a JSON path.

    :param step: the ``ProcessingStep`` that declares ``property_file`` (the pipeline checks it).
    :param kind: default ``Any``; declare ``Float``/``Integer``/``String``/``Boolean`` to have
        conditions check the other operand against it.
    """

    def __init__(
        self, *, step: StepReference, property_file: PropertyFile | str, json_path: str, kind: str = ANY
    ) -> None:
        self.step = step
        self.property_file = property_file
        self.json_path = json_path
        self._kind = kind

    @property
    def kind(self) -> str:
        return self._kind

    @property
    def property_file_name(self) -> str:
        return self.property_file if isinstance(self.property_file, str) else self.property_file.name

    def template(self) -> dict[str, Any]:
        return serializer.json_get(self.step.name, self.property_file_name, self.json_path)

    def referenced_steps(self) -> list[StepReference]:
        return [self.step]


# --- step properties -----------------------------------------------------------------------------


_KINDS_BY_SHAPE_TYPE = {
    "string": STRING,
    "timestamp": STRING,
    "integer": INTEGER,
    "long": INTEGER,
    "float": FLOAT,
    "double": FLOAT,
    "boolean": BOOLEAN,
}


class Property(Expression):
    """A property of a step's result, e.g. ``training.properties.ModelArtifacts.S3ModelArtifacts``.

    Attributes and indexes are checked against the step's ``Describe*`` response shape in botocore's
    SageMaker model, so a typo fails when the line runs, naming the members that exist.
    """

    _step: StepReference
    _shape_name: str | tuple[str, ...]
    _path: str

    def __init__(self, step: StepReference, shape_name: str | tuple[str, ...], path: str = "") -> None:
        object.__setattr__(self, "_step", step)
        object.__setattr__(self, "_shape_name", shape_name)
        object.__setattr__(self, "_path", path)

    @property
    def step(self) -> StepReference:
        return self._step

    @property
    def path(self) -> str:
        """``Steps.<step name><path>``."""
        return f"Steps.{self.step.name}{self._path}"

    @property
    def kind(self) -> str:
        names = self._shape_names()
        if len(names) != 1:
            return OBJECT
        return _KINDS_BY_SHAPE_TYPE.get(_service_model.shape(names[0])["type"], OBJECT)

    def template(self) -> dict[str, Any]:
        return serializer.step_property(self.step.name, self._path)

    def referenced_steps(self) -> list[StepReference]:
        return [self.step]

    def _members(self) -> dict[str, Any]:
        members: dict[str, Any] = {}
        for name in self._shape_names():
            members.update(self._members_of(name))
        return members

    @staticmethod
    def _members_of(name: str) -> dict[str, Any]:
        shape = _service_model.shape(name)
        return dict(shape["members"]) if shape["type"] == "structure" else {}

    def _shape_names(self) -> tuple[str, ...]:
        names = self._shape_name
        return names if isinstance(names, tuple) else (names,)

    def __getattr__(self, member: str) -> Property:
        if member.startswith("_"):
            raise AttributeError(member)
        members = self._members()
        if member not in members:
            allowed = ", ".join(members) if members else "none (a single value)"
            raise AttributeError(
                f"{self.path} has no property {member!r} (step {self.step.name!r}, shapes "
                f"{', '.join(self._shape_names())}); properties: {allowed}"
            )
        return Property(self.step, self._member_shape(member, members), serializer.member_path(self._path, member))

    def _member_shape(self, member: str, members: dict[str, Any]) -> str:
        """The qualified shape of ``member`` (the service of the shape that declares it)."""
        owner = next(n for n in self._shape_names() if member in self._members_of(n))
        return _service_model.child(owner, members[member]["shape"])

    def __getitem__(self, key: int | str) -> Property:
        names = self._shape_names()
        if len(names) != 1:
            raise invalid(
                self.step.name,
                "Pipeline step",
                f"{self.path}[key]",
                key,
                "the property has several shapes and cannot be indexed",
            )
        shape = _service_model.shape(names[0])
        list_key = isinstance(key, (int, str)) and not isinstance(key, bool)  # pyright: ignore[reportUnnecessaryIsInstance] - refuses a float from untyped callers
        if shape["type"] == "list" and list_key:
            member = _service_model.child(names[0], shape["member"]["shape"])
            return Property(self.step, member, serializer.index_path(self._path, key))
        if shape["type"] == "map" and isinstance(key, str):
            value = _service_model.child(names[0], shape["value"]["shape"])
            return Property(self.step, value, serializer.index_path(self._path, key))
        raise invalid(
            self.step.name,
            "Pipeline step",
            f"{self.path}[key]",
            key,
            f"a {shape['type']} property takes "
            + (
                "an integer or a string"
                if shape["type"] == "list"
                else "a string"
                if shape["type"] == "map"
                else "no index"
            ),
        )

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("step properties are read-only")

    def __repr__(self) -> str:
        return f"Property({self.path!r})"


def kind_of(value: Any) -> str:
    """The kind of a literal or expression (``Object`` for anything else)."""
    if isinstance(value, Expression):
        return value.kind
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return FLOAT
    if isinstance(value, str):
        return STRING
    if isinstance(value, S3Location) or hasattr(value, "key_arn") or hasattr(value, "role_arn"):
        return STRING
    return OBJECT


def accepts(expected: str, actual: str) -> bool:
    """Whether a value of kind ``actual`` may go where ``expected`` is required."""
    if ANY in (expected, actual):
        return True
    if expected == FLOAT:
        return actual in (FLOAT, INTEGER)
    return expected == actual
