"""Import a package with some of the modules it imports left until their first use.

dagster-dbt's ``__init__`` imports its dbt Cloud integrations (``dagster_dbt.cloud``,
``dagster_dbt.cloud_v2``: ``requests``, and Dagster's gRPC client with protobuf) and its event
parser imports ``sqlglot`` at the top, for column lineage: 0.17 s of CPU (measured; about
0.3 s by ``python -X importtime``) in every process that loads cs360's definitions (a run,
`make dev`'s code server, each test), for code cs360 never runs (it runs dbt Core, and asks for
no column lineage). :func:`import_deferring` imports the package with stand-ins for those
modules; a name the package takes from one is imported from the real module at its first use.
The real modules are left out of ``sys.modules``, so a later ``import sqlglot`` or ``import
dagster_dbt.cloud`` loads them as usual. Guarded by tests/test_fixed_costs.py (which modules are
not imported, and that the deferred names still work).
"""

import importlib
import sys
from collections.abc import Iterable
from types import ModuleType
from typing import Any


class DeferredName:
    """A name one module took from a deferred module: the real object on first use."""

    def __init__(self, owner: ModuleType | None, name: str, module: str, attribute: str) -> None:
        self._where = (owner, name, module, attribute)

    def resolve(self) -> Any:
        owner, name, module, attribute = self._where
        real = getattr(importlib.import_module(module), attribute)
        if owner is not None and getattr(owner, name, None) is self:
            setattr(owner, name, real)  # later uses find the real object
        return real

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):  # copy, pickle, inspect: not a use of the name
            raise AttributeError(attribute)
        return getattr(self.resolve(), attribute)

    def __repr__(self) -> str:
        _, _, module, attribute = self._where
        return f"<{module}.{attribute}, imported at first use>"


class _StandIn(ModuleType):
    """Stands in for a deferred module while the package imports: hands out DeferredNames."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__path__: list[str] = []  # a package, so its submodules can be stood in for too
        self.handed_out: dict[str, DeferredName] = {}

    def __getattr__(self, attribute: str) -> DeferredName:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        if attribute not in self.handed_out:
            self.handed_out[attribute] = DeferredName(None, attribute, self.__name__, attribute)
        return self.handed_out[attribute]


def import_deferring(package: str, deferred: Iterable[str]) -> ModuleType:
    """Import ``package`` with each module of ``deferred`` (already imported ones excepted)
    replaced by a stand-in; then point every name taken from a stand-in at its real module.

    In the package's own namespace such a name is served by the module's ``__getattr__`` (the
    real object, imported at first access, so ``dir()``, ``inspect`` and ``from package import
    X`` see real classes); in its submodules, whose functions read them as globals, it is a
    :class:`DeferredName`."""
    before = set(sys.modules)
    stand_ins = {name: _StandIn(name) for name in deferred if name not in sys.modules}
    sys.modules.update(stand_ins)
    try:
        imported = importlib.import_module(package)
    finally:
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
            parent = sys.modules.get(name.rpartition(".")[0])
            child = name.rpartition(".")[2]
            if parent is not None and vars(parent).get(child) is stand_in:
                delattr(parent, child)
    handed_out = {id(d) for s in stand_ins.values() for d in s.handed_out.values()}
    served: dict[str, tuple[str, str]] = {}
    for module_name in set(sys.modules) - before:
        namespace = getattr(sys.modules[module_name], "__dict__", {})
        for name, value in list(namespace.items()):
            if id(value) not in handed_out:
                continue
            _, _, source, attribute = value._where
            if module_name == package:
                del namespace[name]
                served[name] = (source, attribute)
            else:
                namespace[name] = DeferredName(sys.modules[module_name], name, source, attribute)
    if served:
        _serve(imported, served)
    return imported


def _serve(package: ModuleType, served: dict[str, tuple[str, str]]) -> None:
    """The package's ``__getattr__`` and ``__dir__`` with the deferred names added."""
    own_getattr = getattr(package, "__getattr__", None)
    own_dir = getattr(package, "__dir__", None)

    def __getattr__(name: str) -> Any:
        if name in served:
            source, attribute = served[name]
            value = getattr(importlib.import_module(source), attribute)
            setattr(package, name, value)
            return value
        if own_getattr is not None:
            return own_getattr(name)
        raise AttributeError(f"module {package.__name__!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        names = own_dir() if own_dir is not None else list(vars(package))
        return sorted({*names, *served})

    package.__getattr__ = __getattr__  # type: ignore[method-assign]
    package.__dir__ = __dir__  # type: ignore[method-assign]
