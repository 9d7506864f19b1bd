"""Routine changes replace nothing stateful, tags never replace anything, fixed names never collide.

CloudFormation replaces a resource when a create-only property changes (each type's
``createOnlyProperties`` in its resource schema, read here from the schemas cfn-lint ships) and
deletes it when its logical ID or its stack leaves the app. The replacement guard diffs the app (the
session ``synthesized_app``) against the app with every routine change applied, and fails on any
stateful resource (one the library retains, DeletionPolicy Retain / RetainExceptOnUpdate / Snapshot,
or one with a fixed name, which CloudFormation cannot replace at all) that would be replaced or
removed, following replacements through references (a replaced role replaces what is created with
its ARN). When it fails it names the change responsible by trying each change alone.
"""

from __future__ import annotations

import ast
import functools
import importlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from constructs_lib import CREATE_ONLY_TAG_TYPES
from constructs_lib._core.log_retention import LOG_RETENTION_DAYS
from stacks.config import EnvironmentConfig, ServedModel, default_environments
from tests.conftest import ROOT, TEST_SOURCE_VERSION, new_app

#: DeletionPolicy values that keep the resource (and its data) when CloudFormation removes it.
RETAINING_POLICIES = frozenset({"Retain", "RetainExceptOnUpdate", "Snapshot"})
_MISSING = object()


# ---------------------------------------------------------------------------------------------------
# CloudFormation's resource schemas (shipped with cfn-lint)


@functools.cache
def _schema(region: str, type_name: str) -> dict:
    """The resource schema of ``type_name``; empty for custom resources (no schema)."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError

    if type_name.startswith("Custom::") or type_name == "AWS::CloudFormation::CustomResource":
        return {}
    try:
        return PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, type_name).schema
    except ResourceNotFoundError:
        return {}


def create_only_properties(region: str, type_name: str) -> tuple[str, ...]:
    """JSON pointers (``/properties/...``) whose change replaces a resource of ``type_name``."""
    return tuple(_schema(region, type_name).get("createOnlyProperties", ()))


def tags_are_create_only(region: str, type_name: str) -> bool:
    schema = _schema(region, type_name)
    tag_property = schema.get("tagging", {}).get("tagProperty", "/properties/Tags")
    return tag_property in schema.get("createOnlyProperties", ())


@functools.cache
def name_properties(region: str, type_name: str) -> tuple[str, ...]:
    """The properties that give a resource of ``type_name`` its physical name: create-only or
    identifier properties we may set, named ``Name`` or ``<end of the type's name>Name`` (a
    ``ModelCard``'s ``ModelCardName``, a ``DataQualityJobDefinition``'s ``JobDefinitionName``, a
    ``Budget``'s ``Budget/BudgetName``; not a feature group's ``EventTimeFeatureName``)."""
    schema = _schema(region, type_name)
    read_only = set(schema.get("readOnlyProperties", ()))
    kind = type_name.rsplit("::", 1)[-1].lower()
    candidates = {*schema.get("createOnlyProperties", ()), *schema.get("primaryIdentifier", ())} - read_only
    return tuple(
        sorted(
            p
            for p in candidates
            if (last := p.rsplit("/", 1)[-1]) == "Name" or (last.endswith("Name") and kind.endswith(last[:-4].lower()))
        )
    )


# ---------------------------------------------------------------------------------------------------
# Templates as CloudFormation sees them: stacks by name, resources by logical ID


@dataclass(frozen=True)
class DeployedStack:
    environment: str
    name: str
    region: str
    template: dict

    @property
    def resources(self) -> dict[str, dict]:
        return self.template.get("Resources", {})


def stacks_of(assembly, environments: Iterable[str]) -> dict[str, DeployedStack]:
    """The stacks of ``environments`` in a synthesized app, by stack name (CloudFormation's identity)."""
    found = {}
    for env in environments:
        for stack in assembly.get_nested_assembly(f"assembly-{env}").stacks:
            found[stack.stack_name] = DeployedStack(env, stack.stack_name, stack.environment.region, stack.template)
    return found


def _at(value, segments: list[str]):
    """The value at a schema pointer's segments (``*`` walks every item of a list)."""
    if not segments:
        return value
    head, *rest = segments
    if head == "*":
        return [_at(item, rest) for item in value] if isinstance(value, list) else _MISSING
    if isinstance(value, dict) and head in value:
        return _at(value[head], rest)
    return _MISSING


def _value(resource: dict, pointer: str):
    return _at(resource.get("Properties", {}), pointer.split("/")[2:])


def _references(value) -> Iterator[tuple[str, object]]:
    """What ``value`` depends on: (``"resource"``, logical ID), (``"export"``, export name) and
    (``"output"``, (stack name, output name)) of CDK's ``Fn::GetStackOutput`` references."""
    if isinstance(value, list):
        for item in value:
            yield from _references(item)
    elif isinstance(value, dict):
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" and isinstance(arg, str):
                yield "resource", arg
            elif key == "Fn::GetAtt":
                yield "resource", arg[0] if isinstance(arg, list) else str(arg).split(".")[0]
            elif key == "Fn::ImportValue" and isinstance(arg, str):
                yield "export", arg
            elif key == "Fn::GetStackOutput" and isinstance(arg, dict):
                yield "output", (arg.get("StackName"), arg.get("OutputName"))
            elif key == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) else arg
                for name in re.findall(r"\$\{([^!}][^}.]*)", text):
                    yield "resource", name
        for item in value.values():
            yield from _references(item)


