"""The one place that reads cs360's settings from the environment.

Everything else receives a :class:`CsSettings` (directly, or as the Dagster resource
:class:`CsConfig`), so paths never depend on the working directory.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EXTRACTS_DIR = PROJECT_ROOT / "data" / "extracts"
DEFAULT_WAREHOUSE = PROJECT_ROOT / "data" / "warehouse" / "cs360.duckdb"


def parse_as_of(value: str | None) -> dt.date:
    """`CS_AS_OF` as a date; today when unset or empty."""
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"CS_AS_OF must be YYYY-MM-DD, got {value!r}") from exc


@dataclass(frozen=True)
class CsSettings:
    extracts_dir: Path
    warehouse: Path
    as_of: dt.date

    @property
    def build_warehouse(self) -> Path:
        """The working file a run builds into; BI tools never open it.

        It sits beside the published file (same filesystem) so publishing is an atomic rename.
        """
        return self.warehouse.parent / "build" / self.warehouse.name

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> CsSettings:
        env = os.environ if environ is None else environ
        return cls(
            extracts_dir=Path(env.get("CS_EXTRACTS_DIR") or DEFAULT_EXTRACTS_DIR).resolve(),
            warehouse=Path(env.get("CS_WAREHOUSE") or DEFAULT_WAREHOUSE).resolve(),
            as_of=parse_as_of(env.get("CS_AS_OF")),
        )


class CsConfig(dg.ConfigurableResource):
    """cs360 settings as a Dagster resource (shown in the UI, overridable per run)."""

    extracts_dir: str
    warehouse: str
    as_of: str = ""  # empty: today, resolved when a run starts, not when the code loads

    @classmethod
    def from_env(cls) -> CsConfig:
        s = CsSettings.from_env()
        return cls(
            extracts_dir=str(s.extracts_dir),
            warehouse=str(s.warehouse),
            as_of=os.environ.get("CS_AS_OF", ""),
        )

    @property
    def settings(self) -> CsSettings:
        return CsSettings(
            extracts_dir=Path(self.extracts_dir),
            warehouse=Path(self.warehouse),
            as_of=parse_as_of(self.as_of),
        )
