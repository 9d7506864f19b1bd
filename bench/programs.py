"""The programs the benchmark times, each run as its own Python process (``python -m bench.programs X``).

Every program synthesizes with the same settings: aws-cdk-lib's built-in CloudFormation validation
off (as in the tests), analytics off, output to a temporary directory.

``replay`` is the fair floor: it rebuilds templates the library synthesized (``dump``) as raw L1
resources, one ``cdk.CfnResource`` with literal properties per resource, in the same stacks of one
app, so what it costs is what aws-cdk-lib itself charges for the same templates.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

#: What CDK's default synthesizer adds to every stack itself: not replayed.
_SYNTHESIZER_PARAMETERS = {"BootstrapVersion"}
#: Resource attributes replayed with ``add_override`` (as an L1 app sets them through ``cfn_options``).
_ATTRIBUTES = ("DependsOn", "Condition", "DeletionPolicy", "UpdateReplacePolicy", "UpdatePolicy", "Metadata")


def _app(outdir: str):
    import aws_cdk as cdk

    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    return cdk.App(context=context, outdir=outdir, builtin_cloud_formation_validation=False, analytics_reporting=False)


def floor(outdir: str) -> None:
    """An empty app with one empty stack: what aws-cdk-lib itself costs at the least."""
    import aws_cdk as cdk

    app = _app(outdir)
    cdk.Stack(app, "Empty")
    app.synth()


def _build(app: Any, program: str, argument: str | None) -> None:
    sys.path.insert(0, str(ROOT))
    if program == "whole_app":
        from app import build_app

        build_app(app, compliance=argument != "bare")
    elif program == "scaling":
        from bench.scaling_stack import build_scaling_stack

        build_scaling_stack(app, int(argument or "1"))
    else:
        raise SystemExit(f"unknown program {program}")


def whole_app(outdir: str, packs: str = "packs") -> None:
    """Every environment and stack of app.py; with the cdk-nag packs unless ``packs`` is ``bare``."""
    app = _app(outdir)
    _build(app, "whole_app", packs)
    app.synth()


def scaling(outdir: str, models: str) -> None:
    """``models`` real-time endpoints, each with autoscaling, a monitor and alarms (bench.scaling_stack)."""
    app = _app(outdir)
    _build(app, "scaling", models)
    app.synth()


def dump(outdir: str, target: str, program: str, argument: str = "") -> None:
    """Synthesize ``program`` (``whole_app bare`` or ``scaling N``) once and write each stack's
    template and environment to ``target`` (JSON), the input of ``replay``."""
    app = _app(outdir)
    _build(app, program, argument or None)
    assembly = app.synth()
    stacks = []
    for artifact in _stacks(assembly):
        stacks.append(
            {
                "id": artifact.hierarchical_id.replace("/", "-"),
                "region": artifact.environment.region,
                "account": artifact.environment.account,
                "template": artifact.template,
            }
        )
    Path(target).write_text(json.dumps(stacks))


def _stacks(assembly: Any) -> list[Any]:
    """Every stack of the assembly and of its nested assemblies (stages); nested stacks' templates are
    files of their parent and are replayed as stacks of their own."""
    found = list(assembly.stacks)
    for nested in assembly.nested_assemblies:
        found.extend(_stacks(nested.nested_assembly))
    return found


def replay(outdir: str, source: str, modules: str = "") -> Any:
    """The templates of ``source`` (from ``dump``) as raw L1: one stack per template, one
    ``cdk.CfnResource`` per resource with its literal properties and logical ID, the parameters as
    ``cdk.CfnParameter``s, in one app with the same settings.

    With ``modules`` = ``modules``, it first imports aws-cdk-lib's module of each resource type's
    service (``aws_cdk.aws_s3`` for ``AWS::S3::Bucket``), where an L1 app written by hand finds its
    ``CfnBucket``: the same floor with the import cost such an app cannot avoid."""
    import aws_cdk as cdk

    entries = json.loads(Path(source).read_text())
    if modules == "modules":
        import_l1_modules(entries)
    app = _app(outdir)
    for entry in entries:
        env = cdk.Environment(region=entry["region"], account=_concrete(entry["account"]))
        stack = cdk.Stack(app, entry["id"], env=env)
        template = entry["template"]
        for name, parameter in template.get("Parameters", {}).items():
            if name not in _SYNTHESIZER_PARAMETERS:
                cdk.CfnParameter(stack, name, type=parameter.get("Type", "String"), default=parameter.get("Default"))
        for logical_id, resource in template.get("Resources", {}).items():
            if resource["Type"] == "AWS::CDK::Metadata":
                continue
            l1 = cdk.CfnResource(stack, logical_id, type=resource["Type"], properties=resource.get("Properties"))
            l1.override_logical_id(logical_id)
            for attribute in _ATTRIBUTES:
                if attribute in resource:
                    l1.add_override(attribute, resource[attribute])
    return app.synth()


def l1_modules(entries: list[dict[str, Any]]) -> list[str]:
    """aws-cdk-lib's modules holding the L1 classes of the resource types in ``entries``."""
    import importlib.util

    services = {
        resource["Type"].split("::")[1].lower()
        for entry in entries
        for resource in entry["template"].get("Resources", {}).values()
        if resource["Type"].startswith("AWS::")
    }
    names = [f"aws_cdk.aws_{service}" for service in sorted(services)]
    return [name for name in names if importlib.util.find_spec(name) is not None]


def import_l1_modules(entries: list[dict[str, Any]]) -> None:
    import importlib

    for name in l1_modules(entries):
        importlib.import_module(name)


def _concrete(account: str) -> str | None:
    return None if account.startswith("unknown") else account


#: What ``import constructs_lib`` is measured against: aws-cdk-lib and the submodules the README's
#: three-line app (a ``PrivateNetwork``, a ``SecureBucket``, an ``EncryptionKey``) really uses.
FLOOR_IMPORTS = ("aws_cdk", "aws_cdk.aws_ec2", "aws_cdk.aws_s3", "aws_cdk.aws_kms", "aws_cdk.aws_iam")


#: What the README's three-line app takes from the library: ``library`` imports these.
README_NAMES = ("PrivateNetwork", "SecureBucket", "EncryptionKey")


def imports(outdir: str, which: str) -> None:
    """``library``: ``import constructs_lib`` and the ``README_NAMES`` (the package's exports are lazy,
    so ``import constructs_lib`` alone imports no construct; these names are what a program of
    ``FLOOR_IMPORTS``'s size touches). ``floor``: the ``FLOOR_IMPORTS``, nothing else. ``everything``:
    every name of ``constructs_lib.__all__`` (what ``import constructs_lib`` cost while the exports
    were eager), for reference."""
    import importlib

    if which == "floor":
        for module in FLOOR_IMPORTS:
            importlib.import_module(module)
        return
    library = importlib.import_module("constructs_lib")
    for name in README_NAMES if which == "library" else library.__all__:
        getattr(library, name)


PROGRAMS = {
    "floor": floor,
    "imports": imports,
    "whole_app": whole_app,
    "scaling": scaling,
    "dump": dump,
    "replay": replay,
}

if __name__ == "__main__":
    name, *args = sys.argv[1:]
    with tempfile.TemporaryDirectory() as out:
        PROGRAMS[name](out, *args)
