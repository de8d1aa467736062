"""My actions: one owner's open calls to action (or a queue's), in work order."""

from __future__ import annotations

import streamlit as st

from cs_pipeline.app import display, queries

st.title("My actions")

with display.page_cursor() as cur:
    owners = queries.cta_owners(cur)
    owner = display.choice(st, "Owner or queue", owners, "owner", "choose an owner")
    if owner is None:
        st.info("Choose an owner, or a queue (inactive owners' accounts go to the fallback "
                "queue), to see their open calls to action.")
        st.stop()
    actions = queries.actions_of(cur, owner)

overdue = int(actions.is_overdue.sum())
st.caption(f"{display.number(len(actions))} open calls to action, {display.number(overdue)} "
           f"overdue, {display.usd(actions.arr_at_stake_usd.sum())} ARR at stake")
display.table(display.with_brief_links(actions),
              reason=st.column_config.TextColumn("reason", width="large"))