def is_stateful(region: str, resource: dict) -> bool:
    """Retained by the library, or named: CloudFormation cannot replace a resource with a fixed name."""
    return resource.get("DeletionPolicy") in RETAINING_POLICIES or any(
        _value(resource, p) is not _MISSING for p in name_properties(region, resource["Type"])
    )


@dataclass(frozen=True)
class Replacement:
    stack: str
    logical_id: str
    type: str
    #: What replaces it: the create-only properties that change, "removed" (its logical ID or its
    #: stack leaves the app), or a replaced resource it is created with.
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.stack}/{self.logical_id} ({self.type}): {', '.join(self.reasons)}"


def replacements(before: Mapping[str, DeployedStack], after: Mapping[str, DeployedStack]) -> list[Replacement]:
    """Every resource of ``before`` that deploying ``after`` would replace or remove."""
    found: dict[tuple[str, str], list[str]] = {}
    for name, old in before.items():
        new = after.get(name)
        for logical_id, resource in old.resources.items():
            current = new.resources.get(logical_id) if new else None
            if current is None:
                found[name, logical_id] = ["removed (logical ID or stack no longer in the app)"]
            elif current["Type"] != resource["Type"]:
                found[name, logical_id] = [f"type {resource['Type']} -> {current['Type']}"]
            else:
                changed = [
                    p
                    for p in create_only_properties(old.region, resource["Type"])
                    if _value(resource, p) != _value(current, p)
                ]
                if changed:
                    found[name, logical_id] = [f"{p} changes" for p in changed]

    # A replaced resource gets a new ID and ARN: what is created with them is replaced too (within a
    # stack through Ref / GetAtt, across stacks through the outputs and exports CDK's references use).
    while True:
        changed: set[tuple[str, object]] = set()
        for stack in after.values():
            for output_name, output in stack.template.get("Outputs", {}).items():
                if any(kind == "resource" and (stack.name, ref) in found for kind, ref in _references(output["Value"])):
                    changed.add(("output", (stack.name, output_name)))
                    if "Export" in output:
                        changed.add(("export", output["Export"]["Name"]))
        added = False
        for name, new in after.items():
            old = before.get(name)
            if old is None:
                continue
            for logical_id, current in new.resources.items():
                if (name, logical_id) in found or logical_id not in old.resources:
                    continue
                for pointer in create_only_properties(new.region, current["Type"]):
                    causes = [
                        ref if kind == "resource" else f"{kind} {ref}"
                        for kind, ref in _references(_value(current, pointer))
                        if (kind == "resource" and (name, ref) in found) or (kind, ref) in changed
                    ]
                    if causes:
                        found[name, logical_id] = [f"{pointer} depends on replaced {', '.join(map(str, causes))}"]
                        added = True
                        break
        if not added:
            break
    return [
        Replacement(stack, logical_id, before[stack].resources[logical_id]["Type"], tuple(reasons))
        for (stack, logical_id), reasons in sorted(found.items())
    ]


