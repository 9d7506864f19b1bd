"""The pipeline package's modules import each other in one direction: no cycle, no late import.

Read from the source (every import statement, those under ``TYPE_CHECKING`` and inside functions
included), so a cycle hidden by a late or type-only import fails here, not at a user's import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import constructs_lib.training.pipeline as pipeline_package

PACKAGE = pipeline_package.__name__
ROOT = Path(pipeline_package.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((PACKAGE, *parts))


MODULES = {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _imports(module: str) -> list[tuple[str, int, bool]]:
    """``(imported pipeline module, line, inside a function)`` for every import in ``module``."""
    tree = ast.parse(MODULES[module].read_text())
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((alias.name, child.lineno, nested) for alias in child.names if alias.name in MODULES)
            elif isinstance(child, ast.ImportFrom) and child.module is not None:
                for alias in child.names:
                    submodule = f"{child.module}.{alias.name}"
                    if submodule in MODULES:
                        found.append((submodule, child.lineno, nested))
                    elif child.module in MODULES:
                        found.append((child.module, child.lineno, nested))
            visit(child, nested)

    visit(tree, False)
    return found


def _graph() -> dict[str, set[str]]:
    """Who imports whom among the submodules (the package ``__init__`` re-exports them all)."""
    return {
        module: {imported for imported, _, _ in _imports(module) if imported != PACKAGE}
        for module in MODULES
        if module != PACKAGE
    }


def test_the_package_has_the_modules_this_test_reads():
    assert f"{PACKAGE}.serializer" in MODULES
    assert f"{PACKAGE}.expressions" in MODULES
    assert f"{PACKAGE}.steps.processing" in MODULES


def test_the_serializer_imports_no_other_pipeline_module_but_the_others_use_it():
    serializer = f"{PACKAGE}.serializer"
    graph = _graph()
    assert graph[serializer] == set()
    for module in (f"{PACKAGE}.expressions", f"{PACKAGE}.definition", f"{PACKAGE}.steps.processing"):
        assert serializer in graph[module], module


def test_no_pipeline_module_imports_another_inside_a_function():
    late = [
        f"{module.removeprefix(PACKAGE + '.')}:{line} imports {imported}"
        for module in MODULES
        for imported, line, in_function in _imports(module)
        if in_function
    ]
    assert late == []


def test_no_module_imports_the_package_it_is_part_of():
    assert [module for module in MODULES if module != PACKAGE and PACKAGE in {i for i, _, _ in _imports(module)}] == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    state: dict[str, str] = {}
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for imported in sorted(graph[module]):
            if state.get(imported) == "open":
                cycles.append([*path[path.index(imported) :], imported])
            elif imported not in state:
                visit(imported, [*path, imported])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return cycles


def test_pipeline_modules_import_each_other_without_a_cycle():
    assert _cycles(_graph()) == []


def test_the_cycle_check_finds_a_type_only_import_back():
    """Canary: ``expressions`` importing ``Step`` under ``TYPE_CHECKING`` again would be reported."""
    graph = _graph()
    assert f"{PACKAGE}.expressions" in graph[f"{PACKAGE}.step"]
    graph[f"{PACKAGE}.expressions"].add(f"{PACKAGE}.step")
    assert [f"{PACKAGE}.expressions", f"{PACKAGE}.step", f"{PACKAGE}.expressions"] in _cycles(graph)
