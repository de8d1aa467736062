"""Importing a third-party package without the parts of it cs360 never runs, and without
Python's cyclic garbage collector running through it.

All are for start-up cost only (docs/performance.md, "Measured by hand"); none changes what a
package does for the code cs360 calls, and :func:`absent` and :func:`import_lazily` leave a
module alone that something imported already.
"""

import gc
import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def absent(name: str) -> Iterator[None]:
    """While the block runs, importing module ``name`` raises ``ModuleNotFoundError`` (as if it
    were not installed); afterwards it imports as usual."""
    if name in sys.modules:
        yield
        return
    sys.modules[name] = None  # type: ignore[assignment]  # the import system's "not there"
    try:
        yield
    finally:
        if sys.modules.get(name, "") is None:
            del sys.modules[name]


def import_lazily(name: str) -> None:
    """Import module ``name`` so that its code runs when one of its attributes is first read
    (the standard library's ``importlib.util.LazyLoader``)."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)  # as an import of the submodule does


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while the block runs, then as it was.

    An import that creates hundreds of thousands of objects (Great Expectations: its pydantic
    models, expectations and datasources) triggers about 400 collections, two of them full
    ones that traverse every object imported before it (Dagster's, dbt's manifest): the GX
    import took 1.75-1.81 s of CPU with them, 1.32-1.49 s without (docs/performance.md, "Measured by
    hand"). A module's objects live as long as the process, so that work frees next to
    nothing; the cycles the block leaves are collected once the collector is back on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
