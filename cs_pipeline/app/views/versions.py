"""Version lookup: which accounts run a product's release line, with seats and environment."""

from __future__ import annotations

import streamlit as st

from cs_pipeline.app import display, queries

st.title("Version lookup")

with display.page_cursor() as cur:
    lines = queries.release_lines(cur)
    products = sorted(lines.product_code.unique())
    left, middle, right = st.columns(3)
    product = display.choice(left, "Product", products, "product", "choose a product")
    line_options = list(lines[lines.product_code == product].release_line) if product else []
    line = display.choice(middle, "Release line", line_options, "line", "choose a release line")
    environment = display.choice(right, "Environment", ["production", "staging", "test"],
                                 "environment", "all")
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
