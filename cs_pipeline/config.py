"""The one place that reads cs360's settings from the environment.

Everything else receives a :class:`CsSettings` (directly, or as the Dagster resource
:class:`CsConfig`), so paths never depend on the working directory.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dagster as dg

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EXTRACTS_DIR = PROJECT_ROOT / "data" / "extracts"
DEFAULT_WAREHOUSE = PROJECT_ROOT / "data" / "warehouse" / "cs360.duckdb"
DEFAULT_SCHEDULE_CRON = "0 2 * * *"
DEFAULT_SCHEDULE_TZ = "UTC"


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

    @property
    def run_failures_log(self) -> Path:
        """JSON lines of failed runs, beside the published file so a BI page can read it."""
        return self.warehouse.parent / "run_failures.jsonl"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> CsSettings:
        env = os.environ if environ is None else environ
        return cls(
            extracts_dir=Path(env.get("CS_EXTRACTS_DIR") or DEFAULT_EXTRACTS_DIR).resolve(),
            warehouse=Path(env.get("CS_WAREHOUSE") or DEFAULT_WAREHOUSE).resolve(),
            as_of=parse_as_of(env.get("CS_AS_OF")),
        )


@dataclass(frozen=True)
class AutomationSettings:
    """When the nightly build runs and where a failed run is announced.

    Read when the code location loads: a schedule's cron is part of its definition.
    """

    schedule_cron: str = DEFAULT_SCHEDULE_CRON
    schedule_tz: str = DEFAULT_SCHEDULE_TZ
    alert_webhook_url: str | None = None  # POSTed a JSON body per failed run when set

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> AutomationSettings:
        env = os.environ if environ is None else environ
        tz = env.get("CS_SCHEDULE_TZ") or DEFAULT_SCHEDULE_TZ
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"CS_SCHEDULE_TZ must be an IANA time zone, got {tz!r}") from exc
        return cls(
            schedule_cron=env.get("CS_SCHEDULE_CRON") or DEFAULT_SCHEDULE_CRON,
            schedule_tz=tz,
            alert_webhook_url=env.get("CS_ALERT_WEBHOOK_URL") or None,
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
