"""The public API is what the packages export: the app uses nothing else, every public name of an area's
modules is exported (by the area and by ``constructs_lib``), and no public signature needs a private type.

A type is private when it is underscored or defined under a private module (``constructs_lib._core``)
and not exported: a user can neither import nor name it. The core's types that ``constructs_lib``
exports (``ConstructValidationError``, ``ManagedPolicyRole``, ...) are public under that name.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import pkgutil
import re
import typing
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import aws_cdk as cdk
import pytest

import constructs_lib
from tests.conftest import new_app

ROOT = Path(__file__).resolve().parent.parent
#: The lifecycle areas; ``training.pipeline`` (the pipeline DSL) is exported by itself, not by ``constructs_lib``.
AREAS = (
    "constructs_lib.foundation",
    "constructs_lib.studio",
    "constructs_lib.training",
    "constructs_lib.training.pipeline",
    "constructs_lib.inference",
    "constructs_lib.monitoring",
    "constructs_lib.platform",
    "constructs_lib.labeling",
    "constructs_lib.governance",
)
TOP_LEVEL_AREAS = tuple(area for area in AREAS if area != "constructs_lib.training.pipeline")
PACKAGES = ("constructs_lib", *AREAS)


def _is_private(module_name: str) -> bool:
    """Private modules: ``_core`` and anything underscored; handler code is Lambda code, not API."""
    return any(part.startswith("_") or part.endswith("_handler") for part in module_name.split("."))


def _area_of(module_name: str) -> str | None:
    owners = [area for area in AREAS if module_name == area or module_name.startswith(area + ".")]
    return max(owners, key=len) if owners else None


def _area_modules(area: str) -> Iterator[ModuleType]:
    package = importlib.import_module(area)
    for info in pkgutil.walk_packages(package.__path__, area + "."):
        if not _is_private(info.name) and _area_of(info.name) == area and info.name not in AREAS:
            yield importlib.import_module(info.name)


def _public_names(module: ModuleType) -> set[str]:
    """A module's ``__all__`` when it declares one; else its own non-underscored classes and functions."""
    declared = getattr(module, "__all__", None)
    if declared is not None:
        return set(declared)
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == module.__name__
    }


@functools.cache
def _core_values() -> frozenset[int]:
    core = importlib.import_module("constructs_lib._core")
    modules = [importlib.import_module(info.name) for info in pkgutil.walk_packages(core.__path__, core.__name__ + ".")]
    return frozenset(
        id(value) for module in modules for name, value in vars(module).items() if not name.startswith("_")
    )


def _defined_in_core(value: Any) -> bool:
    """A class or function of the private core, or one of its constants."""
    return getattr(value, "__module__", "").startswith("constructs_lib._core") or id(value) in _core_values()


@pytest.mark.parametrize("package", PACKAGES)
def test_all_names_exist_once(package):
    module = importlib.import_module(package)
    names = list(module.__all__)
    assert sorted(n for n in set(names) if names.count(n) > 1) == []
    assert [name for name in names if not hasattr(module, name)] == []


@pytest.mark.parametrize("area", AREAS)
def test_each_area_exports_every_public_name_of_its_modules(area):
    package = importlib.import_module(area)
    public = {name: module.__name__ for module in _area_modules(area) for name in _public_names(module)}
    exported = set(package.__all__)
    assert {name: where for name, where in public.items() if name not in exported} == {}
    # Beyond its modules' classes and functions: their constants, and shared helpers of the private core.
    defined = {name for module in _area_modules(area) for name in vars(module) if not name.startswith("_")}
    extra = exported - set(public) - defined
    assert sorted(name for name in extra if not _defined_in_core(getattr(package, name))) == []


def test_constructs_lib_exports_every_area_name_and_only_core_helpers_besides():
    exported = set(constructs_lib.__all__)
    for area in TOP_LEVEL_AREAS:
        package = importlib.import_module(area)
        missing = sorted(set(package.__all__) - exported)
        assert missing == [], f"{area} names not exported by constructs_lib"
        assert all(getattr(constructs_lib, name) is getattr(package, name) for name in package.__all__)
    in_areas = {name for area in TOP_LEVEL_AREAS for name in importlib.import_module(area).__all__}
    assert sorted(name for name in exported - in_areas if not _defined_in_core(getattr(constructs_lib, name))) == []


# --- the app uses only the public API --------------------------------------------------------------


def _app_sources() -> list[Path]:
    return [ROOT / "app.py", *sorted((ROOT / "stacks").rglob("*.py"))]