def stateful_replacements(before: Mapping[str, DeployedStack], after: Mapping[str, DeployedStack]) -> list[Replacement]:
    return [
        r
        for r in replacements(before, after)
        if is_stateful(before[r.stack].region, before[r.stack].resources[r.logical_id])
    ]


# ---------------------------------------------------------------------------------------------------
# Routine changes: each maps an environment to (before, after)


def _later(values: tuple[int, ...], current: int) -> int:
    """The allowed value after ``current`` (or before it, at the end)."""
    index = values.index(current)
    return values[index + 1] if index + 1 < len(values) else values[index - 1]


def _owner_tag(c: EnvironmentConfig):
    return c, replace(c, owner=f"{c.owner}-2")


def _added_zone(c: EnvironmentConfig):
    """A third zone: dev and staging gain ``<region>c``; prod, which has it, is compared with itself
    without it (the templates only see the list, so the direction is what matters)."""
    zones = c.network.availability_zones
    if len(zones) >= 3:
        return replace(c, network=replace(c.network, availability_zones=zones[:-1])), c
    letter = next(x for x in "abcdef" if f"{c.region}{x}" not in zones)
    return c, replace(c, network=replace(c.network, availability_zones=(*zones, f"{c.region}{letter}")))


def _added_user_profile(c: EnvironmentConfig):
    return c, replace(c, studio=replace(c.studio, user_profiles=(*c.studio.user_profiles, "new-scientist")))


def _idle_timeout(c: EnvironmentConfig):
    idle = c.studio.idle_timeout_minutes + 30
    return c, replace(
        c,
        studio=replace(
            c.studio, idle_timeout_minutes=idle, max_idle_timeout_minutes=max(idle, c.studio.max_idle_timeout_minutes)
        ),
    )


def _mlflow_size(c: EnvironmentConfig):
    bigger = {"Small": "Medium", "Medium": "Large", "Large": "Medium"}
    return c, replace(c, platform=replace(c.platform, mlflow_server_size=bigger[c.platform.mlflow_server_size]))


def _accuracy_threshold(c: EnvironmentConfig):
    threshold = round(c.training.accuracy_threshold - 0.05, 2)
    return c, replace(c, training=replace(c.training, accuracy_threshold=threshold))


def _appended_fleet_model(c: EnvironmentConfig):
    models = (*c.fleet.models, ServedModel("appended-model"))
    return c, replace(c, fleet=replace(c.fleet, models=models))


def _feature_group_ttl(c: EnvironmentConfig):
    days = (c.platform.feature_online_ttl_days or 0) + 30
    return c, replace(c, platform=replace(c.platform, feature_online_ttl_days=days))


def _log_retention(c: EnvironmentConfig):
    return c, replace(
        c,
        log_retention_days=_later(LOG_RETENTION_DAYS, c.log_retention_days),
        network=replace(
            c.network, flow_log_retention_days=_later(LOG_RETENTION_DAYS, c.network.flow_log_retention_days)
        ),
    )


Change = Callable[[EnvironmentConfig], tuple[EnvironmentConfig, EnvironmentConfig]]

#: The changes an operator makes routinely: none may replace anything stateful.
ROUTINE_CHANGES: dict[str, Change] = {
    "owner tag": _owner_tag,
    "added availability zone": _added_zone,
    "added user profile": _added_user_profile,
    "idle timeout": _idle_timeout,
    "MLflow size": _mlflow_size,
    "accuracy threshold": _accuracy_threshold,
    "appended fleet model": _appended_fleet_model,
    "feature group TTL": _feature_group_ttl,
    "log retention": _log_retention,
}


