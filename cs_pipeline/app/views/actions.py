"""My actions: one owner's calls to action (or the unassigned queue), most urgent first."""

from __future__ import annotations

import streamlit as st

from cs_pipeline.app import display, queries

UNASSIGNED = "(unassigned queue)"

st.title("My actions")

with display.page_cursor() as cur:
    owners = [*queries.cta_owners(cur), UNASSIGNED]
    owner = display.choice(st, "Owner", owners, "owner", "choose an owner")
    if owner is None:
        st.info("Choose an owner to see their calls to action.")
        st.stop()
    actions = queries.actions_of(cur, None if owner == UNASSIGNED else owner)

overdue = int(actions.is_overdue.sum())
st.caption(f"{display.number(len(actions))} calls to action, {display.number(overdue)} overdue")
display.table(display.with_brief_links(actions),
              reason=st.column_config.TextColumn("reason", width="large"))
