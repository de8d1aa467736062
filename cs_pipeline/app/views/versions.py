"""Version lookup: which accounts run a product's release line, with seats and environment."""

from __future__ import annotations

import streamlit as st

from cs_pipeline.app import display, queries

st.title("Version lookup")

with display.page_cursor() as cur:
    lines = queries.release_lines(cur)
    products = sorted(lines.product_code.unique())
    left, middle, right = st.columns(3)
    product = left.selectbox("Product", products, index=None, placeholder="choose a product",
                             key="versions_product")
    line_options = list(lines[lines.product_code == product].release_line) if product else []
    line = middle.selectbox("Release line", line_options, index=None,
                            placeholder="choose a release line", key="versions_line")
    environment = right.selectbox("Environment", ["production", "staging", "test"], index=None,
                                  placeholder="all", key="versions_environment")
    if product is None or line is None:
        st.info("Choose a product and a release line.")
        st.stop()
    accounts = queries.accounts_on_line(cur, product, line, environment)

st.caption(
    f"{display.number(accounts.account_id.nunique())} accounts run {product} {line}"
    f"{' in ' + environment if environment else ''}: "
    f"{display.number(int(accounts.seats_in_use.sum()))} seats in use"
)
display.table(display.with_brief_links(accounts))
