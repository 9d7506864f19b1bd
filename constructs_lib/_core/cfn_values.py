"""Synthesized templates as comparable values: every intrinsic resolved to a string where it can be.

The run-time contracts compare what a resource names (an image, an S3 URI, a key) with what its
role's policies allow, across the stacks of one cloud assembly. This module reads the templates once
and resolves ``Ref``, ``Fn::GetAtt``, ``Fn::Join``, ``Fn::Sub``, ``Fn::Select``/``Fn::Split``,
``Fn::If`` (every branch), ``Fn::ImportValue`` and ``Fn::GetStackOutput`` (through the exporting
stack's outputs) to strings. What stays unknown until deploy becomes a placeholder ``{{...}}``:

- a resource's name or id: ``{{<stack>.<logical id>}}``, inside the ARN its type implies (a bucket's
  ``Arn`` is ``arn:aws:s3:::{{Data.Bucket}}``, a role's ``arn:aws:iam::<account>:role/{{...}}``), so
  that a bucket named by ``Ref`` in an S3 URI and by ``Fn::GetAtt`` in a policy compare equal;
- a parameter: ``{{param.<stack>.<name>}}``; an account or region the stack does not fix:
  ``{{AWS.AccountId}}``, ``{{AWS.Region}}``; anything else: ``{{unresolved...}}``. Placeholders hold
  neither ``/`` nor ``:``, so ``Fn::Split`` of an ARN keeps them whole.

A policy's ``*`` matches a placeholder like any text, so a grant on ``<bucket>/models/*`` covers an
artifact ``<bucket>/models/{{param:...}}``, and nothing else does.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias, TypeGuard, cast

#: A JSON object of a template or manifest, as ``json.loads`` reads it.
JsonObject: TypeAlias = dict[str, Any]


def is_json_object(value: Any) -> TypeGuard[Mapping[str, Any]]:
    """Whether a value read from JSON is an object (a template's keys are strings)."""
    return isinstance(value, Mapping)


def is_json_list(value: Any) -> TypeGuard[list[Any]]:
    return isinstance(value, list)


PARTITION = "aws"
NO_VALUE = object()


@dataclass(frozen=True)
class Alternatives:
    """The values an ``Fn::If`` may take (``AWS::NoValue`` left out)."""

    options: tuple[Any, ...]


def each(value: Any) -> list[Any]:
    """Every value ``value`` may take: the branches of ``Fn::If``, nothing for ``AWS::NoValue``."""
    if value is None or value is NO_VALUE:
        return []
    if isinstance(value, Alternatives):
        return [o for option in value.options for o in each(option)]
    return [value]


def strings(value: Any) -> list[str]:
    """The string values ``value`` may take (lists flattened)."""
    out: list[str] = []
    for v in each(value):
        if isinstance(v, list):
            for item in cast("list[Any]", v):
                out.extend(strings(item))
        elif isinstance(v, (str, int, float, bool)):
            out.append(str(v))
    return out


def has_placeholder(text: str) -> bool:
    return "{{" in text


@dataclass
class StackTemplate:
    """One synthesized stack: its template and where it is deployed."""

    artifact_id: str
    stack_name: str
    account: str
    region: str
    template: JsonObject
    template_path: str = ""

    @property
    def resources(self) -> dict[str, JsonObject]:
        return self.template.get("Resources", {})

    def recorded_path(self, logical_id: str) -> str | None:
        """The construct path CDK recorded for ``logical_id`` (``aws:cdk:path``), if it did."""
        return self.resources.get(logical_id, {}).get("Metadata", {}).get("aws:cdk:path")

    def path_of(self, logical_id: str) -> str:
        """The construct path of ``logical_id`` for messages (``<stack>/<logical id>`` when not recorded)."""
        return self.recorded_path(logical_id) or f"{self.artifact_id}/{logical_id}"


# How a resource's Ref and attributes read, by type: {type: (ref, {attribute: form})}. ``{id}`` is the
# placeholder of the resource, ``{a}``/``{r}`` its stack's account and region.
_FORMS: dict[str, tuple[str, dict[str, str]]] = {
    "AWS::S3::Bucket": ("{id}", {"Arn": "arn:aws:s3:::{id}"}),
    "AWS::KMS::Key": (
        "arn:aws:kms:{r}:{a}:key/{id}",
        {"Arn": "arn:aws:kms:{r}:{a}:key/{id}", "KeyId": "arn:aws:kms:{r}:{a}:key/{id}"},
    ),
    "AWS::ECR::Repository": ("{id}", {"Arn": "arn:aws:ecr:{r}:{a}:repository/{id}"}),
    "AWS::IAM::Role": ("{id}", {"Arn": "arn:aws:iam::{a}:role/{id}", "RoleId": "{id}.RoleId"}),
    "AWS::IAM::ManagedPolicy": ("arn:aws:iam::{a}:policy/{id}", {"PolicyArn": "arn:aws:iam::{a}:policy/{id}"}),
    "AWS::SNS::Topic": ("arn:aws:sns:{r}:{a}:{id}", {"TopicArn": "arn:aws:sns:{r}:{a}:{id}", "TopicName": "{id}"}),
    "AWS::Logs::LogGroup": ("{id}", {"Arn": "arn:aws:logs:{r}:{a}:log-group:{id}:*"}),
    "AWS::SageMaker::Endpoint": ("arn:aws:sagemaker:{r}:{a}:endpoint/{id}", {"EndpointName": "{id}"}),
    "AWS::SageMaker::EndpointConfig": (
        "arn:aws:sagemaker:{r}:{a}:endpoint-config/{id}",
        {"EndpointConfigName": "{id}"},
    ),
    "AWS::SageMaker::Model": ("arn:aws:sagemaker:{r}:{a}:model/{id}", {"ModelName": "{id}"}),
    "AWS::SageMaker::Pipeline": ("{id}", {}),
    "AWS::EC2::Subnet": ("{id}", {"SubnetId": "{id}"}),
    "AWS::EC2::SecurityGroup": ("{id}", {"GroupId": "{id}"}),
    "AWS::EC2::VPC": ("{id}", {"VpcId": "{id}"}),
}

_PLACEHOLDER = re.compile(r"\{\{([^{}]+)\}\}")


class Assembly:
    """Every stack template of a cloud assembly, resolved on demand (results cached)."""

    def __init__(
        self,
        stacks: Iterable[StackTemplate],
        *,
        asset_files: Mapping[str, str] | None = None,
        asset_object_keys: Iterable[str] = (),
    ) -> None:
        """``asset_files``: file asset hash -> file name, from the assets manifests (nested stacks'
        templates are file assets whose hash their parent's ``TemplateURL`` names).
        ``asset_object_keys``: the S3 object keys file assets are published to (each one object)."""
        self.asset_object_keys = frozenset(asset_object_keys)
        self.stacks: dict[str, StackTemplate] = {}
        for stack in stacks:
            self.stacks[stack.artifact_id] = stack
        # Nested stacks (``AWS::CloudFormation::Stack`` whose template CDK wrote beside its parent's):
        # their parameters are what the parent passes, and they deploy where the parent does.
        self._nested: dict[str, tuple[StackTemplate, JsonObject]] = {}
        self._children: dict[tuple[str, str], StackTemplate] = {}
        by_file = {Path(s.template_path).name: s for s in self.stacks.values() if s.template_path}
        for parent in list(self.stacks.values()):
            for nested_id, resource in parent.resources.items():
                if resource.get("Type") != "AWS::CloudFormation::Stack":
                    continue
                url = json.dumps(resource.get("Properties", {}).get("TemplateURL"))
                names = [str(resource.get("Metadata", {}).get("aws:asset:path", ""))] + [
                    name for digest, name in (asset_files or {}).items() if f"/{digest}.json" in url
                ]
                child = next((by_file[n] for n in names if n in by_file), None)
                if child is not None:
                    child.account, child.region = parent.account, parent.region
                    self._nested[child.artifact_id] = (parent, resource.get("Properties", {}).get("Parameters", {}))
                    self._children[(parent.artifact_id, nested_id)] = child
        self._by_name = {s.stack_name: s for s in self.stacks.values()}
        self._exports: dict[str, tuple[StackTemplate, Any]] = {}
        for stack in self.stacks.values():
            for output in stack.template.get("Outputs", {}).values():
                name = output.get("Export", {}).get("Name")
                if isinstance(name, str):
                    self._exports[name] = (stack, output.get("Value"))

    # --- loading ------------------------------------------------------------------------------------

    @classmethod
    def from_template_paths(cls, paths: Iterable[str]) -> Assembly:
        """Templates as written by ``app.synth()``: names and environments from each directory's
        ``manifest.json``."""
        stacks: list[StackTemplate] = []
        manifests: dict[Path, dict[str, JsonObject]] = {}
        asset_files: dict[str, str] = {}
        asset_keys: set[str] = set()
        for raw in paths:
            path = Path(raw)
            directory = path.parent
            if directory not in manifests:
                manifests[directory] = _stack_artifacts(directory / "manifest.json")
                asset_files.update(_file_assets(directory))
                asset_keys.update(_file_asset_keys(directory))
            artifact_id, info = next(
                (
                    (a, i)
                    for a, i in manifests[directory].items()
                    if i.get("properties", {}).get("templateFile") == path.name
                ),
                (path.name.removesuffix(".template.json"), cast(JsonObject, {})),
            )
            account, region = _environment(info.get("environment", ""))
            stacks.append(
                StackTemplate(
                    artifact_id=artifact_id,
                    stack_name=info.get("properties", {}).get("stackName", artifact_id),
                    account=account,
                    region=region,
                    template=json.loads(path.read_text()),
                    template_path=str(path),
                )
            )
        return cls(stacks, asset_files=asset_files, asset_object_keys=asset_keys)

    # --- resources ----------------------------------------------------------------------------------

    def resources(self, *types: str) -> Iterator[tuple[StackTemplate, str, JsonObject]]:
        for stack in self.stacks.values():
            for logical_id, resource in stack.resources.items():
                if not types or resource.get("Type") in types:
                    yield stack, logical_id, resource

    def resource_of(self, placeholder: str) -> tuple[StackTemplate, str, JsonObject] | None:
        """The resource whose placeholder (``{{stack.logical id}}``) ``placeholder`` holds."""
        match = _PLACEHOLDER.search(placeholder)
        if not match:
            return None
        stack_id, _, logical_id = match.group(1).rpartition(".")  # artifact ids may hold dots (nested)
        stack = self.stacks.get(stack_id)
        if stack is None or logical_id not in stack.resources:
            return None
        return stack, logical_id, stack.resources[logical_id]

    @staticmethod
    def placeholder(stack: StackTemplate, logical_id: str) -> str:
        return "{{" + f"{stack.artifact_id}.{logical_id}" + "}}"

    # --- resolution ---------------------------------------------------------------------------------

    def resolve(self, stack: StackTemplate, node: Any) -> Any:
        """``node`` with every intrinsic resolved (strings, lists, dicts, ``Alternatives``)."""
        if isinstance(node, str) or node is None or isinstance(node, (int, float, bool)):
            return node
        if isinstance(node, list):
            items = cast("list[Any]", node)
            return [v for item in items for v in ([self.resolve(stack, item)]) if v is not NO_VALUE]
        if isinstance(node, dict):
            members = cast(JsonObject, node)
            if len(members) == 1:
                ((key, arg),) = members.items()
                if key == "Ref" or key.startswith("Fn::"):
                    return self._intrinsic(stack, key, arg)
            return {k: v for k, v in ((k, self.resolve(stack, v)) for k, v in members.items()) if v is not NO_VALUE}
        return node

    def _intrinsic(self, stack: StackTemplate, fn: str, arg: Any) -> Any:
        if fn == "Ref":
            return self._ref(stack, arg)
        if fn == "Fn::GetAtt":
            logical_id, attribute = cast("list[str]", arg) if isinstance(arg, list) else str(arg).split(".", 1)
            return self._attribute(stack, logical_id, attribute)
        if fn == "Fn::Join":
            delimiter, items = arg
            parts = self.resolve(stack, items)
            if not isinstance(parts, list):
                return self._opaque(fn)
            return _join(delimiter, cast("list[Any]", parts))
        if fn == "Fn::Sub":
            return self._sub(stack, arg)
        if fn == "Fn::Select":
            index, items = self.resolve(stack, arg[0]), self.resolve(stack, arg[1])
            options = cast("list[Any]", items) if isinstance(items, list) else None
            if (
                options is not None
                and isinstance(index, (int, str))
                and str(index).isdigit()
                and int(index) < len(options)
            ):
                return options[int(index)]
            return self._opaque(fn)
        if fn == "Fn::Split":
            delimiter, text = arg[0], self.resolve(stack, arg[1])
            return text.split(delimiter) if isinstance(text, str) else self._opaque(fn)
        if fn == "Fn::If":
            _, when_true, when_false = arg
            return Alternatives((self.resolve(stack, when_true), self.resolve(stack, when_false)))
        if fn == "Fn::ImportValue":
            name = self.resolve(stack, arg)
            exported = self._exports.get(name) if isinstance(name, str) else None
            return self.resolve(exported[0], exported[1]) if exported else "{{import." + str(name) + "}}"
        if fn == "Fn::GetStackOutput":
            other = self._by_name.get(str(arg.get("StackName")))
            output = other.template.get("Outputs", {}).get(arg.get("OutputName")) if other else None
            return (
                self.resolve(other, output["Value"])
                if other and output
                else "{{output." + str(arg.get("OutputName")) + "}}"
            )
        return self._opaque(fn)

    @staticmethod
    def _opaque(what: str) -> str:
        return "{{unresolved." + what.replace("::", "") + "}}"

    def _ref(self, stack: StackTemplate, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name == "AWS::Partition":
            return PARTITION
        if name == "AWS::Region":
            return stack.region
        if name == "AWS::AccountId":
            return stack.account
        if name == "AWS::URLSuffix":
            return "amazonaws.com"
        if name.startswith("AWS::"):
            return "{{" + name.replace("::", ".") + "}}"
        if name in stack.template.get("Parameters", {}):
            parent, passed = self._nested.get(stack.artifact_id, (None, cast(JsonObject, {})))
            if parent is not None and name in passed:
                return self.resolve(parent, passed[name])
            return "{{param." + f"{stack.artifact_id}.{name}" + "}}"
        resource = stack.resources.get(name)
        if resource is None:
            return "{{unresolved." + name + "}}"
        ref, _ = _FORMS.get(resource.get("Type", ""), ("{id}", {}))
        return self._form(stack, name, ref)

    def _attribute(self, stack: StackTemplate, logical_id: str, attribute: str) -> Any:
        child = self._children.get((stack.artifact_id, logical_id))
        if child is not None and attribute.startswith("Outputs."):  # a nested stack's output
            output = child.template.get("Outputs", {}).get(attribute.removeprefix("Outputs."))
            if output is not None:
                return self.resolve(child, output.get("Value"))
        resource = stack.resources.get(logical_id, {})
        _, attributes = _FORMS.get(resource.get("Type", ""), ("{id}", {}))
        form = attributes.get(attribute, "{id}." + attribute)
        return self._form(stack, logical_id, form)

    def _form(self, stack: StackTemplate, logical_id: str, form: str) -> str:
        return (
            form.replace("{id}", self.placeholder(stack, logical_id))
            .replace("{a}", stack.account)
            .replace("{r}", stack.region)
        )

    def _sub(self, stack: StackTemplate, arg: Any) -> Any:
        text, variables = (arg, cast(JsonObject, {})) if isinstance(arg, str) else (arg[0], cast(JsonObject, arg[1]))
        resolved = {k: self.resolve(stack, v) for k, v in variables.items()}

        def value(name: str) -> Any:
            if name in resolved:
                return resolved[name]
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return self._attribute(stack, logical_id, attribute)
            return self._ref(stack, name)

        parts: list[Any] = []
        for i, piece in enumerate(re.split(r"\$\{([^}!][^}]*)\}", text)):
            parts.append(piece if i % 2 == 0 else value(piece))
        return _join("", parts)


def _join(delimiter: str, parts: list[Any]) -> Any:
    options = [each(p) if isinstance(p, Alternatives) else [p] for p in parts]
    if any(isinstance(o, Alternatives) for o in parts):
        joined = tuple(_join(delimiter, list(combo)) for combo in itertools.product(*options))
        return Alternatives(joined)
    return delimiter.join(str(p) if isinstance(p, (str, int, float)) else "{{unresolved.value}}" for p in parts)


def _stack_artifacts(manifest: Path) -> dict[str, JsonObject]:
    if not manifest.exists():
        return {}
    artifacts = json.loads(manifest.read_text()).get("artifacts", {})
    return {k: v for k, v in artifacts.items() if v.get("type") == "aws:cloudformation:stack"}


def with_nested_templates(paths: Iterable[str]) -> list[str]:
    """``paths`` and the templates of the nested stacks beside them (file assets ending in
    ``.template.json``), which a validation plugin's context does not list."""
    listed = [str(p) for p in paths]
    for directory in dict.fromkeys(Path(p).parent for p in listed):
        listed += [
            str(directory / name)
            for name in _file_assets(directory).values()
            if name.endswith(".template.json") and str(directory / name) not in listed and (directory / name).exists()
        ]
    return listed


def _file_assets(directory: Path) -> dict[str, str]:
    """File asset hash -> source file name, from the assets manifests of ``directory``."""
    found: dict[str, str] = {}
    for manifest in directory.glob("*.assets.json"):
        for digest, asset in json.loads(manifest.read_text()).get("files", {}).items():
            found[digest] = str(asset.get("source", {}).get("path", ""))
    return found


def _file_asset_keys(directory: Path) -> set[str]:
    """The object keys file assets of ``directory``'s assets manifests are published to."""
    found: set[str] = set()
    for manifest in directory.glob("*.assets.json"):
        for asset in json.loads(manifest.read_text()).get("files", {}).values():
            for destination in asset.get("destinations", {}).values():
                if isinstance(destination.get("objectKey"), str):
                    found.add(destination["objectKey"])
    return found


def _environment(environment: str) -> tuple[str, str]:
    """``aws://<account>/<region>``; unknown parts as pseudo-parameter placeholders."""
    account, _, region = environment.removeprefix("aws://").partition("/")
    return (
        account if account and account != "unknown-account" else "{{AWS.AccountId}}",
        region if region and region != "unknown-region" else "{{AWS.Region}}",
    )
