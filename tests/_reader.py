"""A separate reader process for the tests that query a warehouse while cs360 rewrites it
(test_end_to_end: a nightly re-run; test_publish: repeated publishes).

The reader is a script run with ``python -c``: it gets its arguments and, last, a stop file; it
prints "ready", queries until the stop file appears, then prints its JSON report as last line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path


def read_while(script: str, args: list[str], stop: Path, work: Callable[[], None]) -> dict:
    """Start the reader, run ``work`` once it is ready, stop it and return its report."""
    reader = subprocess.Popen(
        [sys.executable, "-c", script, *args, str(stop)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "ready"
        work()
        stop.touch()
        out, _ = reader.communicate(timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
    return json.loads(out)
