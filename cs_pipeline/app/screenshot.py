"""Screenshots of cockpit pages in headless Chromium, and the one way cs360 launches it.

    .venv/bin/python -m cs_pipeline.app.screenshot \\
        "http://127.0.0.1:8501/brief?account=001Dn00000KsTrLIAV" assets/cockpit-brief.png

Debian's ``chromium`` (``make browser``; ``CS_CHROMIUM`` points elsewhere) driven by Playwright,
never Playwright's own browser download, which needs the internet.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import Browser, Playwright, sync_playwright

from cs_pipeline.config import chromium_path

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# True once the page's script has finished and no element still shows its loading skeleton: on
# a busy machine a fixed wait after the network is idle caught tables still grey.
DRAWN = (
    "() => !document.querySelector("
    "'[data-testid=\"stStatusWidgetRunningIcon\"], [data-testid=\"stSkeleton\"]')"
)


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)


def screenshot(url: str, out: Path, *, width: int = 1400, height: int = 2800) -> None:
    """``url`` once its title is drawn and its data and charts arrived, as a PNG of the viewport
    (Streamlit scrolls inside the page, so the viewport is made as tall as the page)."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(url)
            page.locator("h1").first.wait_for(timeout=30_000)
            page.wait_for_load_state("networkidle")
            page.wait_for_function(DRAWN, timeout=60_000)
            page.wait_for_timeout(1_000)  # charts draw after their data arrives
            page.screenshot(path=str(out))
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Screenshot a cockpit page.")
    parser.add_argument("url")
    parser.add_argument("out", type=Path)
    parser.add_argument("--height", type=int, default=2800)
    args = parser.parse_args()
    screenshot(args.url, args.out, height=args.height)


if __name__ == "__main__":
    main()
