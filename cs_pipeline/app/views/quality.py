"""Data quality: what the run left out per source, and the latest results of the checks whose
inputs the warehouse records, so a CSM knows when a figure is incomplete."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from cs_pipeline.app import display, queries
from cs_pipeline.config import CsSettings

st.title("Data quality")

with display.page_cursor() as cur:
    summary = queries.records_left_out(cur)
    reasons = queries.unmatched_reasons(cur)
    quarantine = queries.quarantine_rules(cur)
    row_counts = queries.row_count_changes(cur)

per_source = summary.groupby("source", sort=True)[["raw_rows", "quarantined", "unmatched"]].sum()
columns = st.columns(len(per_source))
for column, (source, row) in zip(columns, per_source.iterrows(), strict=True):
    column.metric(f"{source}: unmatched", display.number(int(row.unmatched)),
                  help="records that reach no CRM account (marts.unmatched_records)")
    column.caption(f"{display.number(int(row.quarantined))} quarantined of "
                   f"{display.number(int(row.raw_rows))} raw rows")

below = summary[summary.match_rate < summary.min_match_rate]
unaccounted = summary[summary.unaccounted != 0]
if len(below) or len(unaccounted):
    for row in below.itertuples():
        st.warning(f"{row.source} {row.entity}: match rate {display.percent(row.match_rate)}, "
                   f"below the minimum {display.percent(row.min_match_rate)}")
    for row in unaccounted.itertuples():
        st.error(f"{row.source} {row.entity}: {row.unaccounted} raw rows are unaccounted for")
else:
    st.success("Every raw row is accounted for and every match rate meets its minimum.")

st.subheader("Per extract")
display.table(summary,
              match_rate=st.column_config.NumberColumn("match rate", format="percent"),
              min_match_rate=st.column_config.NumberColumn("min match rate", format="percent"))
left, right = st.columns(2)
with left:
    st.subheader("Unmatched records by reason")
    display.table(reasons)
with right:
    st.subheader("Quarantined rows by rule")
    display.table(quarantine)

st.subheader("Row counts: latest load against the one before")
display.table(row_counts)

failures_log = CsSettings.from_env().run_failures_log
st.subheader("Failed runs")
failures = ([json.loads(line) for line in failures_log.read_text(encoding="utf-8").splitlines()
             if line.strip()] if failures_log.is_file() else [])
if failures:
    display.table(pd.DataFrame([{k: f[k] for k in ("failed_at", "job_name", "failed_steps",
                                                    "message")} for f in reversed(failures[-10:])]))
else:
    st.caption(f"No failed run recorded in {failures_log.name}.")
