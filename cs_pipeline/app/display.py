"""What every page shares: number formats, links to a brief, and the page's cursor."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from cs_pipeline.app.warehouse import WarehouseMissing, published_warehouse

BRIEF_PATH = "brief"  # the brief's URL path: <app>/brief?account=<account_id>

Number = int | float | Decimal | None


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def usd(value: Number) -> str:
    """Whole US dollars with thousands separators: ``$1,234,568`` (tables show the cents)."""
    if _missing(value):
        return "–"
    amount = Decimal(str(value))
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.0f}"


def number(value: Number) -> str:
    return "–" if _missing(value) else f"{value:,}"


def percent(value: Number) -> str:
    return "–" if _missing(value) else f"{float(value):.0%}"


def days(value: Number) -> str:
    if _missing(value):
        return "–"
    return "1 day" if value == 1 else f"{value:,} days"


def date(value: dt.date | None) -> str:
    return "–" if value is None else value.isoformat()


def label(value: str | None) -> str:
    """A code as words: ``at_risk`` -> ``at risk``; ``–`` for none."""
    return "–" if value is None else value.replace("_", " ")


@dataclass(frozen=True)
class Metric:
    label: str
    value: str
    delta: Number = None
    help: str | None = None


def metric_row(*metrics: Metric) -> None:
    """Figures side by side, one column each."""
    for column, m in zip(st.columns(len(metrics)), metrics, strict=True):
        column.metric(m.label, m.value, delta=m.delta, help=m.help)


def choice(column: DeltaGenerator, title: str, options: list[str], param: str,
           placeholder: str) -> str | None:
    """A select box whose choice is also in the URL (``?<param>=<value>``), so the page can be
    linked to with it made; ``column`` is where it goes (``st`` or a column)."""
    wanted = st.query_params.get(param)
    value = column.selectbox(title, options,
                             index=options.index(wanted) if wanted in options else None,
                             placeholder=placeholder, key=f"choice_{param}")
    if value is None:
        st.query_params.pop(param, None)
    else:
        st.query_params[param] = value
    return value


def brief_url(account_id: str) -> str:
    """A relative link to an account's brief, for link columns of tables."""
    return f"{BRIEF_PATH}?account={account_id}"


@contextlib.contextmanager
def page_cursor() -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the latest published warehouse; without one the page says so and stops."""
    try:
        with published_warehouse().cursor() as cur:
            yield cur
    except WarehouseMissing as exc:
        st.error(str(exc))
        st.stop()


def table(frame: pd.DataFrame, **column_config: object) -> None:
    """A table with the cockpit's formats: ``*_usd`` in dollars with thousands separators,
    dates as dates, a ``brief`` column of links (see :func:`with_brief_links`), names humane."""
    config: dict[str, object] = {}
    for name in frame.columns:
        title = label(name)
        if name == "brief":
            config[name] = st.column_config.LinkColumn(
                "brief", display_text="open brief", help="the account's pre-call brief")
        elif name.endswith("_usd"):
            config[name] = st.column_config.NumberColumn(title.removesuffix(" usd") + " (USD)",
                                                         format="dollar")
        elif pd.api.types.is_datetime64_any_dtype(frame[name]):
            # DuckDB DATEs arrive as midnight timestamps: show them as dates.
            values = frame[name].dropna()
            if (values == values.dt.normalize()).all():
                config[name] = st.column_config.DateColumn(title, format="YYYY-MM-DD")
            else:
                config[name] = st.column_config.DatetimeColumn(title, format="YYYY-MM-DD HH:mm")
        else:
            config[name] = title
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config | column_config)


def with_brief_links(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a first ``brief`` column linking each row's account to its brief, in
    place of its ``account_id``."""
    links = [brief_url(a) for a in frame.account_id]
    return frame.drop(columns=["account_id"]).assign(brief=links)[
        ["brief", *(c for c in frame.columns if c != "account_id")]]