def _effects(after: EnvironmentConfig) -> dict[str, str]:
    """What each change leaves in the changed environment's templates (JSON, backslashes removed)
    and not before it: the guard must never pass because a change did nothing."""
    return {
        "owner tag": f'"Key": "owner", "Value": "{after.owner}"',
        "added availability zone": f'"AvailabilityZone": "{after.network.availability_zones[-1]}"',
        "added user profile": '"UserProfileName": "new-scientist"',
        "idle timeout": f'"IdleTimeoutInMinutes": {after.studio.idle_timeout_minutes},',
        "MLflow size": f'"TrackingServerSize": "{after.platform.mlflow_server_size}"',
        "accuracy threshold": (
            f'"Name":"AccuracyThreshold","Type":"Float","DefaultValue":{after.training.accuracy_threshold},'
        ),
        "appended fleet model": f'"EndpointName": "{after.project}-{after.name}-appended-model"',
        "feature group TTL": f'"TtlDuration": {{"Unit": "Days", "Value": {after.platform.feature_online_ttl_days}}}',
        "log retention": f'"RetentionInDays": {after.log_retention_days},',
    }


def _text(stacks: Mapping[str, DeployedStack], env: str) -> str:
    return json.dumps([s.template for s in stacks.values() if s.environment == env]).replace("\\", "")


def _components(environments: Mapping[str, EnvironmentConfig]) -> list[tuple[str, ...]]:
    """Environments that must be synthesized together: a registry's environment and those it
    deploys to (``monitoring.deploy_to``) shape each other's stacks."""
    group = {name: {name} for name in environments}
    for name, config in environments.items():
        for target in config.monitoring.deploy_to:
            if target in group and group[target] is not group[name]:
                merged = group[name] | group[target]
                for member in merged:
                    group[member] = merged
    unique = {id(g): g for g in group.values()}.values()
    return [tuple(n for n in environments if n in g) for g in unique]


DEFAULTS = default_environments()
COMPONENTS = _components(DEFAULTS)


def _synth(
    environments: Mapping[str, EnvironmentConfig], names: tuple[str, ...], outdir: Path
) -> dict[str, DeployedStack]:
    """The stacks of ``names`` in an app of ``environments`` (no cdk-nag: templates are the same)."""
    from app import build_app

    app = new_app(outdir=str(outdir))
    build_app(app, list(names), environments=environments, compliance=False, source_version=TEST_SOURCE_VERSION)
    return stacks_of(app.synth(), names)


class Variants:
    """Apps of the component's environments, the session's ``synthesized_app`` where unchanged."""

    def __init__(self, synthesized_app, names: tuple[str, ...], tmp_path: Path) -> None:
        self.baseline = synthesized_app
        self.names = names
        self.tmp_path = tmp_path

    def stacks(self, changed: Mapping[str, EnvironmentConfig]) -> dict[str, DeployedStack]:
        if all(changed[n] == DEFAULTS[n] for n in self.names):
            return stacks_of(self.baseline.assembly, self.names)
        outdir = self.tmp_path / f"cdk.out.{len(list(self.tmp_path.iterdir()))}"
        return _synth({**DEFAULTS, **changed}, self.names, outdir)

    def configs(self, changes: Iterable[Change]) -> tuple[dict, dict]:
        """Every environment before and after ``changes`` (those outside the component unchanged)."""
        before, after = dict(DEFAULTS), dict(DEFAULTS)
        for change in changes:
            for name in self.names:
                before[name] = change(before[name])[0]
                after[name] = change(after[name])[1]
        return before, after

    def compare(self, changes: Iterable[Change]) -> tuple[dict, dict]:
        before, after = self.configs(changes)
        return self.stacks(before), self.stacks(after)


def _findings(before: Mapping[str, DeployedStack], after: Mapping[str, DeployedStack]) -> list[str]:
    """Stateful resources replaced or removed, and any resource a tag replaces (a tag must never)."""
    found = {str(r): None for r in stateful_replacements(before, after)}
    found.update(
        {
            f"a tag replaces {r}": None
            for r in replacements(before, after)
            if any(reason.startswith("/properties/Tags ") for reason in r.reasons) and str(r) not in found
        }
    )
    return list(found)


@pytest.mark.parametrize("names", COMPONENTS, ids="+".join)
def test_routine_changes_replace_nothing_stateful(synthesized_app, tmp_path, names):
    """Every routine change at once (one synthesis); on failure each alone, to name the culprit."""
    variants = Variants(synthesized_app, names, tmp_path)
    before, after = variants.compare(ROUTINE_CHANGES.values())
    _, changed = variants.configs(ROUTINE_CHANGES.values())
    for name in names:
        old_text, new_text = _text(before, name), _text(after, name)
        missing = [
            label for label, effect in _effects(changed[name]).items() if effect not in new_text or effect in old_text
        ]
        assert missing == [], f"{name}: these changes did not reach the templates"
    found = _findings(before, after)
    if found:
        found = [
            f"{label}: {finding}"
            for label, change in ROUTINE_CHANGES.items()
            for finding in _findings(*variants.compare([change]))
        ]
    assert not found, "routine changes replace stateful resources:\n" + "\n".join(found)