def _library_imports(path: Path) -> Iterator[tuple[int, str, str | None]]:
    """(line, module, name) of every import of ``constructs_lib`` in ``path``; name None for ``import x``."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "constructs_lib":
            for alias in node.names:
                yield node.lineno, node.module, alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "constructs_lib":
                    yield node.lineno, alias.name, None


def test_the_app_imports_only_exported_names_of_public_packages():
    wrong = []
    for path in _app_sources():
        for line, module, name in _library_imports(path):
            where = f"{path.relative_to(ROOT)}:{line}"
            if module not in PACKAGES:
                wrong.append(f"{where}: {module} is not a public package ({', '.join(PACKAGES)})")
            elif name is not None and name not in importlib.import_module(module).__all__:
                wrong.append(f"{where}: {module}.{name} is not in its __all__")
    assert wrong == []


def test_the_scan_sees_a_private_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from constructs_lib._core.nag import acknowledge\nimport constructs_lib.inference.model\n")
    assert list(_library_imports(sample)) == [
        (1, "constructs_lib._core.nag", "acknowledge"),
        (2, "constructs_lib.inference.model", None),
    ]


# --- no public signature mentions a private type -----------------------------------------------------


def _exported() -> dict[str, Any]:
    objects = {f"constructs_lib.{name}": getattr(constructs_lib, name) for name in constructs_lib.__all__}
    pipeline = importlib.import_module("constructs_lib.training.pipeline")
    objects.update({f"{pipeline.__name__}.{name}": getattr(pipeline, name) for name in pipeline.__all__})
    return objects


def _public_type_ids() -> set[int]:
    return {id(value) for value in _exported().values() if inspect.isclass(value)}


def _types_in(hint: Any) -> Iterator[type]:
    if inspect.isclass(hint) and not typing.get_args(hint):
        yield hint
    origin = typing.get_origin(hint)
    if origin is not None and inspect.isclass(origin):
        yield origin
    for arg in typing.get_args(hint):
        if isinstance(arg, (list, tuple)):
            for item in arg:
                yield from _types_in(item)
        else:
            yield from _types_in(arg)


def _signatures(name: str, value: Any) -> Iterator[tuple[str, Any]]:
    """(where, callable) of an exported function, or of an exported class's ``__init__`` and public
    methods and properties, including those it inherits from the library's own (maybe private) bases."""
    if inspect.isfunction(value):
        yield name, value
        return
    if not inspect.isclass(value):
        return
    seen: set[str] = set()
    for klass in value.__mro__:
        if not klass.__module__.startswith("constructs_lib"):
            continue
        for member, attribute in vars(klass).items():
            if member in seen or (member.startswith("_") and member != "__init__"):
                continue
            seen.add(member)
            if isinstance(attribute, property) and attribute.fget is not None:
                yield f"{name}.{member}", attribute.fget
            elif isinstance(attribute, (staticmethod, classmethod)):
                yield f"{name}.{member}", attribute.__func__
            elif inspect.isfunction(attribute):
                yield f"{name}.{member}", attribute


@functools.cache
def _type_checking_names(module_name: str) -> dict[str, Any]:
    """What ``module_name`` imports under ``if TYPE_CHECKING:`` (annotations name it, the module does not)."""
    module = importlib.import_module(module_name)
    source = inspect.getsource(module)
    names: dict[str, Any] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            exec(compile(ast.Module(body=node.body, type_ignores=[]), module_name, "exec"), names)
    return names


def _private_types(function: Any, public: set[int], localns: dict[str, Any] | None = None) -> list[str]:
    module = inspect.getmodule(function)
    names = vars(module) if module is not None else {}
    extra = _type_checking_names(module.__name__) if module is not None and "TYPE_CHECKING" in names else {}
    hints = typing.get_type_hints(function, globalns={**names, **extra}, localns=localns)
    found = []
    for hint in hints.values():
        for kind in _types_in(hint):
            module = kind.__module__
            private = module.startswith("constructs_lib._core") or any(p.startswith("_") for p in module.split("."))
            if (private or kind.__name__.startswith("_")) and id(kind) not in public:
                found.append(f"{module}.{kind.__qualname__}")
    return found


def test_no_public_signature_mentions_a_private_type():
    public = _public_type_ids()
    wrong = {}
    for name, value in _exported().items():
        for where, function in _signatures(name, value):
            private = _private_types(function, public)
            if private:
                wrong[where] = sorted(set(private))
    assert wrong == {}


def test_the_signature_check_sees_a_private_type():
    from constructs_lib._core.roles import ManagedPolicyRole

    class _Hidden:
        pass

    def uses(role: ManagedPolicyRole, hidden: list[_Hidden] | None = None) -> None: ...

    names = {"ManagedPolicyRole": ManagedPolicyRole, "_Hidden": _Hidden}
    hidden = f"{__name__}.{_Hidden.__qualname__}"
    assert _private_types(uses, set(), names) == ["constructs_lib._core.roles.ManagedPolicyRole", hidden]
    assert _private_types(uses, {id(ManagedPolicyRole)}, names) == [hidden]


def test_readme_compliance_example_synthesizes_nag_clean(tmp_path, monkeypatch):
    app = new_app(outdir=str(tmp_path))
    monkeypatch.setattr(cdk, "App", lambda: app)
    text = (ROOT / "README.md").read_text().split("Your own stacks use the same public family", 1)[1]
    example = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    exec(compile(example, "README.md", "exec"), {})  # synth fails on any unacknowledged finding
    template = (tmp_path / "Reports.template.json").read_text()
    assert "WriteExports" in template and "aws:SourceAccount" in template


def test_core_imports_no_lifecycle_area_at_run_time():
    """``_core`` is the bottom layer: its modules import no area package (type-only imports under
    ``TYPE_CHECKING`` excepted), so every area can import it without a cycle."""
    import ast
    from pathlib import Path

    areas = ("foundation", "studio", "training", "inference", "monitoring", "platform", "labeling", "governance")
    core = Path(__file__).resolve().parents[1] / "constructs_lib" / "_core"
    found = []
    for module in sorted(core.glob("*.py")):
        tree = ast.parse(module.read_text())
        type_only = {
            id(node)
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
            for node in ast.walk(block)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and id(node) not in type_only and node.module:
                parts = node.module.split(".")
                if parts[0] == "constructs_lib" and len(parts) > 1 and parts[1] in areas:
                    found.append(f"{module.name}: {node.module}")
    assert found == []
