"""The CS cockpit's entry point: ``streamlit run cs_pipeline/app/main.py`` (``make app``).

One page per module under ``views/``; every page reads the published warehouse through
``queries`` and formats with ``display``. ``<app>/brief?account=<id>`` opens an account's
brief (``/?account=<id>`` too), so a CRM or the Dagster UI can link to it.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from cs_pipeline.app import display, queries

VIEWS = Path(__file__).resolve().parent / "views"

st.set_page_config(page_title="cs360 cockpit", page_icon=":material/monitoring:", layout="wide")

pages = {
    "portfolio": st.Page(VIEWS / "portfolio.py", title="Portfolio", icon=":material/dashboard:",
                         url_path="portfolio", default=True),
    "actions": st.Page(VIEWS / "actions.py", title="My actions", icon=":material/task_alt:",
                       url_path="actions"),
    display.BRIEF_PATH: st.Page(VIEWS / "brief.py", title="Account brief",
                                icon=":material/description:", url_path=display.BRIEF_PATH),
    "versions": st.Page(VIEWS / "versions.py", title="Version lookup",
                        icon=":material/deployed_code:", url_path="versions"),
    "quality": st.Page(VIEWS / "quality.py", title="Data quality", icon=":material/fact_check:",
                       url_path="quality"),
}
page = st.navigation(list(pages.values()))
if page is pages["portfolio"] and st.query_params.get("account"):
    st.switch_page(pages[display.BRIEF_PATH], query_params=st.query_params.to_dict())

with display.page_cursor() as cur:
    built = queries.freshness(cur)
st.sidebar.caption(
    f"Data as of **{display.date(built.as_of_date)}** · built "
    f"{built.built_at:%Y-%m-%d %H:%M} UTC · {display.number(built.accounts)} accounts"
    if built.built_at else f"Data as of **{display.date(built.as_of_date)}**"
)
page.run()