def test_variants_synthesize_like_the_session_app(synthesized_app, tmp_path):
    """The guard compares like with like: unchanged, a variant's templates are the session app's."""

    def body(stacks):
        return {
            name: {lid: {k: v for k, v in r.items() if k != "Metadata"} for lid, r in s.resources.items()}
            for name, s in stacks.items()
        }

    names = COMPONENTS[0]
    assert body(_synth(DEFAULTS, names, tmp_path)) == body(stacks_of(synthesized_app.assembly, names))


# ---------------------------------------------------------------------------------------------------
# The guard can fail: canaries


def test_guard_reports_a_new_cidr_replacing_the_vpc_and_what_is_created_in_it(synthesized_app, tmp_path):
    names = COMPONENTS[0]
    env = names[0]
    cidr = {**DEFAULTS, env: replace(DEFAULTS[env], network=replace(DEFAULTS[env].network, cidr="10.99.0.0/16"))}
    before, after = stacks_of(synthesized_app.assembly, names), _synth(cidr, names, tmp_path)
    replaced = {(r.type, r.reasons[0]) for r in replacements(before, after)}
    assert ("AWS::EC2::VPC", "/properties/CidrBlock changes") in replaced
    stateful = stateful_replacements(before, after)
    assert stateful, "a new CIDR replaces the subnets, and what is created in them with a fixed name"
    assert all("depends on replaced" in r.reasons[0] for r in stateful)


def test_guard_reports_a_renamed_project_removing_every_retained_resource(synthesized_app, tmp_path):
    names = COMPONENTS[0]
    env = names[0]
    renamed = {**DEFAULTS, env: replace(DEFAULTS[env], project="ml-renamed")}
    before, after = stacks_of(synthesized_app.assembly, names), _synth(renamed, names, tmp_path)
    assert not set(before) & set(after), "every stack name starts with the project"
    reported = {(r.stack, r.logical_id) for r in stateful_replacements(before, after)}
    retained = {
        (s.name, lid)
        for s in before.values()
        for lid, r in s.resources.items()
        if r.get("DeletionPolicy") in RETAINING_POLICIES
    }
    assert retained and retained <= reported


def _template(resources: dict, outputs: dict | None = None) -> dict:
    return {"Resources": resources, **({"Outputs": outputs} if outputs else {})}


def _stack(name: str, resources: dict, outputs: dict | None = None) -> DeployedStack:
    return DeployedStack("dev", name, "eu-west-1", _template(resources, outputs))


FEATURE_GROUP = {
    "Type": "AWS::SageMaker::FeatureGroup",
    "DeletionPolicy": "Retain",
    "Properties": {
        "FeatureGroupName": "p-dev-customers",
        "RecordIdentifierFeatureName": "id",
        "EventTimeFeatureName": "t",
        "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
        "Tags": [{"Key": "owner", "Value": "a"}],
    },
}
ROLE = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}}


def test_guard_reports_create_only_tags_renamed_logical_ids_and_removed_stacks():
    before = {"s": _stack("s", {"Group": FEATURE_GROUP, "Role": ROLE})}
    retagged = json.loads(json.dumps(FEATURE_GROUP))
    retagged["Properties"]["Tags"][0]["Value"] = "b"
    assert [
        r.reasons for r in stateful_replacements(before, {"s": _stack("s", {"Group": retagged, "Role": ROLE})})
    ] == [("/properties/Tags changes",)]
    renamed = stateful_replacements(before, {"s": _stack("s", {"Group2": FEATURE_GROUP, "Role": ROLE})})
    assert [(r.logical_id, r.reasons[0][:7]) for r in renamed] == [("Group", "removed")]
    assert [r.logical_id for r in stateful_replacements(before, {})] == ["Group"]
    assert stateful_replacements(before, before) == []


