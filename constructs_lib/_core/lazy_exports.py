"""Lazy package exports (PEP 562): a package's public names imported when first used.

aws-cdk-lib's Python modules are large (``aws_cdk.aws_sagemaker`` alone takes a few hundred
milliseconds to import), and the library's areas use many of them. A package ``__init__`` that
imported every module it exports made ``import constructs_lib`` cost every area and every aws-cdk-lib
submodule any of them uses, whatever the program touched. Instead, each package ``__init__`` names
its exports twice, in the same shape:

- under ``if TYPE_CHECKING:``, as the ordinary ``from module import name`` the type checker and the
  editor read (so ``from constructs_lib import PrivateNetwork`` is checked as before);
- at run time, as a table ``{module: (name, ...)}`` given to ``lazy_exports``, whose module
  ``__getattr__`` imports a name's module when the name is first looked up and binds it in the
  package (later lookups are plain attribute reads).

``tests/test_lazy_imports.py`` checks that both agree with ``__all__``.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Mapping


def lazy_exports(
    package: str, exports: Mapping[str, tuple[str, ...]]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, which exports each name of
    ``exports[module]`` from ``module``. Any other name is looked up as a submodule of the package
    (``constructs_lib.training.pipeline`` after ``import constructs_lib``, as when the package imported
    its modules eagerly), else an ``AttributeError``."""
    module_of = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> object:
        namespace = vars(sys.modules[package])
        module = module_of.get(name)
        if module is not None:
            value = getattr(importlib.import_module(module), name)
        elif not name.startswith("__") and importlib.util.find_spec(f"{package}.{name}") is not None:
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(module_of))

    return __getattr__, __dir__
