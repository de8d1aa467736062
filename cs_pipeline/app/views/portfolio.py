"""Portfolio: health bands, renewals at risk and version currency of the filtered accounts."""

from __future__ import annotations

import streamlit as st

from cs_pipeline.app import display, queries

st.title("Portfolio")

with display.page_cursor() as cur:
    options = queries.filter_options(cur)
    fields = {"csm_name": ("CSM", "csm"), "region": ("Region", "region"),
              "segment": ("Segment", "segment"), "health_band": ("Health band", "band")}
    chosen = {
        field: display.choice(column, label, options[field], param, "all")
        for column, (field, (label, param)) in zip(st.columns(len(fields)), fields.items(),
                                                    strict=True)
    }
    filters = queries.Filters(**chosen)
    bands = queries.portfolio_bands(cur, filters)
    at_risk = queries.accounts_at_risk(cur, filters)
    versions = queries.version_scoreboard(cur, filters)

st.subheader("Health bands")
band_columns = st.columns(len(queries.HEALTH_BANDS))
by_band = {row.health_band: row for row in bands.itertuples()}
for column, band in zip(band_columns, queries.HEALTH_BANDS, strict=True):
    row = by_band.get(band)
    column.metric(display.label(band), display.number(row.accounts if row else 0),
                  help="accounts in the band")
    column.caption(f"ARR {display.usd(row.arr_usd if row else 0)}")
unscored = by_band.get(None)
st.caption(
    f"{display.number(int(bands.accounts.sum()))} accounts, ARR "
    f"{display.usd(bands.arr_usd.sum())}"
    + (f"; {display.number(unscored.accounts)} without a health score" if unscored else "")
)

window = queries.renewal_risk_window_days()
st.subheader(f"At risk with a renewal within {window} days")
display.table(display.with_brief_links(at_risk))

st.subheader("Version currency (production installations)")
display.table(
    versions,
    share_current=st.column_config.ProgressColumn(
        "share current", format="percent", min_value=0, max_value=1),
    accounts_2_plus_behind="accounts 2+ lines behind",
    accounts_end_of_support="accounts on end-of-support lines",
)