def test_guard_follows_a_replaced_resource_to_what_is_created_with_it_across_stacks():
    named_role = {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "r1"}}
    group = {**FEATURE_GROUP, "Properties": {**FEATURE_GROUP["Properties"], "RoleArn": {"Fn::ImportValue": "RoleArn"}}}
    outputs = {"Out": {"Value": {"Fn::GetAtt": ["Role", "Arn"]}, "Export": {"Name": "RoleArn"}}}
    before = {"a": _stack("a", {"Role": named_role}, outputs), "b": _stack("b", {"Group": group})}
    after = {
        "a": _stack("a", {"Role": {**named_role, "Properties": {"RoleName": "r2"}}}, outputs),
        "b": _stack("b", {"Group": group}),
    }
    assert [str(r) for r in stateful_replacements(before, after)] == [
        "a/Role (AWS::IAM::Role): /properties/RoleName changes",
        "b/Group (AWS::SageMaker::FeatureGroup): /properties/RoleArn depends on replaced export RoleArn",
    ]


def test_updatable_properties_and_unnamed_unretained_resources_are_not_reported():
    updated = {
        **FEATURE_GROUP,
        "Properties": {
            **FEATURE_GROUP["Properties"],
            "OnlineStoreConfig": {"TtlDuration": {"Unit": "Days", "Value": 1}},
        },
    }
    before = {"s": _stack("s", {"Group": FEATURE_GROUP, "Role": ROLE})}
    assert stateful_replacements(before, {"s": _stack("s", {"Group": updated, "Role": ROLE})}) == []
    role_path = {"s": _stack("s", {"Group": FEATURE_GROUP, "Role": {**ROLE, "Properties": {"Path": "/x/"}}})}
    # The unnamed role is replaced (Path is create-only): so is the feature group created with its ARN.
    assert [(r.logical_id, r.reasons[0]) for r in stateful_replacements(before, role_path)] == [
        ("Group", "/properties/RoleArn depends on replaced Role")
    ]


# ---------------------------------------------------------------------------------------------------
# Create-only tags: the library's list is the schemas' answer for every type it emits


def _library_cfn_types() -> set[str]:
    """CloudFormation types of every ``aws_cdk`` L1 class (``Cfn*``) the library's source names."""
    types: set[str] = set()
    for path in (ROOT / "constructs_lib").rglob("*.py"):
        tree = ast.parse(path.read_text())
        modules = {
            alias.asname or alias.name: f"aws_cdk.{alias.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "aws_cdk"
            for alias in node.names
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("Cfn")
                and isinstance(node.value, ast.Name)
                and node.value.id in modules
            ):
                cls = getattr(importlib.import_module(modules[node.value.id]), node.attr, None)
                type_name = getattr(cls, "CFN_RESOURCE_TYPE_NAME", None)
                if isinstance(type_name, str):
                    types.add(type_name)
    return types


def test_create_only_tag_types_are_those_of_cloudformations_schemas(synthesized_app):
    emitted = {r["Type"] for _, t in synthesized_app.templates() for r in t["Resources"].values()}
    emitted |= _library_cfn_types()
    assert "AWS::SageMaker::ModelExplainabilityJobDefinition" in emitted  # the source scan sees L1s the app leaves out
    regions = {config.region for config in DEFAULTS.values()} | {"us-east-1"}
    from_schemas = {t for t in emitted for region in regions if tags_are_create_only(region, t)}
    assert from_schemas == CREATE_ONLY_TAG_TYPES


def test_mutable_tags_reach_no_resource_whose_tags_are_create_only(synthesized_app):
    tagged = []
    for stack_id, template in synthesized_app.templates():
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] in CREATE_ONLY_TAG_TYPES:
                keys = {t["Key"] for t in resource.get("Properties", {}).get("Tags", [])}
                assert {"project", "environment"} <= keys, f"{stack_id}/{logical_id} lost its identity tags"
                if "owner" in keys:
                    tagged.append(f"{stack_id}/{logical_id}")
    assert tagged == []


# ---------------------------------------------------------------------------------------------------
# Fixed names are unique per environment

_PSEUDO = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::AccountId": "<account>"}


