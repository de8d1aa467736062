"""The data checks' thresholds, read from the one place they are declared: the
"Data-quality thresholds" block of ``dbt_project/dbt_project.yml`` (docs/configuration.md).

dbt reads the same vars for the SQL checks, so a number is changed in one file whichever
engine compares with it. Read once per process (the file is small and part of the code).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

DBT_PROJECT_YML = Path(__file__).resolve().parents[2] / "dbt_project" / "dbt_project.yml"


@cache
def dbt_vars() -> dict[str, Any]:
    with DBT_PROJECT_YML.open(encoding="utf-8") as f:
        return yaml.safe_load(f)["vars"]


def threshold(name: str) -> Any:
    """One var of dbt_project.yml; a missing one is an error naming it."""
    try:
        return dbt_vars()[name]
    except KeyError:
        raise KeyError(f"{DBT_PROJECT_YML}: vars has no {name!r} (docs/configuration.md)") from None
