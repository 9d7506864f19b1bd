"""The packages' exports are lazy (``constructs_lib._core.lazy_exports``): ``import constructs_lib``
imports no area module and no aws-cdk-lib submodule, a name imports what it needs, and every package's
three lists of its names (``__all__``, the ``TYPE_CHECKING`` imports the type checker reads, the run-time
table) agree."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.programs import FLOOR_IMPORTS, README_NAMES
from tests.test_public_api import PACKAGES

ROOT = Path(__file__).resolve().parent.parent


#: What one fresh interpreter runs, in this order, and the module set after each step: each step adds
#: to the last (one interpreter, as aws-cdk-lib's first import costs a few seconds on a loaded machine).
STEPS = {
    "library": "import constructs_lib",
    "floor": "\n".join(f"import {module}" for module in FLOOR_IMPORTS),
    # The names the bench's ``imports library`` touches: the README app's three constructs.
    "readme": f"from constructs_lib import {', '.join(README_NAMES)}",
    "submodule": "assert constructs_lib.training.pipeline.PipelineDefinition",
    # The acknowledgment functions, which every construct module imports, without the packs.
    "acknowledgments": "from constructs_lib import acknowledge, add_compliance_checks",
    "packs": "import aws_cdk; constructs_lib.add_compliance_checks(aws_cdk.App())",
}


@pytest.fixture(scope="module")
def imported() -> dict[str, set[str]]:
    lines = ["import json, sys"]
    for step, code in STEPS.items():
        lines += [code, f"print(json.dumps([{step!r}, sorted(sys.modules)]))"]
    result = subprocess.run(
        [sys.executable, "-c", "\n".join(lines)], cwd=ROOT, capture_output=True, text=True, check=True, timeout=300
    )
    steps = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("[")]
    return {step: set(modules) for step, modules in steps}


def _heavy(modules: set[str]) -> set[str]:
    """aws-cdk-lib's service modules, cdk-nag and botocore among ``modules``."""
    return {
        name
        for name in modules
        if name.startswith("aws_cdk.aws_") and "._" not in name or name in ("cdk_nag", "botocore", "boto3")
    }


def test_import_constructs_lib_imports_no_area_and_no_aws_cdk_module(imported):
    modules = imported["library"]
    assert "aws_cdk.aws_sagemaker" not in modules and "aws_cdk.aws_stepfunctions" not in modules
    assert _heavy(modules) == set()
    assert sorted(m for m in modules if m.startswith("constructs_lib.")) == [
        "constructs_lib._core",
        "constructs_lib._core.lazy_exports",
    ]


def test_the_readme_app_imports_only_what_its_constructs_use(imported):
    """The README's three-line app (a ``PrivateNetwork``, an ``EncryptionKey``, a ``SecureBucket``) imports
    what the bench's floor imports (aws-cdk-lib, ec2, s3, kms, iam and what those import themselves),
    and CloudWatch Logs for the network's flow logs: no SageMaker, Step Functions, Lambda or cdk-nag."""
    assert sorted(_heavy(imported["readme"]) - _heavy(imported["floor"])) == ["aws_cdk.aws_logs"]


def test_cdk_nag_loads_only_when_the_packs_are_added(imported):
    """cdk-nag's jsii assembly costs about 0.35 s to load: an app without the packs never pays it."""
    assert "cdk_nag" not in imported["acknowledgments"]
    assert "cdk_nag" in imported["packs"]


def _package_tables(package: str) -> tuple[dict[str, str], dict[str, str]]:
    """``{name: module}`` of the package's ``TYPE_CHECKING`` imports and of its ``lazy_exports`` table."""
    module = importlib.import_module(package)
    tree = ast.parse(Path(module.__file__ or "").read_text())
    typed: dict[str, str] = {}
    lazy: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom) and statement.module, ast.unparse(statement)
                typed.update({alias.name: statement.module for alias in statement.names if alias.asname is None})
            for call in ast.walk(ast.Module(body=node.orelse, type_ignores=[])):
                if isinstance(call, ast.Call) and ast.unparse(call.func) == "lazy_exports":
                    table = ast.literal_eval(call.args[1])
                    lazy.update({name: source for source, names in table.items() for name in names})
    return typed, lazy


@pytest.mark.parametrize("package", PACKAGES)
def test_type_checker_and_run_time_see_the_same_names(package):
    typed, lazy = _package_tables(package)
    assert typed == lazy
    assert set(typed) == set(importlib.import_module(package).__all__)


def _source_object(module: str, name: str) -> object:
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_resolves_to_its_module_s_object(package):
    module = importlib.import_module(package)
    _, lazy = _package_tables(package)
    assert set(module.__all__) <= set(dir(module))
    wrong = [name for name in module.__all__ if getattr(module, name) is not _source_object(lazy[name], name)]
    assert wrong == []


def test_an_unknown_name_is_an_attribute_error():
    import constructs_lib

    with pytest.raises(AttributeError, match="'constructs_lib' has no attribute 'NoSuchConstruct'"):
        _ = constructs_lib.NoSuchConstruct  # type: ignore[attr-defined]
    with pytest.raises(ImportError):
        from constructs_lib import NoSuchConstruct  # type: ignore[attr-defined] # noqa: F401


def test_submodules_stay_reachable_as_attributes(imported):
    """As when the packages imported their modules eagerly: ``lib.training.pipeline.X`` after ``import``."""
    assert "constructs_lib.training.pipeline.definition" in imported["submodule"]