def _literal(value, stack: DeployedStack) -> str | None:
    """The name as deployed into one account (pseudo parameters resolved); None when it depends
    on another resource (then it is as unique as that resource)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        pseudo = {**_PSEUDO, "AWS::Region": stack.region, "AWS::StackName": stack.name}
        if key == "Ref" and arg in pseudo:
            return pseudo[arg]
        if key == "Fn::Join":
            parts = [_literal(p, stack) for p in arg[1]]
            return None if None in parts else arg[0].join(parts)  # type: ignore[arg-type]
    return None


def fixed_names(stacks: Mapping[str, DeployedStack]) -> dict[tuple[str, tuple], list[str]]:
    """(type, identifying values) -> resources, for every resource whose identity (its name and the
    other parts of its primary identifier) is fixed in the template."""
    names: dict[tuple[str, tuple], list[str]] = {}
    for stack in stacks.values():
        for logical_id, resource in stack.resources.items():
            kind = resource["Type"]
            schema = _schema(stack.region, kind)
            pointers = sorted(
                {
                    *name_properties(stack.region, kind),
                    *(set(schema.get("primaryIdentifier", ())) - set(schema.get("readOnlyProperties", ()))),
                }
            )
            values = {p: _value(resource, p) for p in pointers}
            if not any(values[p] is not _MISSING for p in name_properties(stack.region, kind)):
                continue
            identity = tuple((p, _literal(v, stack)) for p, v in values.items() if v is not _MISSING)
            if all(v is not None for _, v in identity):
                names.setdefault((kind, identity), []).append(f"{stack.name}/{logical_id}")
    return names


def test_no_two_resources_share_a_fixed_name_across_environments_in_one_account(synthesized_app):
    stacks = stacks_of(synthesized_app.assembly, DEFAULTS)
    assert {stack.environment for stack in stacks.values()} == set(DEFAULTS)
    names = fixed_names(stacks)
    assert any(kind == "AWS::SageMaker::ModelCard" for kind, _ in names)
    shared = {f"{kind} {dict(identity)}": where for (kind, identity), where in names.items() if len(where) > 1}
    assert shared == {}


def test_fixed_name_check_sees_names_built_from_pseudo_parameters():
    def bucket(name):
        return {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": name}}

    joined = {"Fn::Join": ["-", ["logs", {"Ref": "AWS::AccountId"}, {"Ref": "AWS::Region"}]]}
    stacks = {
        "a": _stack("a", {"B": bucket(joined)}),
        "b": _stack("b", {"B": bucket(joined)}),
        "c": _stack("c", {"B": bucket({"Fn::Join": ["-", ["x", {"Ref": "Other"}]]})}),
    }
    assert list(fixed_names(stacks).values()) == [["a/B", "b/B"]]


# ---------------------------------------------------------------------------------------------------
# Buckets, keys and topics keep the logical IDs they had (with their policies, aliases and
# auto-delete resources), whatever their construct paths become

#: Logical ID -> type of every bucket, key, alias, topic, subscription, bucket and topic policy and
#: auto-delete resource of each stack, recorded from the 0.1 snapshots (before the foundations became
#: the CDK types and their paths lost a level). Add to it; never rename in it.
RECORDED_LOGICAL_IDS = ROOT / "tests" / "stacks" / "stateful_logical_ids.json"


def test_buckets_keys_and_topics_keep_their_recorded_logical_ids(synthesized_app):
    recorded: dict[str, dict[str, str]] = json.loads(RECORDED_LOGICAL_IDS.read_text())
    templates = dict(synthesized_app.templates())
    assert set(recorded) <= set(templates)
    moved = [
        f"{stack}/{logical_id} ({kind})"
        for stack, resources in recorded.items()
        for logical_id, kind in resources.items()
        if templates[stack]["Resources"].get(logical_id, {}).get("Type") != kind
    ]
    assert moved == [], "these would be replaced on upgrade (new logical ID):\n" + "\n".join(moved)
    recorded_types = {kind for resources in recorded.values() for kind in resources.values()}
    assert {"AWS::S3::Bucket", "AWS::KMS::Key", "AWS::SNS::Topic", "AWS::S3::BucketPolicy"} <= recorded_types
